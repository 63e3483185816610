"""Account events in the audit log, and usernames unique whatever their case.

Audit entries get an ``account`` column (the subject account's staff pseudonym, repeated
from the hashed entry for queries; NULL in every earlier entry) and a partial index over
the account events. Usernames become unique on ``lower(username)``, so ``Screener_A`` and
``screener_a`` can no longer be two accounts; an installation that already holds such a
pair is refused, naming them, before anything changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ACCOUNT_EVENTS_WHERE = "action LIKE 'account.%'"


def _refuse_colliding_usernames() -> None:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT lower(username) AS folded, username FROM users WHERE lower(username) IN"
            " (SELECT lower(username) FROM users GROUP BY lower(username) HAVING count(*) > 1)"
            " ORDER BY folded, username"
        )
    )
    groups: dict[str, list[str]] = {}
    for folded, username in rows:
        groups.setdefault(folded, []).append(username)
    if groups:
        pairs = "; ".join(" and ".join(repr(name) for name in names) for names in groups.values())
        raise RuntimeError(
            "migration 0008 makes usernames case-insensitive, but these accounts differ only"
            f" in case: {pairs}. Rename or remove all but one of each group (a direct UPDATE"
            " of users.username), then run 'brightline init' again"
        )


def upgrade() -> None:
    _refuse_colliding_usernames()
    # Not batch mode: on SQLite that copies the table and would drop its append-only triggers.
    op.add_column("audit_entries", sa.Column("account", sa.String(32), nullable=True))
    op.create_index("ix_audit_entries_account", "audit_entries", ["account"])
    op.create_index(
        "ix_audit_entries_account_events",
        "audit_entries",
        ["position"],
        sqlite_where=sa.text(ACCOUNT_EVENTS_WHERE),
        postgresql_where=sa.text(ACCOUNT_EVENTS_WHERE),
    )
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_users_username_lower", table_name="users")
    op.drop_index("ix_audit_entries_account_events", table_name="audit_entries")
    op.drop_index("ix_audit_entries_account", table_name="audit_entries")
    # Dropping a column rewrites the table on SQLite; the append-only triggers go with it
    # and are put back.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_entries_no_{verb}")
        with op.batch_alter_table("audit_entries") as batch:
            batch.drop_column("account")
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"
            )
        return
    op.drop_column("audit_entries", "account")
