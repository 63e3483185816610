"""Cache the audit tree's right edge in the head row, so appends read no stored nodes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL means "not cached yet": the next append reads the edge from the stored nodes.
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("edge", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("edge")
