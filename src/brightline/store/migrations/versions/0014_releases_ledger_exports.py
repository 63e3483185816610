"""Differentially private releases, their append-only ε ledger, and export requests.

The ledger refuses UPDATE and DELETE at the database level (triggers, like the audit log's
in 0002): spent privacy budget can never be given back by editing a row.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None

TWO_PEOPLE = "decided_by IS NULL OR decided_by <> requested_by"


def _decision_columns() -> list[sa.Column[object]]:
    """Who asked, who decided and when: the same on releases and export requests."""
    return [
        sa.Column("requested_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("region_code", sa.String(32), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("epsilons", sa.Text(), nullable=False),
        sa.Column("epsilon_total", sa.Float(), nullable=False),
        *_decision_columns(),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("snapshot_created_at", sa.String(40), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'published', 'refused')", name="ck_releases_status"
        ),
        sa.CheckConstraint("level IN ('province', 'county', 'township')", name="ck_releases_level"),
        sa.CheckConstraint("period_end > period_start", name="ck_releases_period"),
        sa.CheckConstraint("epsilon_total > 0", name="ck_releases_epsilon"),
        sa.CheckConstraint(TWO_PEOPLE, name="ck_releases_two_people"),
    )
    op.create_table(
        "privacy_ledger",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("data_year", sa.Integer(), nullable=False, index=True),
        sa.Column("release_id", sa.String(36), sa.ForeignKey("releases.id"), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("spent_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("epsilon > 0", name="ck_privacy_ledger_epsilon"),
    )
    op.create_table(
        "export_requests",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(32), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("variables", sa.Text(), nullable=False),
        *_decision_columns(),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("produced_at", sa.DateTime(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("suppressed", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('research', 'identified')", name="ck_export_requests_kind"),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'refused', 'produced')",
            name="ck_export_requests_status",
        ),
        sa.CheckConstraint(TWO_PEOPLE, name="ck_export_requests_two_people"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER privacy_ledger_no_{verb.lower()} BEFORE {verb} ON privacy_ledger"
                " BEGIN SELECT RAISE(ABORT, 'privacy_ledger is append-only'); END"
            )
        return
    # brightline_append_only() was created with the audit log's triggers (0002).
    op.execute(
        "CREATE TRIGGER privacy_ledger_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON privacy_ledger FOR EACH STATEMENT EXECUTE FUNCTION brightline_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER privacy_ledger_no_{verb}")
    else:
        op.execute("DROP TRIGGER privacy_ledger_append_only ON privacy_ledger")
    op.drop_table("export_requests")
    op.drop_table("privacy_ledger")
    op.drop_table("releases")
