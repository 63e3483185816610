"""Snapshot jobs and one-time password reset codes.

A programme manager starts a new analytics snapshot from the dashboard; the job's state and
progress are rows of ``snapshot_jobs``, so every server worker can report them, and a unique
``running_slot`` lets only one run at a time. An admin's password reset stores the SHA-256 of a
one-time code and its expiry on the account.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot_jobs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("requested_by", sa.String(32), nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("running_slot", sa.Integer, nullable=True),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("heartbeat_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("steps_done", sa.Integer, nullable=False),
        sa.Column("steps_total", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_snapshot_jobs_state")
        ),
        sa.UniqueConstraint("running_slot", name=op.f("uq_snapshot_jobs_running_slot")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_jobs")),
    )
    # Plain ADD COLUMN (nullable): batch mode would copy the accounts table on SQLite.
    op.add_column("users", sa.Column("reset_code_hash", sa.String(64), nullable=True))
    op.add_column("users", sa.Column("reset_expires_at", sa.DateTime, nullable=True))


def downgrade() -> None:
    op.drop_table("snapshot_jobs")
    # Plain DROP COLUMN (SQLite ≥ 3.35 and PostgreSQL both have it): no table rebuild.
    for column in ("reset_expires_at", "reset_code_hash"):
        op.execute(f"ALTER TABLE users DROP COLUMN {column}")
