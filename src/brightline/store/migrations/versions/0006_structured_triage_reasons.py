"""Store triage reasons as codes with parameters instead of English sentences.

Every stored sentence is matched against the sentences triage wrote before reasons had codes
(a frozen copy: these patterns live here and nowhere else); a sentence no pattern recognises is
kept as ``{"code": "unrecognised", "text": ...}`` and shown as stored. Downgrade writes the
sentences back from the codes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_EYE = r"(?P<eye>right|left)"
# Metric Snellen as triage wrote it: 6/9, 6/7.5, 1.5/60, CF, CF 1m, CF 50cm, HM, LP, NLP.
_VA = r"(?P<va>CF [\d.]+c?m|[^ ,():]+)"
_LIMIT = r"(?P<limit>CF [\d.]+c?m|[^ ,():]+)"
_SYMPTOMS = {
    "Sudden loss of vision": "sudden_vision_loss",
    "Painful red eye": "painful_red_eye",
    "Eye trauma": "trauma",
}
_SYMPTOM = r"(?P<symptom>Sudden loss of vision|Painful red eye|Eye trauma)"

# code, the sentence triage wrote for it (eye words are capitalised at the start of a sentence)
_SENTENCES: tuple[tuple[str, str], ...] = (
    ("presenting_not_measured", rf"(?i:{_EYE}) eye presenting VA not measured\."),
    ("presenting_at_least", rf"(?i:{_EYE}) eye presenting VA {_VA} is {_LIMIT} or better\."),
    ("presenting_worse_than", rf"(?i:{_EYE}) eye presenting VA {_VA} is worse than {_LIMIT}\."),
    (
        "pinhole_not_measured",
        rf"Pinhole VA not measured in the {_EYE} eye: refractive error cannot be told apart "
        r"from other causes\.",
    ),
    (
        "pinhole_corrects",
        rf"Pinhole improves the {_EYE} eye to {_VA} \({_LIMIT} or better\): refractive error "
        r"likely\.",
    ),
    (
        "pinhole_worse_than",
        rf"Pinhole VA in the {_EYE} eye is {_VA}, worse than {_LIMIT}: not explained by "
        r"refractive error alone\.",
    ),
    ("suspected_cataract", rf"Lens opacity in the {_EYE} eye: suspected cataract\."),
    (
        "opacity_corrected_by_pinhole",
        rf"Lens opacity in the {_EYE} eye, not counted as suspected cataract: pinhole corrects "
        r"the eye\.",
    ),
    ("lens_not_visible", rf"Lens not visible in the {_EYE} eye: the cause is for the reviewer\."),
    (
        "possible_complication",
        rf"Pseudophakic {_EYE} eye sees {_VA}, worse than {_LIMIT}: possible complication of "
        r"cataract surgery\.",
    ),
    (
        "possible_complication_urgent",
        rf"Pseudophakic {_EYE} eye sees {_VA}, worse than {_LIMIT}: possible complication of "
        r"cataract surgery, urgent\.",
    ),
    (
        "not_measured_either_eye",
        r"Visual acuity not measured in either eye: the person needs to be seen\.",
    ),
    ("better_eye_blind", rf"Better eye {_VA} is worse than {_LIMIT} \(blindness\): urgent\."),
    ("better_eye_worse_than", rf"Better eye {_VA} is worse than {_LIMIT}: urgent\."),
    ("only_eye_blind", rf"Only measured eye {_VA} is worse than {_LIMIT} \(blindness\): urgent\."),
    ("only_eye_worse_than", rf"Only measured eye {_VA} is worse than {_LIMIT}: urgent\."),
    ("symptom_urgent", rf"{_SYMPTOM} reported: urgent\."),
    ("symptom_review", rf"{_SYMPTOM} reported: review\."),
)
_PATTERNS = tuple((code, re.compile(sentence)) for code, sentence in _SENTENCES)

# The sentences written back on downgrade, as triage wrote them before this revision.
_WORDING = {
    "presenting_not_measured": "{Eye} eye presenting VA not measured.",
    "presenting_at_least": "{Eye} eye presenting VA {va} is {limit} or better.",
    "presenting_worse_than": "{Eye} eye presenting VA {va} is worse than {limit}.",
    "pinhole_not_measured": "Pinhole VA not measured in the {eye} eye: refractive error cannot "
    "be told apart from other causes.",
    "pinhole_corrects": "Pinhole improves the {eye} eye to {va} ({limit} or better): "
    "refractive error likely.",
    "pinhole_worse_than": "Pinhole VA in the {eye} eye is {va}, worse than {limit}: not "
    "explained by refractive error alone.",
    "suspected_cataract": "Lens opacity in the {eye} eye: suspected cataract.",
    "opacity_corrected_by_pinhole": "Lens opacity in the {eye} eye, not counted as suspected "
    "cataract: pinhole corrects the eye.",
    "lens_not_visible": "Lens not visible in the {eye} eye: the cause is for the reviewer.",
    "possible_complication": "Pseudophakic {eye} eye sees {va}, worse than {limit}: possible "
    "complication of cataract surgery.",
    "possible_complication_urgent": "Pseudophakic {eye} eye sees {va}, worse than {limit}: "
    "possible complication of cataract surgery, urgent.",
    "not_measured_either_eye": "Visual acuity not measured in either eye: the person needs to "
    "be seen.",
    "better_eye_blind": "Better eye {va} is worse than {limit} (blindness): urgent.",
    "better_eye_worse_than": "Better eye {va} is worse than {limit}: urgent.",
    "only_eye_blind": "Only measured eye {va} is worse than {limit} (blindness): urgent.",
    "only_eye_worse_than": "Only measured eye {va} is worse than {limit}: urgent.",
    "symptom_urgent": "{Symptom} reported: urgent.",
    "symptom_review": "{Symptom} reported: review.",
}

_screenings = sa.table(
    "screenings", sa.column("id", sa.String), sa.column("triage_reasons", sa.Text)
)


def coded(sentence: str) -> dict[str, str]:
    """One stored English sentence as its code and parameters."""
    for code, pattern in _PATTERNS:
        match = pattern.fullmatch(sentence)
        if match is None:
            continue
        parameters = {name: value for name, value in match.groupdict().items() if value}
        if "eye" in parameters:
            parameters["eye"] = parameters["eye"].lower()
        if "symptom" in parameters:
            parameters["symptom"] = _SYMPTOMS[parameters["symptom"]]
        return {"code": code, **parameters}
    return {"code": "unrecognised", "text": sentence}


def worded(reason: dict[str, Any]) -> str:
    """One coded reason as the English sentence triage wrote before this revision."""
    code = reason.get("code")
    if code not in _WORDING:
        return str(reason.get("text", ""))
    values = {name: str(value) for name, value in reason.items() if name != "code"}
    symptom_words = {symptom: written for written, symptom in _SYMPTOMS.items()}
    return _WORDING[str(code)].format(
        Eye=values.get("eye", "").capitalize(),
        eye=values.get("eye", ""),
        va=values.get("va", ""),
        limit=values.get("limit", ""),
        Symptom=symptom_words.get(values.get("symptom", ""), ""),
    )


def _rewrite(convert: Any) -> None:
    """Rewrite every distinct stored reasons list once (screenings repeat the same few)."""
    connection = op.get_bind()
    stored = connection.execute(sa.select(_screenings.c.triage_reasons).distinct()).scalars()
    for old in list(stored):
        new = json.dumps([convert(item) for item in json.loads(old)], ensure_ascii=False)
        if new != old:
            connection.execute(
                _screenings.update()
                .where(_screenings.c.triage_reasons == old)
                .values(triage_reasons=new)
            )


def _to_code(item: Any) -> Any:
    # Only sentences are converted; anything else in the list is kept as stored.
    return coded(item) if isinstance(item, str) else item


def _to_sentence(item: Any) -> Any:
    return worded(item) if isinstance(item, dict) else item


def upgrade() -> None:
    _rewrite(_to_code)


def downgrade() -> None:
    _rewrite(_to_sentence)
