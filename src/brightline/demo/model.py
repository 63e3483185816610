"""The synthetic programme's parameters and its seeded draws: who is screened, what their
eyes are like, and what happens downstream. Pure: every draw comes from the ``Random`` passed
in, so the same seed gives the same programme. Sources and meaning: docs/demo.md and the
package docstring.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from random import Random
from typing import Any, TypeVar

from brightline.records import SurgeryInput

T = TypeVar("T")


def _words(text: str) -> tuple[str, ...]:
    """A tuple of the words of ``text`` (long lists read better as prose)."""
    return tuple(text.split())


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
# Coded complications; an "other" carries its words (vocabulary.Complication).
COMPLICATIONS = (
    ("posterior_capsule_rupture", ""),
    ("vitreous_loss", ""),
    ("iris_damage", ""),
    ("other", "wound leak"),
)
ANAESTHESIA_WEIGHTS = {"peribulbar": 55, "topical": 25, "retrobulbar": 17, "general": 3}
IOL_POSITION_WEIGHTS = {"bag": 90, "sulcus": 8, "anterior_chamber": 2}
SECOND_EYE_SHARE = 0.45  # of people recommended surgery on both eyes and operated once
FOLLOW_UP_SHARE = 0.85
FOLLOW_UP_DAYS = {(28, 56): 80, (1, 7): 12, (57, 120): 8}  # most at 4-8 weeks
OUTCOME_WEIGHTS = {"good": 78, "borderline": 15, "poor": 7}
OUTCOME_WEIGHTS_COMPLICATED = {"good": 35, "borderline": 35, "poor": 30}
OUTCOME_VA = {"good": {0: 10, 1: 10, 2: 25, 3: 30, 4: 25}, "borderline": {5: 45, 6: 35, 7: 20}}
OUTCOME_VA["poor"] = {8: 15, 9: 25, 10: 10, 11: 10, 12: 25, 13: 15}
BEST_CORRECTED_GAIN = {"good": (0, 0, 1), "borderline": (1, 2, 3, 4), "poor": (0, 0, 1, 3)}

# --- The clinic's follow-up of people who have not attended (demo/recall.py). ---
CONTACT_SHARE = 0.75  # of the worklist's people: the clinic has tried to reach them by as_of
FIRST_CONTACT_DAYS = (0, 21)  # days after they join the worklist (not_attended_days)
ATTEMPTS = {1: 50, 2: 30, 3: 20}  # attempts at most per person, until one ends the referral
ATTEMPT_GAP_DAYS = (2, 10)
# "wrong_number" is recorded as not_reachable: the worklist has no outcome of its own for it.
ATTEMPT_OUTCOMES = {
    "not_reachable": 30,
    "wrong_number": 6,
    "will_attend": 24,
    "declined": 24,
    "moved": 6,
    "died": 3,
    "attended_elsewhere": 7,
}
PROMISE_DAYS = (3, 30)  # "will attend" on a day this far after the call
MISSED_PROMISE_DAYS = (3, 14)  # called again this long after a promised day not kept
DECLINE_REASONS = {"cost": 35, "fear": 25, "no_escort": 15, "distance": 15, "other": 10}
OTHER_REASONS = (
    "Waiting until after the harvest",
    "Family will decide after the new year",
    "Feels the eye is still good enough",
)


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


def weighted(rng: Random, weights: Mapping[T, int]) -> T:
    """One key of ``weights`` drawn in proportion to its weight."""
    return rng.choices(list(weights), list(weights.values()))[0]


def seeded_uuid(rng: Random) -> str:
    """A version-4 UUID drawn from ``rng`` (reproducible record ids)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def condition_probability(p65: float, per_decade: float, age: int) -> float:
    """Risk at ``age``: the risk at 65 multiplied by ``per_decade`` for every ten years."""
    return min(MAX_CONDITION_PROBABILITY, p65 * math.pow(per_decade, (age - 65) / 10))


def eye_states(rng: Random, age: int) -> tuple[str, str]:
    """The condition of each eye; age raises every risk (Bourne et al. 2017, WHO 2019)."""
    for state, p65, per_decade, both in CONDITIONS:
        if rng.random() < condition_probability(p65, per_decade, age):
            if rng.random() < both:
                return state, state
            return (state, "normal") if rng.random() < 0.5 else ("normal", state)
    return "normal", "normal"


def eye_findings(rng: Random, state: str, age: int) -> tuple[int, int | None, str]:
    """Presenting rung, pinhole rung (only where presenting fails 6/12) and lens status."""
    early = condition_probability(EARLY_OPACITY_AT_65, EARLY_OPACITY_PER_DECADE, age)
    lens = "opacity" if rng.random() < early else "clear"
    pinhole: int | None = None
    if state == "normal":
        return weighted(rng, NORMAL_VA), None, lens
    if state == "refractive":
        return weighted(rng, REFRACTIVE_VA), weighted(rng, REFRACTIVE_PINHOLE), lens
    if state == "cataract":
        presenting = weighted(rng, CATARACT_VA)
        pinhole = max(4, presenting - weighted(rng, PINHOLE_GAIN)) if presenting < 12 else None
        return presenting, presenting if pinhole is None else pinhole, "opacity"
    if state == "pseudophakia":
        kind = weighted(rng, PSEUDOPHAKIC_MIX)
        if kind == "good":
            return weighted(rng, NORMAL_VA), None, "pseudophakia"
        if kind == "refractive":
            return rng.choice((4, 5)), rng.choice((2, 3)), "pseudophakia"
        presenting = rng.choice((5, 6, 7, 12))
        return presenting, max(5, presenting - rng.choice((0, 1))), "pseudophakia"
    if state == "aphakia":
        return weighted(rng, APHAKIC_VA), rng.choice((4, 5, 6)), "aphakia"
    presenting = weighted(rng, CORNEAL_VA if state == "corneal" else POSTERIOR_VA)
    return presenting, presenting, "not_visible" if state == "corneal" else lens


def draw_name(rng: Random, sex: str) -> str:
    if rng.random() < 0.05:
        return rng.choice(OTHER_NAMES[sex])
    return f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES[sex])}"


def draw_phone(rng: Random) -> str:
    prefix = rng.choice(MOBILE_PREFIXES)
    return f"+86 {prefix} {rng.randrange(10_000):04d} {rng.randrange(10_000):04d}"


def draw_age(rng: Random) -> int:
    low = weighted(rng, AGE_BANDS)
    return low + rng.randrange(6 if low == max(AGE_BANDS) else 5)


def within_day(rng: Random, day: date, first_hour: int = 8, hours: int = 9) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(
        hours=first_hour + rng.randrange(hours), minutes=rng.randrange(60)
    )


def theatre_details(surgery_id: str, *, iol: bool) -> dict[str, Any]:
    """Anaesthesia and the lens's power (18-24 D) and position of a demo operation, drawn
    from a stream of the operation's own, so the pathway's stream is the same as before."""
    theatre = Random(surgery_id)
    return {
        "iol_power": theatre.randint(72, 96) / 4 if iol else None,
        "iol_position": weighted(theatre, IOL_POSITION_WEIGHTS) if iol else None,
        "anaesthesia": weighted(theatre, ANAESTHESIA_WEIGHTS),
    }


def operation_of(
    rng: Random, referral_id: str, eye: str, operated_on: date, centre: int, staff: int | None
) -> SurgeryInput:
    """A demo operation as a theatre records it: technique, lens, complications, surgeon."""
    technique = weighted(rng, TECHNIQUE_WEIGHTS)
    iol = rng.random() < (ECCE_IOL_SHARE if technique == "ECCE" else IOL_SHARE)
    complication = rng.choice(COMPLICATIONS) if rng.random() < COMPLICATION_SHARE else None
    surgery_id = seeded_uuid(rng)
    return SurgeryInput(
        referral_id=referral_id,
        eye=eye,
        operated_on=operated_on,
        technique=technique,
        iol=iol,
        **theatre_details(surgery_id, iol=iol),
        facility_id=centre,
        complications=(complication[0],) if complication else (),
        complication_note=complication[1] if complication else "",
        surgeon_id=staff,
        recorded_by=staff,
        id=surgery_id,
    )
