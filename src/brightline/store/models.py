"""Storage models of the cataract pathway (SQLAlchemy 2); API schemas live elsewhere.

Timestamps are naive UTC. Pathway records use UUID primary keys so that records created
offline keep the identity their device gave them and a re-sent batch never duplicates.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from brightline.timestamps import utcnow
from brightline.vocabulary import (
    ContactOutcome,
    CorrectionKind,
    DeclineReason,
    Eye,
    FacilityKind,
    NotOperatedReason,
    Outcome,
    Recommendation,
    ReferralKind,
    ReferralStatus,
    RegionLevel,
    Role,
    Sex,
    Technique,
    Untestable,
    Urgency,
    values,
)

# The CHECK constraints take their values from the one vocabulary.
REGION_LEVELS = values(RegionLevel)
UNTESTABLE_REASONS = values(Untestable)
FACILITY_KINDS = values(FacilityKind)
ROLES = values(Role)
SEXES = values(Sex)
EYES = values(Eye)
REFERRAL_KINDS = values(ReferralKind)
REFERRAL_STATUSES = values(ReferralStatus)
RECOMMENDATIONS = values(Recommendation)
URGENCIES = values(Urgency)
TECHNIQUES = values(Technique)
OUTCOMES = values(Outcome)
CORRECTION_KINDS = values(CorrectionKind)
CONTACT_OUTCOMES = values(ContactOutcome)
DECLINE_REASONS = values(DeclineReason)
NOT_OPERATED_REASONS = values(NotOperatedReason)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A fresh record UUID (devices generate the same kind offline)."""
    return str(uuid.uuid4())


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so migrations are reproducible."""

    metadata = MetaData(naming_convention=NAMING)


class Region(Base):
    """A province, county or township; ``path`` lets a scope cover a whole subtree."""

    __tablename__ = "regions"
    __table_args__ = (CheckConstraint(_one_of("level", REGION_LEVELS), name="level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    path: Mapped[str] = mapped_column(String(200), index=True)


class Facility(Base):
    """A clinic that screens or a surgical centre that receives referrals."""

    __tablename__ = "facilities"
    __table_args__ = (CheckConstraint(_one_of("kind", FACILITY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)


class User(Base):
    """A staff account; its scope is a region subtree and, for facility staff, a facility."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_one_of("role", ROLES), name="role"),
        # Screener_A and screener_a are one account: unique on the lower-cased name.
        Index("uq_users_username_lower", text("lower(username)"), unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    # Audit entries name staff by this pseudonym, never by username.
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A password reset issued by an admin: the SHA-256 of a one-time code, until it is used
    # or expires (the code has 80 random bits, so a plain hash cannot be searched).
    reset_code_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    reset_expires_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class Person(Base):
    """A screened person: direct identifiers are sealed under this person's own data key."""

    __tablename__ = "people"
    __table_args__ = (CheckConstraint(_one_of("sex", SEXES), name="sex"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    sex: Mapped[str] = mapped_column(String(8))
    birth_year: Mapped[int] = mapped_column(Integer)
    # This person's own AES key, wrapped by the installation key; erasure sets it NULL.
    data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    national_id_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Keyed HMAC pseudonym of the national ID: de-duplicates without storing the ID.
    national_id_hmac: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Keyed pseudonym of the phone number: exact search without decrypting anyone's phone.
    phone_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    client_record_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Raised by every change: a correction made from an older version is refused (409).
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    # SQLAlchemy adds "WHERE version = ?" to the UPDATE: a concurrent change makes it stale.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read by the mapper


def untestable_check(eye: str) -> str:
    """An eye is marked untestable only with a declared reason and without a presenting VA."""
    column = f"{eye}_untestable"
    reasons = _one_of(column, UNTESTABLE_REASONS)
    return f"{column} IS NULL OR ({reasons} AND {eye}_presenting_va IS NULL)"


class Screening(Base):
    """One screening visit: per-eye presenting and pinhole VA, lens status, symptoms, triage."""

    __tablename__ = "screenings"
    __table_args__ = (
        CheckConstraint(untestable_check("right"), name="right_untestable"),
        CheckConstraint(untestable_check("left"), name="left_untestable"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    screener_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    screened_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    right_presenting_va: Mapped[str | None] = mapped_column(String(16))
    right_presenting_logmar: Mapped[float | None] = mapped_column(Float)
    left_presenting_va: Mapped[str | None] = mapped_column(String(16))
    left_presenting_logmar: Mapped[float | None] = mapped_column(Float)
    right_pinhole_va: Mapped[str | None] = mapped_column(String(16))
    right_pinhole_logmar: Mapped[float | None] = mapped_column(Float)
    left_pinhole_va: Mapped[str | None] = mapped_column(String(16))
    left_pinhole_logmar: Mapped[float | None] = mapped_column(Float)
    right_lens: Mapped[str | None] = mapped_column(String(16))
    left_lens: Mapped[str | None] = mapped_column(String(16))
    # Why an eye's VA could not be tested (vocabulary.Untestable); NULL when it was measured.
    right_untestable: Mapped[str | None] = mapped_column(String(24))
    left_untestable: Mapped[str | None] = mapped_column(String(24))
    symptoms: Mapped[str] = mapped_column(String(200), default="")
    triage_decision: Mapped[str] = mapped_column(String(16))
    triage_reasons: Mapped[str] = mapped_column(Text)
    triage_rule_version: Mapped[str] = mapped_column(String(64))
    suspected_cataract: Mapped[bool] = mapped_column(Boolean, default=False)
    # A person's second screening while a referral is open joins it instead of opening another.
    attached_referral_id: Mapped[str | None] = mapped_column(
        ForeignKey("referrals.id", use_alter=True, name="fk_screenings_attached_referral"),
        index=True,
    )
    client_record_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A voided screening stays for the record's history but leaves every list and figure.
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)


class Referral(Base):
    """A referral from a screening to a facility, tracked until attendance or closure."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(_one_of("kind", REFERRAL_KINDS), name="kind"),
        CheckConstraint(_one_of("status", REFERRAL_STATUSES), name="status"),
        Index("ix_referrals_worklist", "from_facility_id", "status", "referred_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    from_facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    to_facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    # Printed on the slip; the patient uses it (with a PIN) to read their access report.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    access_pin_hash: Mapped[str | None] = mapped_column(String(200))
    referred_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    close_reason: Mapped[str | None] = mapped_column(String(200))
    # The day the surgical centre gave the patient (0016); printed on a reprinted slip.
    appointment_on: Mapped[date | None] = mapped_column(Date)
    # Sent back to the clinic by a reviewer (photo retake, VA re-test): off the review queue
    # until the clinic has done it (resumed_at set), then back on it. Values: ReturnReason,
    # checked by the service (a CHECK added to an existing SQLite table would copy it).
    return_reason: Mapped[str | None] = mapped_column(String(20))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)
    returned_by: Mapped[int | None] = mapped_column(Integer)
    return_note: Mapped[str | None] = mapped_column(String(500))
    resumed_at: Mapped[datetime | None] = mapped_column(DateTime)


class ContactAttempt(Base):
    """One attempt by the referring clinic to reach a person on its follow-up worklist.

    ``note_ct`` (the words of an "other" reason to decline) is sealed under the person's data
    key, so erasing the person's identifiers shreds it too.
    """

    __tablename__ = "contact_attempts"
    __table_args__ = (
        CheckConstraint(_one_of("outcome", CONTACT_OUTCOMES), name="outcome"),
        CheckConstraint(
            f"decline_reason IS NULL OR {_one_of('decline_reason', DECLINE_REASONS)}",
            name="decline_reason",
        ),
        CheckConstraint(
            "(outcome = 'declined') = (decline_reason IS NOT NULL)", name="declined_has_reason"
        ),
        CheckConstraint(
            "(outcome = 'will_attend') = (will_attend_on IS NOT NULL)", name="will_attend_has_date"
        ),
        Index("ix_contact_attempts_referral", "referral_id", "attempted_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime)
    attempted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(24))
    decline_reason: Mapped[str | None] = mapped_column(String(16))
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    will_attend_on: Mapped[date | None] = mapped_column(Date)


class Review(Base):
    """An ophthalmologist's online review: diagnosis per eye and a recommendation."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint(_one_of("recommendation", RECOMMENDATIONS), name="recommendation"),
        CheckConstraint(_one_of("urgency", URGENCIES), name="urgency"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime)
    right_icd10: Mapped[str | None] = mapped_column(String(16))
    right_icd11: Mapped[str | None] = mapped_column(String(16))
    left_icd10: Mapped[str | None] = mapped_column(String(16))
    left_icd11: Mapped[str | None] = mapped_column(String(16))
    recommendation: Mapped[str] = mapped_column(String(16))
    surgery_right: Mapped[bool] = mapped_column(Boolean, default=False)
    surgery_left: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[str] = mapped_column(String(8))
    notes: Mapped[str | None] = mapped_column(Text)
    # Raised by every amendment: an amendment made from an older version is refused (409).
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    # SQLAlchemy adds "WHERE version = ?" to the UPDATE: a concurrent change makes it stale.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read by the mapper


class Attendance(Base):
    """The referred person reached the facility they were referred to."""

    __tablename__ = "attendances"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), unique=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    attended_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When it was entered (the undo window counts from here); NULL before migration 0010.
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime)


class Surgery(Base):
    """A cataract operation on one eye."""

    __tablename__ = "surgeries"
    __table_args__ = (
        CheckConstraint(_one_of("eye", EYES), name="eye"),
        CheckConstraint(_one_of("technique", TECHNIQUES), name="technique"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), index=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"))
    eye: Mapped[str] = mapped_column(String(8))
    operated_on: Mapped[date] = mapped_column(Date)
    technique: Mapped[str] = mapped_column(String(8))
    iol: Mapped[bool] = mapped_column(Boolean)
    # 0016: the theatre register's fields; NULL on operations recorded before it.
    iol_power: Mapped[float | None] = mapped_column(Float)
    iol_position: Mapped[str | None] = mapped_column(String(20))
    anaesthesia: Mapped[str | None] = mapped_column(String(12))
    # Comma-separated Complication codes in vocabulary order; "" when none.
    complication_codes: Mapped[str] = mapped_column(String(120), server_default="")
    # The words of an "other" complication (before 0016: all the complications, in words).
    complication_note: Mapped[str] = mapped_column("complications", String(200), default="")
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    # The operating surgeon, an account of the centre (before 0016: whoever recorded it).
    surgeon_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class NotOperated(Base):
    """A patient who came for an operation on one eye and was not operated, and why."""

    __tablename__ = "not_operated"
    __table_args__ = (
        CheckConstraint(_one_of("eye", EYES), name="eye"),
        CheckConstraint(_one_of("reason", NOT_OPERATED_REASONS), name="reason"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), index=True)
    eye: Mapped[str] = mapped_column(String(8))
    decided_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FollowUp(Base):
    """Visual acuity of an operated eye some days after surgery, with its outcome category."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        CheckConstraint(_one_of("outcome_presenting", OUTCOMES), name="outcome_presenting"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    surgery_id: Mapped[str] = mapped_column(ForeignKey("surgeries.id"), index=True)
    examined_on: Mapped[date] = mapped_column(Date)
    days_after_surgery: Mapped[int] = mapped_column(Integer)
    presenting_va: Mapped[str] = mapped_column(String(16))
    presenting_logmar: Mapped[float] = mapped_column(Float)
    best_corrected_va: Mapped[str | None] = mapped_column(String(16))
    best_corrected_logmar: Mapped[float | None] = mapped_column(Float)
    outcome_presenting: Mapped[str] = mapped_column(String(12))
    outcome_best_corrected: Mapped[str | None] = mapped_column(String(12))
    # Within the programme's follow-up window (4-12 weeks by default) when it was recorded.
    within_window: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Photo(Base):
    """An eye photo of a screening: the re-encoded image lives content-addressed on disk."""

    __tablename__ = "photos"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"), index=True)
    eye: Mapped[str | None] = mapped_column(String(8))
    digest: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SyncReceipt(Base):
    """The stored result of one offline record, so a re-sent batch returns the same answer."""

    __tablename__ = "sync_receipts"

    client_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class Correction(Base):
    """One correction of a person's record: the earlier version, who, when and why.

    Earlier identifiers and the reason (free text that may name the person) are sealed under
    the person's own data key, so erasing the person shreds them with the record.
    """

    __tablename__ = "corrections"
    __table_args__ = (CheckConstraint(_one_of("kind", CORRECTION_KINDS), name="kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # The corrected record: the person, screening, attendance or review.
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    made_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Names of the fields changed, comma-separated (no values).
    changed: Mapped[str] = mapped_column(String(200))
    # The earlier values that are not identifiers (demographics, clinical fields), as JSON.
    before: Mapped[str] = mapped_column(Text)
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    national_id_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


# Which audit entries are account events (the partial index and its queries say it alike).
ACCOUNT_EVENTS_WHERE = "action LIKE 'account.%'"


class AuditEntry(Base):
    """One entry of the audit log: canonical JSON without identifiers or clinical content.

    ``position`` is the leaf index in the Merkle tree; the columns beside ``entry`` repeat
    its fields for queries (access reports, transparency counts) and are covered by it.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        # The privacy officer's list of recent account events, without scanning the log.
        Index(
            "ix_audit_entries_account_events",
            "position",
            sqlite_where=text(ACCOUNT_EVENTS_WHERE),
            postgresql_where=text(ACCOUNT_EVENTS_WHERE),
        ),
    )

    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entry: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    record: Mapped[str | None] = mapped_column(String(32), index=True)
    purpose: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    break_glass: Mapped[bool] = mapped_column(Boolean, default=False)
    # The subject of an account event (a staff pseudonym); NULL for every other entry.
    account: Mapped[str | None] = mapped_column(String(32), index=True)


class AuditHead(Base):
    """The single row holding the log's size: locking it orders concurrent appends.

    ``edge`` caches the tree's right edge (the roots of its perfect subtrees, largest first,
    32 bytes each), so an append needs no lookup of stored nodes; verification never
    trusts it — it recomputes everything from the entries.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    edge: Mapped[bytes | None] = mapped_column(LargeBinary)


class AuditNode(Base):
    """A perfect interior node of the audit Merkle tree (level ≥ 1), so proofs need O(log n)."""

    __tablename__ = "audit_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """A signed tree head (C2SP checkpoint note) of the audit log; append-only like the log."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # The note exactly as the log signed it; witness signatures are kept beside it.
    note_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AuditCosignature(Base):
    """A witness's signature line over one checkpoint's note body (c2sp.org/signed-note)."""

    __tablename__ = "audit_cosignatures"
    __table_args__ = (
        Index(
            "ix_audit_cosignatures_checkpoint_witness", "checkpoint_id", "witness_key", unique=True
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoints.id"))
    # The witness's public verifier key, so anyone can re-check the signature line later.
    witness_key: Mapped[str] = mapped_column(String(200))
    signature_line: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# The disclosure tables (releases, ε ledger, export requests) and the sign-in and security
# tables live in their own modules and join this metadata on import, so every user of
# ``Base.metadata`` sees them.
from brightline.store import analytics_models as _analytics_models  # noqa: E402, F401
from brightline.store import disclosure_models as _disclosure_models  # noqa: E402, F401
from brightline.store import security_models as _security_models  # noqa: E402, F401
