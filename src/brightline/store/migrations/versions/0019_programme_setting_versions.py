"""Programme settings changed by an admin, one append-only row per version.

The programme in force is the programme file with the latest version's values on top; the
database refuses UPDATE and DELETE on the versions, so every earlier one stays, with who
changed it, when and why.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABLE = "programme_setting_versions"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("version", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("setting_values", sa.Text, nullable=False),
        sa.Column("changed_by", sa.String(32), nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_programme_setting_versions")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END"
            )
        return
    # brightline_append_only() is the audit log's trigger function (migration 0002).
    op.execute(
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        f"ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION brightline_append_only()"
    )


def downgrade() -> None:
    op.drop_table(TABLE)
