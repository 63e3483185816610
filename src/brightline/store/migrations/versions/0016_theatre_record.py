"""The theatre record: operating surgeon, IOL power and position, anaesthesia, coded
complications, "not operated" with a reason, and the centre's appointment date.

``surgeries`` gains ``iol_power`` (dioptres), ``iol_position``, ``anaesthesia``,
``complication_codes`` (comma-separated codes) and ``recorded_by``; a new ``not_operated``
table keeps the eyes a patient came for and was not operated on, with the reason; referrals
gain ``appointment_on``.

Existing operations: ``surgeon_id`` held the account that recorded the operation, which
was a surgical-centre account of the operating centre, so it stays the operating surgeon and
is also copied to ``recorded_by``; complications written in words become the code ``other``
with those words kept as its description (nothing typed is lost, and "complicated" counts
are unchanged); IOL power, position and anaesthesia were never asked and stay NULL (not
recorded).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

EYES = ("right", "left")
REASONS = ("declined", "medical_contraindication", "not_cataract", "other")


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the tables); the values are checked against the
    # vocabulary on every road that writes them.
    op.add_column("referrals", sa.Column("appointment_on", sa.Date(), nullable=True))
    op.add_column("surgeries", sa.Column("iol_power", sa.Float(), nullable=True))
    op.add_column("surgeries", sa.Column("iol_position", sa.String(20), nullable=True))
    op.add_column("surgeries", sa.Column("anaesthesia", sa.String(12), nullable=True))
    op.add_column(
        "surgeries",
        sa.Column("complication_codes", sa.String(120), server_default="", nullable=False),
    )
    op.add_column("surgeries", sa.Column("recorded_by", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        # SQLite cannot add a constraint to an existing table without copying it.
        op.create_foreign_key(
            op.f("fk_surgeries_recorded_by_users"), "surgeries", "users", ["recorded_by"], ["id"]
        )
    op.execute("UPDATE surgeries SET recorded_by = surgeon_id")
    op.execute(
        "UPDATE surgeries SET complication_codes = 'other' "
        "WHERE complications IS NOT NULL AND TRIM(complications) <> ''"
    )
    op.create_table(
        "not_operated",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("referral_id", sa.String(36), nullable=False),
        sa.Column("eye", sa.String(8), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"eye IN ({_quoted(EYES)})", name=op.f("ck_not_operated_eye")),
        sa.CheckConstraint(f"reason IN ({_quoted(REASONS)})", name=op.f("ck_not_operated_reason")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_not_operated_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_not_operated_referral_id_referrals")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_not_operated_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_not_operated_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_not_operated")),
    )
    op.create_index(op.f("ix_not_operated_person_id"), "not_operated", ["person_id"])
    op.create_index(op.f("ix_not_operated_referral_id"), "not_operated", ["referral_id"])


def downgrade() -> None:
    op.drop_table("not_operated")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_surgeries_recorded_by_users"), "surgeries")
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): batch mode would copy these tables.
    for table, column in (
        ("surgeries", "recorded_by"),
        ("surgeries", "complication_codes"),
        ("surgeries", "anaesthesia"),
        ("surgeries", "iol_position"),
        ("surgeries", "iol_power"),
        ("referrals", "appointment_on"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
