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

import hashlib
import json
import math
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from brightline import __version__
from brightline.errors import BrightlineError, InvalidInput
from brightline.service.accounts import add_user
from brightline.service.people import PersonInput, person_row
from brightline.service.places import add_facility, add_region, serving_surgical_centre
from brightline.service.referrals import ReviewInput, record_attendance, record_review
from brightline.service.screenings import ScreeningInput, screening_rows
from brightline.service.surgery import (
    FollowUpInput,
    SurgeryInput,
    record_follow_up,
    record_surgery,
)
from brightline.settings import Settings
from brightline.site import Site, initialise
from brightline.store.bulk import insert_many
from brightline.store.models import (
    Attendance,
    Base,
    Facility,
    FollowUp,
    Person,
    Referral,
    Region,
    Review,
    Screening,
    Surgery,
    User,
)

T = TypeVar("T")


def _words(text: str) -> tuple[str, ...]:
    """A tuple of the words of ``text`` (long lists read better as prose)."""
    return tuple(text.split())


MARKER_FILE = "demo.json"
ACCOUNTS_FILE = "demo-accounts.json"
BATCH = 2_000

# --- The place: one province, four counties, three townships each, a clinic per township. ---
PROVINCE = ("LS", "Lanshui Province")
COUNTIES = (  # code, name, share of the people screened, townships
    ("LS01", "Baihe County", 0.32, ("Shuikou", "Huangtan", "Longquan")),
    ("LS02", "Qingshan County", 0.26, ("Shangba", "Xiaohe", "Dongping")),
    ("LS03", "Donglin County", 0.24, ("Taoyuan", "Shiqiao", "Nanwan")),
    ("LS04", "Xiyang County", 0.18, ("Gaoping", "Liujia", "Maling")),
)
SURGICAL_CENTRE_COUNTIES = ("LS01", "LS03")  # a county hospital in two of the four counties
VILLAGES = ("Dongcun", "Xicun", "Nancun", "Beicun", "Shangzhuang", "Xiazhuang", "Qianjia")

# --- The people screened. ---
# Five-year age bands, lower bound: weight; the last band is 85-90, six years.
AGE_BANDS = {40: 9, 45: 11, 50: 13, 55: 14, 60: 14, 65: 13, 70: 11, 75: 8, 80: 5, 85: 2}
FEMALE_SHARE = 0.56
PHONE_SHARE, NATIONAL_ID_SHARE = 0.8, 0.9
SYMPTOM_RATE = 0.004  # painful red eye, trauma or sudden loss reported at screening
SYMPTOM_WEIGHTS = (("painful_red_eye", 5), ("trauma", 3), ("sudden_vision_loss", 2))
# Eye conditions, tried in this order: (state, probability at age 65, factor per decade of
# age, share affecting both eyes). The rest of the people have normal eyes.
CONDITIONS = (
    ("cataract", 0.040, 2.6, 0.55),
    ("pseudophakia", 0.020, 2.4, 0.30),
    ("refractive", 0.031, 1.3, 0.65),
    ("posterior", 0.008, 2.2, 0.35),
    ("corneal", 0.002, 1.8, 0.20),
    ("aphakia", 0.001, 2.2, 0.20),
)
MAX_CONDITION_PROBABILITY = 0.6
# Lens opacity that does not (yet) take VA below 6/12: more common with age.
EARLY_OPACITY_AT_65, EARLY_OPACITY_PER_DECADE = 0.12, 1.7

# One ladder of chart lines, best to worst; VA draws are weights over its rungs.
LADDER = _words("6/6 6/7.5 6/9 6/12 6/18 6/24 6/36 6/60 5/60 3/60 2/60 1/60 CF HM LP NLP")
NORMAL_VA = {0: 35, 1: 15, 2: 30, 3: 20}
REFRACTIVE_VA, REFRACTIVE_PINHOLE = {4: 40, 5: 30, 6: 20, 7: 10}, {0: 30, 2: 45, 3: 25}
CATARACT_VA = {4: 10, 5: 13, 6: 13, 7: 15, 9: 10, 10: 5, 11: 5, 12: 15, 13: 11, 14: 3}
PINHOLE_GAIN = {0: 60, 1: 30, 2: 10}  # rungs pinhole gains where it cannot correct
PSEUDOPHAKIC_MIX = {"good": 60, "refractive": 25, "complicated": 15}
POSTERIOR_VA = {5: 15, 6: 15, 7: 20, 9: 15, 12: 15, 13: 10, 14: 7, 15: 3}
CORNEAL_VA, APHAKIC_VA = {7: 40, 12: 40, 13: 20}, {7: 40, 9: 30, 12: 30}

# --- Downstream of the screening. ---
REVIEW_SHARE = 0.9  # review referrals reviewed online (the rest wait in the queue)
UPTAKE = 0.55  # referred people who go; ~50% are seen by as_of (recent ones are still due)
ATTENDANCE_MEAN_DAYS = 14
SURGERY_AFTER_ATTENDANCE = 0.9
SAME_DAY_SURGERY = 0.5
TECHNIQUE_WEIGHTS = {"MSICS": 72, "phaco": 25, "ECCE": 3}
IOL_SHARE, ECCE_IOL_SHARE = 0.99, 0.7
COMPLICATION_SHARE = 0.04
COMPLICATIONS = ("posterior capsule rupture", "vitreous loss", "iris prolapse", "wound leak")
SECOND_EYE_SHARE = 0.45  # of people recommended surgery on both eyes and operated once
FOLLOW_UP_SHARE = 0.85
FOLLOW_UP_DAYS = {(28, 56): 80, (1, 7): 12, (57, 120): 8}  # most at 4-8 weeks
OUTCOME_WEIGHTS = {"good": 78, "borderline": 15, "poor": 7}
OUTCOME_WEIGHTS_COMPLICATED = {"good": 35, "borderline": 35, "poor": 30}
OUTCOME_VA = {"good": {0: 10, 1: 10, 2: 25, 3: 30, 4: 25}, "borderline": {5: 45, 6: 35, 7: 20}}
OUTCOME_VA["poor"] = {8: 15, 9: 25, 10: 10, 11: 10, 12: 25, 13: 15}
BEST_CORRECTED_GAIN = {"good": (0, 0, 1), "borderline": (1, 2, 3, 4), "poor": (0, 0, 1, 3)}


FAMILY_NAMES = _words(
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo "
    "Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang"
)
GIVEN_NAMES = {
    "female": _words(
        "Xiuying Guiying Xiulan Yulan Guilan Shulan Fengying Li Fang Min Jing Yan Juan "
        "Hua Ping Hong Lan Mei Ying Qin Zhen Xia Cuihua Guizhi"
    ),
    "male": _words(
        "Wei Qiang Lei Jun Yong Jie Tao Ming Chao Gang Hui Bin Jianguo Jianhua Guoqiang "
        "Zhiqiang Deming Fugui Baoshan Changlin Yongfu Shuming"
    ),
}
OTHER_NAMES = {  # people of other naming traditions, about 1 in 20
    "female": ("Dolma Yangchen", "Aygul Tursun", "Sarangerel Bat", "Nguyen Thi Lan"),
    "male": ("Tashi Tsering", "Mehmet Abdulla", "Bater Erdeni", "Ma Yusuf"),
}
MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 155 158 159 177 186 187 188 189"
)

ACCOUNT_PLAN = (  # username, role, scope (codes as above)
    ("screener-shuikou", "screener", "facility:CL-LS0101"),
    ("screener-shangba", "screener", "facility:CL-LS0201"),
    ("surgeon-baihe", "surgeon", "facility:SC-LS01"),
    ("surgeon-donglin", "surgeon", "facility:SC-LS03"),
    ("reviewer", "reviewer", "all"),
    ("manager", "manager", "region:LS"),
    ("privacy-officer", "privacy_officer", "all"),
    ("demo-admin", "admin", "all"),
)


class DemoRefused(BrightlineError):
    """The demo cannot be built here: the store already holds records (real or a demo)."""

    code = "demo_refused"


@dataclass(frozen=True)
class DemoAccount:
    """A sign-in account of the demo, as written to demo-accounts.json."""

    username: str
    password: str
    role: str
    scope: str


@dataclass(frozen=True)
class DemoMarker:
    """What demo.json records: this installation holds a demo, and which one."""

    seed: int
    people: int
    as_of: date
    built_at: str
    version: str


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
    facility_code: dict[int, str] = field(default_factory=dict)


@dataclass
class _Referred:
    """A referred person with what the generator knows of their eyes (the reviewer's findings)."""

    referral_id: str
    kind: str
    referred_at: datetime
    to_facility_id: int
    states: tuple[str, str]
    presenting: tuple[int, int]
    symptom: str | None


def _weighted(rng: Random, weights: Mapping[T, int]) -> T:
    """One key of ``weights`` drawn in proportion to its weight."""
    return rng.choices(list(weights), list(weights.values()))[0]


def _uuid(rng: Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def demo_password(seed: int, username: str) -> str:
    """A demo account's password, derived from the seed (synthetic data; never for real use)."""
    digest = hashlib.sha256(f"brightline-demo:{seed}:{username}".encode()).hexdigest()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def _condition_probability(p65: float, per_decade: float, age: int) -> float:
    """Risk at ``age``: the risk at 65 multiplied by ``per_decade`` for every ten years."""
    return min(MAX_CONDITION_PROBABILITY, p65 * math.pow(per_decade, (age - 65) / 10))


def _eye_states(rng: Random, age: int) -> tuple[str, str]:
    """The condition of each eye; age raises every risk (Bourne et al. 2017, WHO 2019)."""
    for state, p65, per_decade, both in CONDITIONS:
        if rng.random() < _condition_probability(p65, per_decade, age):
            if rng.random() < both:
                return state, state
            return (state, "normal") if rng.random() < 0.5 else ("normal", state)
    return "normal", "normal"


def _eye_findings(rng: Random, state: str, age: int) -> tuple[int, int | None, str]:
    """Presenting rung, pinhole rung (only where presenting fails 6/12) and lens status."""
    early = _condition_probability(EARLY_OPACITY_AT_65, EARLY_OPACITY_PER_DECADE, age)
    lens = "opacity" if rng.random() < early else "clear"
    pinhole: int | None = None
    if state == "normal":
        return _weighted(rng, NORMAL_VA), None, lens
    if state == "refractive":
        return _weighted(rng, REFRACTIVE_VA), _weighted(rng, REFRACTIVE_PINHOLE), lens
    if state == "cataract":
        presenting = _weighted(rng, CATARACT_VA)
        pinhole = max(4, presenting - _weighted(rng, PINHOLE_GAIN)) if presenting < 12 else None
        return presenting, presenting if pinhole is None else pinhole, "opacity"
    if state == "pseudophakia":
        kind = _weighted(rng, PSEUDOPHAKIC_MIX)
        if kind == "good":
            return _weighted(rng, NORMAL_VA), None, "pseudophakia"
        if kind == "refractive":
            return rng.choice((4, 5)), rng.choice((2, 3)), "pseudophakia"
        presenting = rng.choice((5, 6, 7, 12))
        return presenting, max(5, presenting - rng.choice((0, 1))), "pseudophakia"
    if state == "aphakia":
        return _weighted(rng, APHAKIC_VA), rng.choice((4, 5, 6)), "aphakia"
    presenting = _weighted(rng, CORNEAL_VA if state == "corneal" else POSTERIOR_VA)
    return presenting, presenting, "not_visible" if state == "corneal" else lens


def _name(rng: Random, sex: str) -> str:
    if rng.random() < 0.05:
        return rng.choice(OTHER_NAMES[sex])
    return f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES[sex])}"


def _phone(rng: Random) -> str:
    prefix = rng.choice(MOBILE_PREFIXES)
    return f"+86 {prefix} {rng.randrange(10_000):04d} {rng.randrange(10_000):04d}"


def _age(rng: Random) -> int:
    low = _weighted(rng, AGE_BANDS)
    return low + rng.randrange(6 if low == max(AGE_BANDS) else 5)


def _within_day(rng: Random, day: date, first_hour: int = 8, hours: int = 9) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(
        hours=first_hour + rng.randrange(hours), minutes=rng.randrange(60)
    )


def read_marker(settings: Settings) -> DemoMarker | None:
    """The demo marker of this data directory, or None if it holds no demo."""
    path = settings.home / MARKER_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return DemoMarker(
        int(data["seed"]),
        int(data["people"]),
        date.fromisoformat(data["as_of"]),
        str(data["built_at"]),
        str(data["version"]),
    )


def read_accounts(settings: Settings) -> list[DemoAccount]:
    """The demo's sign-in accounts from demo-accounts.json."""
    path = settings.home / ACCOUNTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoRefused(f"{path} cannot be read ({exc}); rebuild with --rebuild") from exc
    return [DemoAccount(**entry) for entry in data]


def _write_private(path: Path, text: str) -> None:
    """Write ``path`` readable by its owner only (0600), replacing it whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(partial, path)


def store_contents(session: Session) -> dict[str, int]:
    """How many people, regions, facilities and accounts the store holds."""
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in (
            ("people", Person),
            ("regions", Region),
            ("facilities", Facility),
            ("users", User),
        )
    }


def installed_demo(site: Site) -> DemoMarker | None:
    """The demo this installation holds: a marker file and a store that is not empty."""
    marker = read_marker(site.settings)
    if marker is None:
        return None
    with site.transaction() as session:
        return marker if store_contents(session)["people"] > 0 else None


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


def _build_accounts(session: Session, seed: int, layout: _Layout) -> list[DemoAccount]:
    """One account of every role; two screeners in different counties, a surgeon per centre."""
    accounts = []
    for username, role, scope in ACCOUNT_PLAN:
        password = demo_password(seed, username)
        user = add_user(session, username, password, role, scope)
        layout.staff[
            scope.removeprefix("facility:") if role in ("screener", "surgeon") else role
        ] = user.id
        accounts.append(DemoAccount(username, password, role, scope))
    return accounts


def _screen_people(
    session: Session, site: Site, rng: Random, layout: _Layout, people: int, as_of: date
) -> list[_Referred]:
    """Register and screen everyone, bulk-inserting the service layer's validated rows."""
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
            age = _age(rng)
            screened_at = _within_day(rng, as_of - timedelta(days=1 + rng.randrange(365)))
            identity = PersonInput(
                facility_id=clinic.id,
                region_id=township_id,
                sex=sex,
                birth_year=screened_at.year - age,
                name=_name(rng, sex),
                phone=_phone(rng) if rng.random() < PHONE_SHARE else None,
                # Marked DEMO so that no synthetic ID can be mistaken for a real one.
                national_id=f"DEMO-{index + 1:09d}" if rng.random() < NATIONAL_ID_SHARE else None,
                address=f"{rng.randrange(1, 90)} {rng.choice(VILLAGES)} Village, {township}",
                id=_uuid(rng),
            )
            row = person_row(site.keys, identity, as_of)
            row["created_at"] = row["updated_at"] = screened_at
            person_rows.append(row)
            states = _eye_states(rng, age)
            right, left = (_eye_findings(rng, state, age) for state in states)
            symptom = None
            if rng.random() < SYMPTOM_RATE:
                symptom = _weighted(rng, dict(SYMPTOM_WEIGHTS))
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
                    id=_uuid(rng),
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
            icd10[eye], icd11[eye] = _weighted(rng, CATARACT_ICD10), "9B10.0"
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
    session: Session, rng: Random, layout: _Layout, referred: Sequence[_Referred], as_of: date
) -> None:
    """Reviews, attendance, surgery (some second eyes) and follow-up, each through its service."""
    reviewer = layout.staff["reviewer"]
    for case in referred:
        staff = layout.staff.get(layout.facility_code[case.to_facility_id])
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
                        case.referral_id,
                        reviewed_at,
                        finding.recommendation,
                        urgency="urgent" if urgent else "routine",
                        surgery_eyes=finding.eyes,
                        right_icd10=finding.icd10.get("right"),
                        right_icd11=finding.icd11.get("right"),
                        left_icd10=finding.icd10.get("left"),
                        left_icd11=finding.icd11.get("left"),
                        reviewer_id=reviewer,
                        id=_uuid(rng),
                    ),
                )
                seen_from = reviewed_at
        if finding is not None and finding.recommendation == "no_action":
            continue
        if rng.random() >= UPTAKE:
            continue
        delay = min(120, int(rng.expovariate(1 / ATTENDANCE_MEAN_DAYS)))
        attended_at = _within_day(rng, (seen_from + timedelta(days=delay + 1)).date())
        if not _before(attended_at, as_of):
            continue
        record_attendance(
            session, case.referral_id, attended_at, recorded_by=staff, attendance_id=_uuid(rng)
        )
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
            _operate(session, rng, case, eye, operated_on, staff, as_of)


def _eyes_in_order(case: _Referred, eyes: tuple[str, ...]) -> list[str]:
    """The worse eye is operated first."""
    return sorted(eyes, key=lambda eye: -case.presenting[0 if eye == "right" else 1])


def _operate(
    session: Session,
    rng: Random,
    case: _Referred,
    eye: str,
    operated_on: date,
    staff: int | None,
    as_of: date,
) -> None:
    technique = _weighted(rng, TECHNIQUE_WEIGHTS)
    iol = rng.random() < (ECCE_IOL_SHARE if technique == "ECCE" else IOL_SHARE)
    complication = rng.choice(COMPLICATIONS) if rng.random() < COMPLICATION_SHARE else ""
    surgery = record_surgery(
        session,
        SurgeryInput(
            case.referral_id,
            eye,
            operated_on,
            technique,
            iol,
            case.to_facility_id,
            complications=complication,
            surgeon_id=staff,
            id=_uuid(rng),
        ),
        today=as_of,
    )
    if rng.random() >= FOLLOW_UP_SHARE:
        return
    low, high = _weighted(rng, FOLLOW_UP_DAYS)
    examined_on = operated_on + timedelta(days=rng.randint(low, high))
    if not _before(examined_on, as_of):
        return
    outcome = _weighted(rng, OUTCOME_WEIGHTS_COMPLICATED if complication else OUTCOME_WEIGHTS)
    presenting = _weighted(rng, OUTCOME_VA[outcome])
    if not iol:
        presenting = max(presenting, rng.choice((7, 9, 12)))  # uncorrected aphakia
    # Best-corrected is never worse: refraction (or aphakic glasses) recovers most of the gap.
    best = max(0, presenting - (5 if not iol else rng.choice(BEST_CORRECTED_GAIN[outcome])))
    record_follow_up(
        session,
        FollowUpInput(
            surgery.id,
            examined_on,
            LADDER[presenting],
            best_corrected_va=LADDER[best],
            recorded_by=staff,
            id=_uuid(rng),
        ),
        today=as_of,
    )


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
            accounts = _build_accounts(session, seed, layout)
            referred = _screen_people(session, site, rng, layout, people, as_of)
            _follow_pathway(session, rng, layout, referred, as_of)
            counts, outcomes = _counts(session)
            # Written before the commit, removed if it fails: a marker never outlives its demo.
            _write_private(written[0], json.dumps([asdict(a) for a in accounts], indent=2))
            marker_data = {**asdict(marker), "as_of": as_of.isoformat()}
            _write_private(written[1], json.dumps(marker_data, indent=2))
    except BaseException:
        if fresh:  # files of a demo this store already holds are left alone
            for path in written:
                path.unlink(missing_ok=True)
        raise
    seconds = time.perf_counter() - started
    return DemoReport(marker, accounts, written[0], counts, outcomes, seconds)


def discard_demo(settings: Settings) -> None:
    """Delete a demo's database and files so it can be rebuilt; keys stay (they still match).

    Refused unless the data directory holds a demo marker, the store uses the default SQLite
    file, and the store still holds exactly the demo's people (nobody added real records).
    """
    marker = read_marker(settings)
    if marker is None:
        if not (settings.home / "brightline.db").exists() and not settings.database_url:
            return  # nothing built yet: nothing to discard
        raise DemoRefused(
            f"{settings.home} holds no demo marker ({MARKER_FILE}), so it may hold real "
            "records; nothing deleted"
        )
    if settings.database_url:
        raise DemoRefused(
            "--rebuild only deletes the default SQLite file; drop and recreate the configured "
            "database yourself, then run 'brightline demo' again"
        )
    site = Site.open(settings)
    try:
        with site.transaction() as session:
            held = store_contents(session)["people"]
    finally:
        site.close()
    if held not in (0, marker.people):
        raise DemoRefused(
            f"the store holds {held} people but the demo made {marker.people}: records were "
            "added after the demo was built, so nothing is deleted"
        )
    database = settings.home / "brightline.db"
    for path in (
        database,
        database.with_name("brightline.db-wal"),
        database.with_name("brightline.db-shm"),
        settings.home / ACCOUNTS_FILE,
        settings.home / MARKER_FILE,
    ):
        path.unlink(missing_ok=True)
