"""A key check: the installation recognises its own key files, even with no one stored yet.

Before, wrong key files were noticed only by unwrapping a stored person's key, so an empty
installation accepted any keys, and a wrong pseudonym key was never noticed at all (national
ID look-ups then silently miss). ``brightline init`` writes the one row after checking the keys
against the people already stored.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_check",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("wrapped", sa.LargeBinary, nullable=False),
        sa.Column("pseudonym_check", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("key_check")
