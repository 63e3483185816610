"""Population by region, year, age band and sex: the denominator of the surgical rate.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "population",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=8), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("sex IN ('female', 'male')", name=op.f("ck_population_sex")),
        sa.CheckConstraint("count >= 0", name=op.f("ck_population_count")),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_population_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population")),
    )
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.create_index(
            "ix_population_cell", ["region_id", "year", "age_band", "sex"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.drop_index("ix_population_cell")
    op.drop_table("population")
