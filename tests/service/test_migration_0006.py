"""Migration 0006: English triage sentences stored at revision 0005 become codes with parameters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from brightline.reasons import Reason, render
from brightline.settings import Settings
from brightline.store.db import alembic_config, engine_for, migrate

# Sentences exactly as triage wrote them before revision 0006 (every kind it could write),
# each with the code and parameters it must become.
OLD_SENTENCES: list[tuple[str, dict[str, str]]] = [
    ("Right eye presenting VA not measured.", {"code": "presenting_not_measured", "eye": "right"}),
    (
        "Left eye presenting VA 6/12 is 6/12 or better.",
        {"code": "presenting_at_least", "eye": "left", "va": "6/12", "limit": "6/12"},
    ),
    (
        "Right eye presenting VA 6/18 is 6/18 or better.",
        {"code": "presenting_at_least", "eye": "right", "va": "6/18", "limit": "6/18"},
    ),
    (
        "Left eye presenting VA 6/19 is worse than 6/18.",
        {"code": "presenting_worse_than", "eye": "left", "va": "6/19", "limit": "6/18"},
    ),
    (
        "Right eye presenting VA CF 1m is worse than 6/12.",
        {"code": "presenting_worse_than", "eye": "right", "va": "CF 1m", "limit": "6/12"},
    ),
    (
        "Left eye presenting VA CF 50cm is worse than 6/12.",
        {"code": "presenting_worse_than", "eye": "left", "va": "CF 50cm", "limit": "6/12"},
    ),
    (
        "Pinhole VA not measured in the right eye: refractive error cannot be told apart from "
        "other causes.",
        {"code": "pinhole_not_measured", "eye": "right"},
    ),
    (
        "Pinhole improves the left eye to 6/7.5 (6/12 or better): refractive error likely.",
        {"code": "pinhole_corrects", "eye": "left", "va": "6/7.5", "limit": "6/12"},
    ),
    (
        "Pinhole VA in the right eye is HM, worse than 6/12: not explained by refractive error "
        "alone.",
        {"code": "pinhole_worse_than", "eye": "right", "va": "HM", "limit": "6/12"},
    ),
    (
        "Lens opacity in the left eye: suspected cataract.",
        {"code": "suspected_cataract", "eye": "left"},
    ),
    (
        "Lens opacity in the right eye, not counted as suspected cataract: pinhole corrects the "
        "eye.",
        {"code": "opacity_corrected_by_pinhole", "eye": "right"},
    ),
    (
        "Lens not visible in the left eye: the cause is for the reviewer.",
        {"code": "lens_not_visible", "eye": "left"},
    ),
    (
        "Pseudophakic right eye sees 6/60, worse than 6/18: possible complication of cataract "
        "surgery.",
        {"code": "possible_complication", "eye": "right", "va": "6/60", "limit": "6/18"},
    ),
    (
        "Pseudophakic left eye sees 1.5/60, worse than 6/18: possible complication of cataract "
        "surgery, urgent.",
        {"code": "possible_complication_urgent", "eye": "left", "va": "1.5/60", "limit": "6/18"},
    ),
    (
        "Visual acuity not measured in either eye: the person needs to be seen.",
        {"code": "not_measured_either_eye"},
    ),
    (
        "Better eye 2/60 is worse than 3/60 (blindness): urgent.",
        {"code": "better_eye_blind", "va": "2/60", "limit": "3/60"},
    ),
    (
        "Better eye 4/60 is worse than 6/60: urgent.",
        {"code": "better_eye_worse_than", "va": "4/60", "limit": "6/60"},
    ),
    (
        "Only measured eye NLP is worse than 3/60 (blindness): urgent.",
        {"code": "only_eye_blind", "va": "NLP", "limit": "3/60"},
    ),
    (
        "Only measured eye CF is worse than CF 1m: urgent.",
        {"code": "only_eye_worse_than", "va": "CF", "limit": "CF 1m"},
    ),
    (
        "Sudden loss of vision reported: urgent.",
        {"code": "symptom_urgent", "symptom": "sudden_vision_loss"},
    ),
    ("Painful red eye reported: urgent.", {"code": "symptom_urgent", "symptom": "painful_red_eye"}),
    ("Eye trauma reported: review.", {"code": "symptom_review", "symptom": "trauma"}),
    (
        "Referred by the visiting team.",
        {"code": "unrecognised", "text": "Referred by the visiting team."},
    ),
]

# Stored lists as screenings held them: several reasons each, some lists shared by two rows.
STORED_LISTS = [
    [sentence for sentence, _ in OLD_SENTENCES[0:6]],
    [sentence for sentence, _ in OLD_SENTENCES[6:12]],
    [sentence for sentence, _ in OLD_SENTENCES[12:18]],
    [sentence for sentence, _ in OLD_SENTENCES[18:]],
    [sentence for sentence, _ in OLD_SENTENCES[0:6]],
    [],
]
EXPECTED = dict(OLD_SENTENCES)

metadata = sa.MetaData()
regions = sa.Table(
    "regions",
    metadata,
    sa.Column("id", sa.Integer),
    sa.Column("code", sa.String),
    sa.Column("name", sa.String),
    sa.Column("level", sa.String),
    sa.Column("path", sa.String),
)
facilities = sa.Table(
    "facilities",
    metadata,
    sa.Column("id", sa.Integer),
    sa.Column("code", sa.String),
    sa.Column("name", sa.String),
    sa.Column("kind", sa.String),
    sa.Column("region_id", sa.Integer),
)
people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.String),
    sa.Column("pseudonym", sa.String),
    sa.Column("facility_id", sa.Integer),
    sa.Column("region_id", sa.Integer),
    sa.Column("sex", sa.String),
    sa.Column("birth_year", sa.Integer),
    sa.Column("created_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime),
)
screenings = sa.Table(
    "screenings",
    metadata,
    sa.Column("id", sa.String),
    sa.Column("person_id", sa.String),
    sa.Column("facility_id", sa.Integer),
    sa.Column("screened_at", sa.DateTime),
    sa.Column("symptoms", sa.String),
    sa.Column("triage_decision", sa.String),
    sa.Column("triage_reasons", sa.Text),
    sa.Column("triage_rule_version", sa.String),
    sa.Column("suspected_cataract", sa.Boolean),
    sa.Column("created_at", sa.DateTime),
)


def store_at_0005(engine: Engine) -> None:
    """A store at revision 0005 whose screenings hold the old English sentences."""
    migrate(engine, "0005")
    now = datetime(2026, 11, 1, 9, 30)
    with engine.begin() as connection:
        connection.execute(
            regions.insert(),
            {"id": 1, "code": "CA", "name": "County A", "level": "county", "path": "/CA/"},
        )
        connection.execute(
            facilities.insert(),
            {"id": 1, "code": "CL-A", "name": "Clinic A", "kind": "clinic", "region_id": 1},
        )
        connection.execute(
            people.insert(),
            {
                "id": "p-1",
                "pseudonym": "x" * 16,
                "facility_id": 1,
                "region_id": 1,
                "sex": "female",
                "birth_year": 1950,
                "created_at": now,
                "updated_at": now,
            },
        )
        connection.execute(
            screenings.insert(),
            [
                {
                    "id": f"s-{number}",
                    "person_id": "p-1",
                    "facility_id": 1,
                    "screened_at": now,
                    "symptoms": "",
                    "triage_decision": "review",
                    "triage_reasons": json.dumps(sentences, ensure_ascii=False),
                    "triage_rule_version": "who-default-1",
                    "suspected_cataract": False,
                    "created_at": now,
                }
                for number, sentences in enumerate(STORED_LISTS)
            ],
        )


def stored_reasons(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(screenings.c.id, screenings.c.triage_reasons))
        return {row.id: json.loads(row.triage_reasons) for row in rows}


@pytest.fixture
def engine(tmp_path: Path, database_url: str | None) -> Iterator[Engine]:
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    settings.home.mkdir(parents=True)
    made = engine_for(settings)
    yield made
    made.dispose()


def test_upgrade_turns_every_old_sentence_into_its_code(engine: Engine) -> None:
    store_at_0005(engine)
    migrate(engine)
    after = stored_reasons(engine)
    for number, sentences in enumerate(STORED_LISTS):
        assert after[f"s-{number}"] == [EXPECTED[sentence] for sentence in sentences]


def test_migrated_reasons_read_in_english_exactly_as_stored_before(engine: Engine) -> None:
    store_at_0005(engine)
    migrate(engine)
    for number, items in stored_reasons(engine).items():
        rendered = [render(Reason.from_json(item)) for item in items]
        assert rendered == STORED_LISTS[int(number.removeprefix("s-"))]


def test_downgrade_writes_the_sentences_back(engine: Engine) -> None:
    store_at_0005(engine)
    migrate(engine)
    command.downgrade(alembic_config(engine), "0005")
    back = stored_reasons(engine)
    assert back == {f"s-{number}": sentences for number, sentences in enumerate(STORED_LISTS)}
