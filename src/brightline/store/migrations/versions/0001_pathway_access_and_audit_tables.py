"""pathway, access and audit tables

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_entries",
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("record", sa.String(length=32), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("break_glass", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_record"), ["record"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_nodes")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "level IN ('province', 'county', 'township')", name=op.f("ck_regions_level")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["regions.id"], name=op.f("fk_regions_parent_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("code", name=op.f("uq_regions_code")),
    )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regions_path"), ["path"], unique=False)

    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('clinic', 'surgical_centre')", name=op.f("ck_facilities_kind")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_facilities_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
        sa.UniqueConstraint("code", name=op.f("uq_facilities_code")),
    )
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_facilities_region_id"), ["region_id"], unique=False)

    op.create_table(
        "people",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("name_ct", sa.LargeBinary(), nullable=True),
        sa.Column("phone_ct", sa.LargeBinary(), nullable=True),
        sa.Column("national_id_ct", sa.LargeBinary(), nullable=True),
        sa.Column("address_ct", sa.LargeBinary(), nullable=True),
        sa.Column("national_id_hmac", sa.String(length=64), nullable=True),
        sa.Column("client_record_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("sex IN ('female', 'male')", name=op.f("ck_people_sex")),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_people_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_people_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("client_record_id", name=op.f("uq_people_client_record_id")),
        sa.UniqueConstraint("national_id_hmac", name=op.f("uq_people_national_id_hmac")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_people_pseudonym")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_region_id"), ["region_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('screener', 'reviewer', 'surgeon', 'manager', 'privacy_officer', 'admin')",
            name=op.f("ck_users_role"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_users_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_users_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_users_pseudonym")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_api_tokens")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "break_glass_grants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_break_glass_grants_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_break_glass_grants_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_break_glass_grants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass_grants")),
    )
    with op.batch_alter_table("break_glass_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_break_glass_grants_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_break_glass_grants_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "screenings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("screener_id", sa.Integer(), nullable=True),
        sa.Column("screened_at", sa.DateTime(), nullable=False),
        sa.Column("right_presenting_va", sa.String(length=16), nullable=True),
        sa.Column("right_presenting_logmar", sa.Float(), nullable=True),
        sa.Column("left_presenting_va", sa.String(length=16), nullable=True),
        sa.Column("left_presenting_logmar", sa.Float(), nullable=True),
        sa.Column("right_pinhole_va", sa.String(length=16), nullable=True),
        sa.Column("right_pinhole_logmar", sa.Float(), nullable=True),
        sa.Column("left_pinhole_va", sa.String(length=16), nullable=True),
        sa.Column("left_pinhole_logmar", sa.Float(), nullable=True),
        sa.Column("right_lens", sa.String(length=16), nullable=True),
        sa.Column("left_lens", sa.String(length=16), nullable=True),
        sa.Column("symptoms", sa.String(length=200), nullable=False),
        sa.Column("triage_decision", sa.String(length=16), nullable=False),
        sa.Column("triage_reasons", sa.Text(), nullable=False),
        sa.Column("triage_rule_version", sa.String(length=64), nullable=False),
        sa.Column("suspected_cataract", sa.Boolean(), nullable=False),
        sa.Column("client_record_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_screenings_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_screenings_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["screener_id"], ["users.id"], name=op.f("fk_screenings_screener_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
        sa.UniqueConstraint("client_record_id", name=op.f("uq_screenings_client_record_id")),
    )
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screenings_facility_id"), ["facility_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_screenings_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_screenings_screened_at"), ["screened_at"], unique=False
        )

    op.create_table(
        "sync_receipts",
        sa.Column("client_uuid", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sync_receipts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("client_uuid", name=op.f("pk_sync_receipts")),
    )
    op.create_table(
        "photos",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("screening_id", sa.String(length=36), nullable=False),
        sa.Column("eye", sa.String(length=8), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screenings.id"], name=op.f("fk_photos_screening_id_screenings")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_photos_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photos_screening_id"), ["screening_id"], unique=False)

    op.create_table(
        "referrals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("screening_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("from_facility_id", sa.Integer(), nullable=False),
        sa.Column("to_facility_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("access_pin_hash", sa.String(length=200), nullable=True),
        sa.Column("referred_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("close_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "kind IN ('refraction', 'review', 'urgent_review')", name=op.f("ck_referrals_kind")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'reviewed', 'attended', 'closed')", name=op.f("ck_referrals_status")
        ),
        sa.ForeignKeyConstraint(
            ["from_facility_id"],
            ["facilities.id"],
            name=op.f("fk_referrals_from_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_referrals_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screenings.id"], name=op.f("fk_referrals_screening_id_screenings")
        ),
        sa.ForeignKeyConstraint(
            ["to_facility_id"],
            ["facilities.id"],
            name=op.f("fk_referrals_to_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("code", name=op.f("uq_referrals_code")),
        sa.UniqueConstraint("screening_id", name=op.f("uq_referrals_screening_id")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referrals_to_facility_id"), ["to_facility_id"], unique=False
        )
        batch_op.create_index(
            "ix_referrals_worklist", ["from_facility_id", "status", "referred_at"], unique=False
        )

    op.create_table(
        "attendances",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("attended_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_attendances_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_attendances_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_attendances_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendances")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_attendances_referral_id")),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.Column("right_icd10", sa.String(length=16), nullable=True),
        sa.Column("right_icd11", sa.String(length=16), nullable=True),
        sa.Column("left_icd10", sa.String(length=16), nullable=True),
        sa.Column("left_icd11", sa.String(length=16), nullable=True),
        sa.Column("recommendation", sa.String(length=16), nullable=False),
        sa.Column("surgery_right", sa.Boolean(), nullable=False),
        sa.Column("surgery_left", sa.Boolean(), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "recommendation IN ('surgery', 'glasses', 'other_referral', 'no_action')",
            name=op.f("ck_reviews_recommendation"),
        ),
        sa.CheckConstraint(
            "urgency IN ('routine', 'soon', 'urgent')", name=op.f("ck_reviews_urgency")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_reviews_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_reviews_referral_id_referrals")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_reviews_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "surgeries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("review_id", sa.String(length=36), nullable=False),
        sa.Column("eye", sa.String(length=8), nullable=False),
        sa.Column("operated_on", sa.Date(), nullable=False),
        sa.Column("technique", sa.String(length=8), nullable=False),
        sa.Column("iol", sa.Boolean(), nullable=False),
        sa.Column("complications", sa.String(length=200), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("surgeon_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("eye IN ('right', 'left')", name=op.f("ck_surgeries_eye")),
        sa.CheckConstraint(
            "technique IN ('MSICS', 'phaco', 'ECCE')", name=op.f("ck_surgeries_technique")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_surgeries_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_surgeries_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_surgeries_referral_id_referrals")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_surgeries_review_id_reviews")
        ),
        sa.ForeignKeyConstraint(
            ["surgeon_id"], ["users.id"], name=op.f("fk_surgeries_surgeon_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surgeries")),
    )
    with op.batch_alter_table("surgeries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surgeries_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_surgeries_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_surgeries_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("surgery_id", sa.String(length=36), nullable=False),
        sa.Column("examined_on", sa.Date(), nullable=False),
        sa.Column("days_after_surgery", sa.Integer(), nullable=False),
        sa.Column("presenting_va", sa.String(length=16), nullable=False),
        sa.Column("presenting_logmar", sa.Float(), nullable=False),
        sa.Column("best_corrected_va", sa.String(length=16), nullable=True),
        sa.Column("best_corrected_logmar", sa.Float(), nullable=True),
        sa.Column("outcome_presenting", sa.String(length=12), nullable=False),
        sa.Column("outcome_best_corrected", sa.String(length=12), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome_presenting IN ('good', 'borderline', 'poor')",
            name=op.f("ck_follow_ups_outcome_presenting"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_follow_ups_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["surgery_id"], ["surgeries.id"], name=op.f("fk_follow_ups_surgery_id_surgeries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_surgery_id"), ["surgery_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_ups_surgery_id"))

    op.drop_table("follow_ups")
    with op.batch_alter_table("surgeries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surgeries_referral_id"))
        batch_op.drop_index(batch_op.f("ix_surgeries_person_id"))
        batch_op.drop_index(batch_op.f("ix_surgeries_facility_id"))

    op.drop_table("surgeries")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_referral_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_person_id"))

    op.drop_table("reviews")
    op.drop_table("attendances")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_worklist")
        batch_op.drop_index(batch_op.f("ix_referrals_to_facility_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_person_id"))

    op.drop_table("referrals")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_screening_id"))

    op.drop_table("photos")
    op.drop_table("sync_receipts")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenings_screened_at"))
        batch_op.drop_index(batch_op.f("ix_screenings_person_id"))
        batch_op.drop_index(batch_op.f("ix_screenings_facility_id"))

    op.drop_table("screenings")
    with op.batch_alter_table("break_glass_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_glass_grants_user_id"))
        batch_op.drop_index(batch_op.f("ix_break_glass_grants_person_id"))

    op.drop_table("break_glass_grants")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_region_id"))
        batch_op.drop_index(batch_op.f("ix_people_facility_id"))

    op.drop_table("people")
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilities_region_id"))

    op.drop_table("facilities")
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regions_path"))

    op.drop_table("regions")
    op.drop_table("login_throttle")
    op.drop_table("audit_nodes")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_record"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))

    op.drop_table("audit_entries")
