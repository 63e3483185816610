"""Contact attempts on the follow-up worklist: who tried to reach a referred person, when, and
what they found (will attend on a date, declines and why, not reachable, moved, died, attended
elsewhere). The outcomes that end a referral close it with the outcome as its reason.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The vocabulary as it was at this revision (a migration never follows later edits).
OUTCOMES = ("will_attend", "declined", "not_reachable", "moved", "died", "attended_elsewhere")
DECLINE_REASONS = ("cost", "fear", "no_escort", "distance", "other")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.Column("attempted_by", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("decline_reason", sa.String(length=16), nullable=True),
        sa.Column("note_ct", sa.LargeBinary(), nullable=True),
        sa.Column("will_attend_on", sa.Date(), nullable=True),
        sa.CheckConstraint(_one_of("outcome", OUTCOMES), name=op.f("ck_contact_attempts_outcome")),
        sa.CheckConstraint(
            f"decline_reason IS NULL OR {_one_of('decline_reason', DECLINE_REASONS)}",
            name=op.f("ck_contact_attempts_decline_reason"),
        ),
        sa.CheckConstraint(
            "(outcome = 'declined') = (decline_reason IS NOT NULL)",
            name=op.f("ck_contact_attempts_declined_has_reason"),
        ),
        sa.CheckConstraint(
            "(outcome = 'will_attend') = (will_attend_on IS NOT NULL)",
            name=op.f("ck_contact_attempts_will_attend_has_date"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_contact_attempts_referral_id_referrals"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_contact_attempts_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["attempted_by"], ["users.id"], name=op.f("fk_contact_attempts_attempted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_attempts")),
    )
    op.create_index(
        "ix_contact_attempts_referral", "contact_attempts", ["referral_id", "attempted_at"]
    )
    op.create_index("ix_contact_attempts_person_id", "contact_attempts", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_contact_attempts_person_id", table_name="contact_attempts")
    op.drop_index("ix_contact_attempts_referral", table_name="contact_attempts")
    op.drop_table("contact_attempts")
