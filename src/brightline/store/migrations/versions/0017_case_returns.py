"""Cases sent back to the screening clinic: an ungradable photo to retake, a VA to re-test.

A reviewer who cannot grade a case sends it back instead of guessing. The referral keeps
why, when and by whom, and when the clinic's new screening or photo brought it back to the
review queue.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COLUMNS = ("return_reason", "returned_at", "returned_by", "return_note", "resumed_at")


def upgrade() -> None:
    op.add_column("referrals", sa.Column("return_reason", sa.String(20), nullable=True))
    op.add_column("referrals", sa.Column("returned_at", sa.DateTime(), nullable=True))
    # No foreign key: adding one to an existing SQLite table would copy the table; the
    # column names an account the service has just checked, and accounts are never deleted.
    op.add_column("referrals", sa.Column("returned_by", sa.Integer(), nullable=True))
    op.add_column("referrals", sa.Column("return_note", sa.String(500), nullable=True))
    op.add_column("referrals", sa.Column("resumed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): batch mode would copy the table.
    for column in reversed(COLUMNS):
        op.drop_column("referrals", column)
