"""Data that is right at entry: untestable eyes, screenings attached to an open referral,
and a keyed pseudonym of the phone number for exact search.

``screenings`` gets ``right_untestable`` / ``left_untestable`` (why an eye's VA could not be
tested) and ``attached_referral_id`` (the open referral a later screening joined);
``people`` gets ``phone_hmac``, filled for every person who has a phone, in batches.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from brightline.identifiers import IdentifierKeys, open_person_key, phone_pseudonym

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 1000
# Written out, not imported from the models: a migration keeps the rule of its own day.
_REASONS = "'could_not_cooperate', 'eye_absent', 'not_attempted'"


def untestable_check(eye: str) -> str:
    return (
        f"{eye}_untestable IS NULL OR ({eye}_untestable IN ({_REASONS})"
        f" AND {eye}_presenting_va IS NULL)"
    )


_people = sa.table(
    "people",
    sa.column("id", sa.String),
    sa.column("data_key", sa.LargeBinary),
    sa.column("phone_ct", sa.LargeBinary),
    sa.column("phone_hmac", sa.String),
)


def _fill_phone_pseudonyms() -> None:
    bind = op.get_bind()
    pending = sa.and_(_people.c.phone_ct.is_not(None), _people.c.data_key.is_not(None))
    last_id = ""
    while True:
        rows = list(
            bind.execute(
                sa.select(_people)
                .where(pending, _people.c.id > last_id)
                .order_by(_people.c.id)
                .limit(BATCH)
            )
        )
        if not rows:
            return
        keys = context.config.attributes.get("identifier_keys")
        if not isinstance(keys, IdentifierKeys):
            raise RuntimeError(
                "migration 0009 must index existing phone numbers and needs the identifier"
                " keys: run 'brightline init' with the installation's key files in place"
            )
        updates = [
            {
                "person_id": row.id,
                "phone_hmac": phone_pseudonym(
                    keys, open_person_key(keys, row.id, row.data_key).open("phone", row.phone_ct)
                ),
            }
            for row in rows
        ]
        bind.execute(
            _people.update()
            .where(_people.c.id == sa.bindparam("person_id"))
            .values(phone_hmac=sa.bindparam("phone_hmac")),
            updates,
        )
        last_id = rows[-1].id


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: a batch copy would have to drop tables others reference.
    sqlite = op.get_bind().dialect.name == "sqlite"
    for eye in ("right", "left"):
        name = f"ck_screenings_{eye}_untestable"
        if sqlite:
            # SQLite cannot add a constraint later; a column's own CHECK comes with the column.
            op.execute(
                f"ALTER TABLE screenings ADD COLUMN {eye}_untestable VARCHAR(24)"
                f" CONSTRAINT {name} CHECK ({untestable_check(eye)})"
            )
        else:
            op.add_column("screenings", sa.Column(f"{eye}_untestable", sa.String(24)))
            op.create_check_constraint(name, "screenings", untestable_check(eye))
    if sqlite:
        # SQLite adds a column with its REFERENCES clause, but alembic would ALTER a constraint.
        op.execute(
            "ALTER TABLE screenings ADD COLUMN attached_referral_id VARCHAR(36)"
            " CONSTRAINT fk_screenings_attached_referral REFERENCES referrals (id)"
        )
    else:
        op.add_column(
            "screenings",
            sa.Column(
                "attached_referral_id",
                sa.String(36),
                sa.ForeignKey("referrals.id", name="fk_screenings_attached_referral"),
                nullable=True,
            ),
        )
    op.create_index("ix_screenings_attached_referral_id", "screenings", ["attached_referral_id"])
    op.add_column("people", sa.Column("phone_hmac", sa.String(64), nullable=True))
    op.create_index("ix_people_phone_hmac", "people", ["phone_hmac"])
    op.add_column(
        "follow_ups",
        sa.Column("within_window", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    # Follow-ups already stored are flagged by the default window, 28 to 84 days (WHO).
    op.execute("UPDATE follow_ups SET within_window = (days_after_surgery BETWEEN 28 AND 84)")
    _fill_phone_pseudonyms()


def downgrade() -> None:
    op.drop_column("follow_ups", "within_window")
    op.drop_index("ix_people_phone_hmac", "people")
    op.drop_column("people", "phone_hmac")
    op.drop_index("ix_screenings_attached_referral_id", "screenings")
    op.drop_column("screenings", "attached_referral_id")
    for eye in ("left", "right"):
        if op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(f"ck_screenings_{eye}_untestable", "screenings", type_="check")
        op.drop_column("screenings", f"{eye}_untestable")
