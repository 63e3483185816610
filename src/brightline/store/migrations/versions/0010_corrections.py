"""Corrections with history: nothing typed is overwritten without its earlier version.

A ``corrections`` table keeps every correction of a person's record (an edit of the person,
a voided screening, an undone arrival, an amended review) with who, when, why and the
earlier values; earlier identifiers and the reason stay sealed under the person's data key.
People and reviews get a ``version`` (a correction from an older one is refused), screenings
a ``voided_at`` and attendances the moment they were recorded (``recorded_at``), from which
the undo window counts. Existing rows start at version 1, unvoided, recorded at NULL.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KINDS = ("person_edit", "screening_void", "attendance_undo", "review_amend")


def upgrade() -> None:
    op.add_column("people", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column("reviews", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column("screenings", sa.Column("voided_at", sa.DateTime(), nullable=True))
    op.add_column("attendances", sa.Column("recorded_at", sa.DateTime(), nullable=True))
    kinds = ", ".join(f"'{kind}'" for kind in KINDS)
    op.create_table(
        "corrections",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("made_by", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("reason_ct", sa.LargeBinary(), nullable=True),
        sa.Column("changed", sa.String(200), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("name_ct", sa.LargeBinary(), nullable=True),
        sa.Column("phone_ct", sa.LargeBinary(), nullable=True),
        sa.Column("national_id_ct", sa.LargeBinary(), nullable=True),
        sa.Column("address_ct", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(f"kind IN ({kinds})", name=op.f("ck_corrections_kind")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_corrections_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["made_by"], ["users.id"], name=op.f("fk_corrections_made_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    op.create_index(op.f("ix_corrections_person_id"), "corrections", ["person_id"])
    op.create_index(op.f("ix_corrections_record_id"), "corrections", ["record_id"])
    op.create_index(op.f("ix_corrections_made_at"), "corrections", ["made_at"])


def downgrade() -> None:
    op.drop_table("corrections")
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): batch mode would copy these tables.
    for table, column in (
        ("attendances", "recorded_at"),
        ("screenings", "voided_at"),
        ("reviews", "version"),
        ("people", "version"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
