"""A synthetic demo programme: a year of screening, review, surgery and follow-up in one province.

Everything is made up and deterministic (same seed and ``as_of`` → same people, visits and
outcomes) and every clinical record is written through the service layer's validation
(``person_row``, ``screening_rows``, ``record_review``, ``record_attendance``,
``record_surgery``, ``record_follow_up``), so the demo shows what the pathway rules allow.
The parameters below are documented, with their sources, in docs/demo.md.

Sources of the shape (the numbers are a demo's, tuned so that the default triage refers about
1 in 10 people screened, not estimates for any real place):

- Visual impairment and its causes rise steeply with age: Bourne RRA et al., "Magnitude,
  temporal trends, and projections of the global prevalence of blindness and distance and near
  vision impairment", Lancet Glob Health 2017;5:e888–e897; WHO World report on vision (2019).
  Here the risk of each eye condition is multiplied by ``CONDITIONS``' factor per decade of age.
- Cataract is the leading cause of blindness and severe impairment, refractive error of moderate
  impairment, and surgical outcomes fall short of the WHO target (67% of operated eyes with
  presenting VA 6/18 or better in a RAAB in rural Guangdong): Zhang X et al., PLoS One
  2017;12:e0180769 (Chaonan RAAB). WHO/PBL/98.68 asks for > 80% good (presenting 6/18 or
  better) and < 5% poor (worse than 6/60).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from brightline import __version__
from brightline.access.account_events import accounts_created
from brightline.access.bulk import BulkRecorder
from brightline.access.policy import Actor
from brightline.access.signin import account_actor
from brightline.audit.tree import checkpoint_now
from brightline.demo.files import (
    ACCOUNTS_FILE,
    MARKER_FILE,
    DemoAccount,
    DemoMarker,
    DemoRefused,
    demo_password,
    read_marker,
    store_contents,
    write_private,
)
from brightline.demo.model import (
    ATTENDANCE_MEAN_DAYS,
    BEST_CORRECTED_GAIN,
    COUNTIES,
    FEMALE_SHARE,
    FOLLOW_UP_DAYS,
    FOLLOW_UP_SHARE,
    LADDER,
    NATIONAL_ID_SHARE,
    OUTCOME_VA,
    OUTCOME_WEIGHTS,
    OUTCOME_WEIGHTS_COMPLICATED,
    PHONE_SHARE,
    PROVINCE,
    REVIEW_SHARE,
    SAME_DAY_SURGERY,
    SECOND_EYE_SHARE,
    SURGERY_AFTER_ATTENDANCE,
    SURGICAL_CENTRE_COUNTIES,
    SYMPTOM_RATE,
    SYMPTOM_WEIGHTS,
    UPTAKE,
    VILLAGES,
    draw_age,
    draw_name,
    draw_phone,
    eye_findings,
    eye_states,
    operation_of,
    seeded_uuid,
    weighted,
    within_day,
)
from brightline.demo.population import import_demo_population
from brightline.demo.recall import contact_non_attenders, recall_counts
from brightline.errors import InvalidInput
from brightline.records import (
    FollowUpInput,
    PersonInput,
    ReviewInput,
    ScreeningInput,
)
from brightline.service.accounts import add_user
from brightline.service.people import person_row
from brightline.service.places import add_facility, add_region, serving_surgical_centre
from brightline.service.referrals import record_attendance, record_review
from brightline.service.screenings import screening_rows
from brightline.service.surgery import record_follow_up, record_surgery
from brightline.settings import Argon2Profile, Settings
from brightline.site import Site, initialise
from brightline.store.bulk import insert_many
from brightline.store.models import (
    Attendance,
    Base,
    Facility,
    FollowUp,
    Person,
    Referral,
    Review,
    Screening,
    Surgery,
)

BATCH = 2_000

ACCOUNT_PLAN = (  # username, role, scope (place codes as built from model.COUNTIES)
    ("screener-shuikou", "screener", "facility:CL-LS0101"),
    ("screener-shangba", "screener", "facility:CL-LS0201"),
    ("surgeon-baihe", "surgeon", "facility:SC-LS01"),
    ("surgeon-donglin", "surgeon", "facility:SC-LS03"),
    ("reviewer", "reviewer", "all"),
    ("manager", "manager", "region:LS"),
    ("privacy-officer", "privacy_officer", "all"),
    ("demo-admin", "admin", "all"),
)


@dataclass
class DemoReport:
    """What ``build_demo`` built: the accounts, the counts along the pathway and the time taken."""

    marker: DemoMarker
    accounts: list[DemoAccount]
    accounts_file: Path
    counts: dict[str, int]
    outcomes: dict[str, int]
    seconds: float

    @property
    def outcome_shares(self) -> dict[str, float]:
        """Share of follow-ups by presenting-VA outcome (good, borderline, poor)."""
        total = sum(self.outcomes.values()) or 1
        return {name: n / total for name, n in self.outcomes.items()}


@dataclass
class _Layout:
    """Ids of the places built, and which clinic refers to which centre."""

    clinics: list[tuple[Facility, int, str]] = field(default_factory=list)  # clinic, township, name
    clinic_weights: list[float] = field(default_factory=list)
    centre_of: dict[int, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)  # facility code or role → user id
    actors: dict[str, Actor] = field(default_factory=dict)  # the same keys → as the policy sees
    facility_code: dict[int, str] = field(default_factory=dict)


@dataclass
class _Referred:
    """A referred person with what the generator knows of their eyes (the reviewer's findings)."""

    referral_id: str
    person_id: str
    kind: str
    referred_at: datetime
    to_facility_id: int
    states: tuple[str, str]
    presenting: tuple[int, int]
    symptom: str | None


def _check_fresh(session: Session, settings: Settings) -> None:
    """Refuse unless the store holds only what ``brightline init`` creates (one admin)."""
    contents = store_contents(session)
    if contents["users"] <= 1 and not any(contents[k] for k in ("people", "regions", "facilities")):
        return
    marker = read_marker(settings)
    if marker is not None and contents["people"]:
        raise DemoRefused(
            f"{settings.home} already holds the demo built with seed {marker.seed} for "
            f"{marker.people} people; use it, or rebuild it with 'brightline demo --rebuild'"
        )
    held = ", ".join(f"{n} {name}" for name, n in contents.items() if n)
    raise DemoRefused(
        f"{settings.home} is not a fresh installation ({held}) and holds no demo; synthetic "
        "data must never be mixed with real records. Use a new data directory "
        "(--home or BRIGHTLINE_HOME) for the demo"
    )


def _build_places(session: Session, rng: Random) -> _Layout:
    """Province, counties, townships, a clinic per township and the county hospitals."""
    layout = _Layout()
    add_region(session, PROVINCE[0], PROVINCE[1], "province")
    for code, name, _, _ in COUNTIES:
        add_region(session, code, name, "county", PROVINCE[0])
    for code, name, _, _ in COUNTIES:
        if code in SURGICAL_CENTRE_COUNTIES:
            hospital = f"{name.removesuffix(' County')} County People's Hospital"
            centre = add_facility(session, f"SC-{code}", hospital, "surgical_centre", code)
            layout.facility_code[centre.id] = centre.code
    for county, _, share, townships in COUNTIES:
        weights = [0.6 + rng.random() for _ in townships]
        for number, (township, weight) in enumerate(zip(townships, weights, strict=True), 1):
            region = add_region(
                session, f"{county}{number:02d}", f"{township} Township", "township", county
            )
            clinic = add_facility(
                session,
                f"CL-{region.code}",
                f"{township} Township Health Centre",
                "clinic",
                region.code,
            )
            layout.clinics.append((clinic, region.id, township))
            layout.clinic_weights.append(share * weight / sum(weights))
            layout.centre_of[clinic.id] = serving_surgical_centre(session, clinic).id
            layout.facility_code[clinic.id] = clinic.code
    return layout


def _build_accounts(
    session: Session, seed: int, layout: _Layout, profile: Argon2Profile
) -> list[DemoAccount]:
    """One account of every role to hand out, and a screener at every other clinic (not
    listed, with no password yet: nobody signs in as them, but their work is theirs in the
    audit log)."""
    accounts = []
    listed = {scope for _, _, scope in ACCOUNT_PLAN}
    unlisted = [
        (f"screener-{clinic.code.lower()}", "screener", f"facility:{clinic.code}")
        for clinic, _, _ in layout.clinics
        if f"facility:{clinic.code}" not in listed
    ]
    for username, role, scope in (*ACCOUNT_PLAN, *unlisted):
        handed_out = (username, role, scope) in ACCOUNT_PLAN
        password = demo_password(seed, username) if handed_out else None
        user = add_user(session, username, password, role, scope, profile=profile)
        key = scope.removeprefix("facility:") if role in ("screener", "surgeon") else role
        layout.staff[key] = user.id
        layout.actors[key] = account_actor(session, username)
        if password is not None:
            accounts.append(DemoAccount(username, password, role, scope))
    return accounts


def _screen_people(
    recorder: BulkRecorder, rng: Random, layout: _Layout, people: int, as_of: date
) -> list[_Referred]:
    """Register and screen everyone, bulk-inserting the service layer's validated rows.

    Each registration and screening is logged as the clinic's screener's, at its time.
    """
    session, site = recorder.session, recorder.site
    connection: Connection = session.connection()
    tables = Base.metadata.tables
    referred: list[_Referred] = []
    clinic_choices = list(range(len(layout.clinics)))
    for start in range(0, people, BATCH):
        person_rows, screening_batch, referral_rows = [], [], []
        for index in range(start, min(start + BATCH, people)):
            clinic, township_id, township = layout.clinics[
                rng.choices(clinic_choices, layout.clinic_weights)[0]
            ]
            sex = "female" if rng.random() < FEMALE_SHARE else "male"
            age = draw_age(rng)
            screened_at = within_day(rng, as_of - timedelta(days=1 + rng.randrange(365)))
            identity = PersonInput(
                facility_id=clinic.id,
                region_id=township_id,
                sex=sex,
                birth_year=screened_at.year - age,
                name=draw_name(rng, sex),
                phone=draw_phone(rng) if rng.random() < PHONE_SHARE else None,
                # Marked DEMO so that no synthetic ID can be mistaken for a real one.
                national_id=f"DEMO-{index + 1:09d}" if rng.random() < NATIONAL_ID_SHARE else None,
                address=f"{rng.randrange(1, 90)} {rng.choice(VILLAGES)} Village, {township}",
                id=seeded_uuid(rng),
            )
            row = person_row(site.keys, identity, as_of)
            row["created_at"] = row["updated_at"] = screened_at
            person_rows.append(row)
            screener = layout.actors[clinic.code]
            recorder.touched(row["id"], "person.create", at=screened_at, by=screener)
            recorder.touched(row["id"], "screening.create", at=screened_at, by=screener)
            states = eye_states(rng, age)
            right, left = (eye_findings(rng, state, age) for state in states)
            symptom = None
            if rng.random() < SYMPTOM_RATE:
                symptom = weighted(rng, dict(SYMPTOM_WEIGHTS))
            rows = screening_rows(
                site.programme,
                ScreeningInput(
                    person_id=row["id"],
                    facility_id=clinic.id,
                    screened_at=screened_at,
                    right_presenting_va=LADDER[right[0]],
                    left_presenting_va=LADDER[left[0]],
                    right_pinhole_va=None if right[1] is None else LADDER[right[1]],
                    left_pinhole_va=None if left[1] is None else LADDER[left[1]],
                    right_lens=right[2],
                    left_lens=left[2],
                    symptoms=(symptom,) if symptom else (),
                    screener_id=layout.staff.get(clinic.code),
                    id=seeded_uuid(rng),
                ),
                refer_to_facility_id=layout.centre_of[clinic.id],
            )
            rows.screening["created_at"] = screened_at
            screening_batch.append(rows.screening)
            if rows.referral is not None:
                referral_rows.append(rows.referral)
                referred.append(
                    _Referred(
                        rows.referral["id"],
                        row["id"],
                        rows.referral["kind"],
                        screened_at,
                        rows.referral["to_facility_id"],
                        states,
                        (right[0], left[0]),
                        symptom,
                    )
                )
        insert_many(connection, tables["people"], person_rows)
        insert_many(connection, tables["screenings"], screening_batch)
        insert_many(connection, tables["referrals"], referral_rows)
    return referred


@dataclass(frozen=True)
class _Finding:
    recommendation: str
    eyes: tuple[str, ...]
    icd10: dict[str, str]
    icd11: dict[str, str]


CATARACT_ICD10 = {"H25.1": 45, "H25.0": 20, "H25.8": 15, "H25.9": 15, "H25.2": 5}
OTHER_ICD10 = {"posterior": ("H35.3", "H40.1", "H36.0"), "corneal": ("H17.9",)}


def _reviewer_finding(rng: Random, case: _Referred) -> _Finding:
    """What the ophthalmologist finds and recommends (mostly cataract surgery)."""
    eyes = ("right", "left")
    icd10: dict[str, str] = {}
    icd11: dict[str, str] = {}
    cataract = [eye for eye, state in zip(eyes, case.states, strict=True) if state == "cataract"]
    for eye, state in zip(eyes, case.states, strict=True):
        if state == "cataract":
            icd10[eye], icd11[eye] = weighted(rng, CATARACT_ICD10), "9B10.0"
        elif state in OTHER_ICD10:
            icd10[eye] = rng.choice(OTHER_ICD10[state])
        elif state == "aphakia":
            icd10[eye] = "H27.0"
        elif state == "pseudophakia":
            icd10[eye] = "H26.4"
    if cataract:
        # An eye still at 6/18-6/24 is often not yet worth operating: glasses or wait.
        worst = max(case.presenting[eyes.index(eye)] for eye in cataract)
        if worst <= 5 and rng.random() < 0.35:
            return _Finding(rng.choice(("glasses", "no_action")), (), icd10, icd11)
        if len(cataract) == 2 and rng.random() >= 0.6:
            right_worse = case.presenting[0] >= case.presenting[1]
            cataract = ["right" if right_worse else "left"]
        return _Finding("surgery", tuple(cataract), icd10, icd11)
    if case.symptom is not None or any(s in ("posterior", "corneal") for s in case.states):
        return _Finding("other_referral", (), icd10, icd11)
    if "aphakia" in case.states or "refractive" in case.states:
        return _Finding("glasses", (), icd10, icd11)
    if "pseudophakia" in case.states:
        return _Finding(rng.choice(("other_referral", "no_action")), (), icd10, icd11)
    return _Finding("no_action", (), icd10, icd11)


def _before(moment: datetime | date, as_of: date) -> bool:
    day = moment.date() if isinstance(moment, datetime) else moment
    return day < as_of


def _follow_pathway(
    recorder: BulkRecorder, rng: Random, layout: _Layout, referred: Sequence[_Referred], as_of: date
) -> None:
    """Reviews, attendance, surgery (some second eyes) and follow-up, each through its service
    and logged as the reviewer's or the centre's, at the time it happened."""
    session = recorder.session
    reviewer = layout.staff["reviewer"]
    for case in referred:
        centre = layout.facility_code[case.to_facility_id]
        staff = layout.staff.get(centre)
        finding: _Finding | None = None
        seen_from = case.referred_at
        if case.kind != "refraction" and rng.random() < REVIEW_SHARE:
            urgent = case.kind == "urgent_review"
            reviewed_at = case.referred_at + timedelta(
                days=rng.randrange(0, 2) if urgent else rng.randrange(1, 11),
                hours=rng.randrange(1, 8),
            )
            if _before(reviewed_at, as_of):
                finding = _reviewer_finding(rng, case)
                record_review(
                    session,
                    ReviewInput(
                        referral_id=case.referral_id,
                        reviewed_at=reviewed_at,
                        recommendation=finding.recommendation,
                        urgency="urgent" if urgent else "routine",
                        surgery_eyes=finding.eyes,
                        right_icd10=finding.icd10.get("right"),
                        right_icd11=finding.icd11.get("right"),
                        left_icd10=finding.icd10.get("left"),
                        left_icd11=finding.icd11.get("left"),
                        reviewer_id=reviewer,
                        id=seeded_uuid(rng),
                    ),
                )
                by = layout.actors["reviewer"]
                opened = reviewed_at - timedelta(minutes=rng.randrange(3, 15))
                recorder.touched(case.person_id, "person.read", purpose="review", at=opened, by=by)
                recorder.touched(
                    case.person_id, "review.create", purpose="review", at=reviewed_at, by=by
                )
                seen_from = reviewed_at
        if finding is not None and finding.recommendation == "no_action":
            continue
        if rng.random() >= UPTAKE:
            continue
        delay = min(120, int(rng.expovariate(1 / ATTENDANCE_MEAN_DAYS)))
        attended_at = within_day(rng, (seen_from + timedelta(days=delay + 1)).date())
        if not _before(attended_at, as_of):
            continue
        record_attendance(
            session,
            case.referral_id,
            attended_at,
            recorded_by=staff,
            attendance_id=seeded_uuid(rng),
        )
        surgeon = layout.actors[centre]
        recorder.touched(case.person_id, "attendance.create", at=attended_at, by=surgeon)
        if finding is None or finding.recommendation != "surgery":
            continue
        if rng.random() >= SURGERY_AFTER_ATTENDANCE:
            continue
        operated_on = attended_at.date()
        if rng.random() >= SAME_DAY_SURGERY:
            operated_on += timedelta(days=rng.randrange(1, 15))
        for number, eye in enumerate(_eyes_in_order(case, finding.eyes)):
            if number == 1:
                if rng.random() >= SECOND_EYE_SHARE:
                    break
                operated_on += timedelta(days=rng.randrange(28, 121))
            if not _before(operated_on, as_of):
                break
            _operate(recorder, rng, case, eye, operated_on, (staff, surgeon), as_of)


def _eyes_in_order(case: _Referred, eyes: tuple[str, ...]) -> list[str]:
    """The worse eye is operated first."""
    return sorted(eyes, key=lambda eye: -case.presenting[0 if eye == "right" else 1])


def _operate(
    recorder: BulkRecorder,
    rng: Random,
    case: _Referred,
    eye: str,
    operated_on: date,
    surgeon: tuple[int | None, Actor],
    as_of: date,
) -> None:
    """One operation and perhaps its follow-up, logged as the centre's surgeon's."""
    session, (staff, by) = recorder.session, surgeon
    operation = operation_of(rng, case.referral_id, eye, operated_on, case.to_facility_id, staff)
    surgery = record_surgery(session, operation, today=as_of)
    complication, iol = bool(operation.complications), operation.iol
    at_noon = datetime.combine(operated_on, datetime.min.time()) + timedelta(hours=12)
    recorder.touched(case.person_id, "surgery.create", at=at_noon, by=by)
    if rng.random() >= FOLLOW_UP_SHARE:
        return
    low, high = weighted(rng, FOLLOW_UP_DAYS)
    examined_on = operated_on + timedelta(days=rng.randint(low, high))
    if not _before(examined_on, as_of):
        return
    outcome = weighted(rng, OUTCOME_WEIGHTS_COMPLICATED if complication else OUTCOME_WEIGHTS)
    presenting = weighted(rng, OUTCOME_VA[outcome])
    if not iol:
        presenting = max(presenting, rng.choice((7, 9, 12)))  # uncorrected aphakia
    # Best-corrected is never worse: refraction (or aphakic glasses) recovers most of the gap.
    best = max(0, presenting - (5 if not iol else rng.choice(BEST_CORRECTED_GAIN[outcome])))
    record_follow_up(
        session,
        FollowUpInput(
            surgery_id=surgery.id,
            examined_on=examined_on,
            presenting_va=LADDER[presenting],
            best_corrected_va=LADDER[best],
            recorded_by=staff,
            id=seeded_uuid(rng),
        ),
        today=as_of,
    )
    examined = datetime.combine(examined_on, datetime.min.time()) + timedelta(hours=10)
    recorder.touched(case.person_id, "follow_up.create", purpose="follow_up", at=examined, by=by)


def _counts(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    def count(model: type[Base], *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    counts = {
        "people": count(Person),
        "screenings": count(Screening),
        "referrals": count(Referral),
        "refraction": count(Referral, Referral.kind == "refraction"),
        "review": count(Referral, Referral.kind == "review"),
        "urgent_review": count(Referral, Referral.kind == "urgent_review"),
        "reviews": count(Review),
        "surgery_recommended": count(Review, Review.recommendation == "surgery"),
        "attended": count(Attendance),
        "surgeries": count(Surgery),
        "second_eyes": count(Surgery)
        - (session.scalar(select(func.count(Surgery.person_id.distinct()))) or 0),
        "follow_ups": count(FollowUp),
    }
    outcomes = {
        name: count(FollowUp, FollowUp.outcome_presenting == name) for name in OUTCOME_WEIGHTS
    }
    return counts, outcomes


def build_demo(
    site_or_settings: Site | Settings, *, people: int, seed: int, as_of: date | None = None
) -> DemoReport:
    """Build the demo programme into a fresh installation, in one transaction, and mark it."""
    if isinstance(site_or_settings, Settings):
        initialise(site_or_settings)
        site = Site.open(site_or_settings)
        try:
            return build_demo(site, people=people, seed=seed, as_of=as_of)
        finally:
            site.close()
    site = site_or_settings
    if people < 1:
        raise InvalidInput("the demo needs at least 1 person", field="people")
    as_of = as_of or site.today()
    if as_of > site.today():
        raise InvalidInput(f"as_of {as_of} is in the future; use today or earlier", field="as_of")
    started = time.perf_counter()
    rng = Random(seed)
    home = site.settings.home
    marker = DemoMarker(seed, people, as_of, site.now().isoformat(timespec="seconds"), __version__)
    written = [home / ACCOUNTS_FILE, home / MARKER_FILE]
    fresh = False
    try:
        with site.transaction() as session:
            _check_fresh(session, site.settings)
            fresh = True
            layout = _build_places(session, rng)
            accounts = _build_accounts(session, seed, layout, site.settings.argon2_profile)
            recorder = BulkRecorder(site, session, layout.actors["admin"])
            recorder.events += accounts_created(session, layout.actors.values(), site.now())
            referred = _screen_people(recorder, rng, layout, people, as_of)
            _follow_pathway(recorder, rng, layout, referred, as_of)
            contact_non_attenders(recorder, rng, layout, referred, as_of)
            recorder.flush()
            counts, outcomes = _counts(session)
            counts |= recall_counts(session)
            # Written before the commit, removed if it fails: a marker never outlives its demo.
            write_private(written[0], json.dumps([asdict(a) for a in accounts], indent=2))
            marker_data = {**asdict(marker), "as_of": as_of.isoformat()}
            write_private(written[1], json.dumps(marker_data, indent=2))
    except BaseException:
        if fresh:  # files of a demo this store already holds are left alone
            for path in written:
                path.unlink(missing_ok=True)
        raise
    # The cataract surgical rate's denominator, imported as a programme imports its census.
    import_demo_population(site, people, range(as_of.year - 1, as_of.year + 1), seed)
    # Signed at once, whatever its size: the privacy officer's page shows a checkpoint from the
    # start (a small demo stays under the thresholds that sign a running installation's log).
    checkpoint_now(site)
    seconds = time.perf_counter() - started
    return DemoReport(marker, accounts, written[0], counts, outcomes, seconds)
