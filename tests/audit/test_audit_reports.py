"""A person's access report (proven, no staff named) and the transparency counts."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import update

from brightline.audit import merkle
from brightline.audit.log import record_pseudonym
from brightline.audit.reports import access_report, transparency_report
from brightline.audit.tree import make_checkpoint
from brightline.audit.verify import verify_log
from brightline.records import PersonInput
from brightline.service.people import register_person
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.models import Person
from tests.audit.helpers import append, append_many, cli, event
from tests.conftest import World

SCREENER = "5c" * 16
REVIEWER = "7e" * 16
SURGEON = "a1" * 16


def _person(site: Site, world: World, national_id: str = "TZ-12345") -> str:
    with site.transaction() as session:
        person, _ = register_person(
            session,
            site.keys,
            PersonInput(
                facility_id=world.clinic_a,
                region_id=world.township_a,
                sex="female",
                birth_year=1950,
                name="Amina Example",
                phone="+255 700 000 000",
                national_id=national_id,
            ),
            date(2026, 3, 1),
        )
        return person.id


def _history(site: Site, person_id: str) -> None:
    """Accesses to one person's record, mixed with other people's, before and after a checkpoint."""
    mine = record_pseudonym(site.keys, person_id)
    append_many(site, 5)
    append(
        site,
        [
            event(0, actor=SCREENER, action="person.create", record=mine, at=datetime(2026, 3, 2)),
            event(1, actor=SCREENER, action="screening.create", record=mine),
            event(2, actor=REVIEWER, role="reviewer", action="screening.read", record=mine,
                  purpose="review", at=datetime(2026, 3, 5, 14, 0)),
        ],
    )  # fmt: skip
    with site.transaction() as session:
        make_checkpoint(session, site.audit_signer(), site.settings.audit_origin)
    append_many(site, 3, first=20)
    append(
        site,
        [
            event(3, actor=SURGEON, role="surgeon", action="person.read", record=mine,
                  purpose="emergency", outcome="break_glass", break_glass_reason="unconscious",
                  at=datetime(2026, 4, 1, 2, 0)),
            event(4, actor=SURGEON, role="surgeon", action="photo.read", record=mine,
                  purpose="quality", outcome="denied", at=datetime(2026, 4, 2)),
        ],
    )  # fmt: skip


def test_access_report_lists_only_this_person_with_proofs(site: Site, world: World) -> None:
    person_id = _person(site, world)
    other_id = _person(site, world, "TZ-67890")
    _history(site, person_id)
    with site.transaction() as session:
        lines = access_report(session, site.keys, person_id)
        assert access_report(session, site.keys, other_id) == []
    assert [line.index for line in lines] == [5, 6, 7, 11, 12]
    assert [(line.date, line.role, line.purpose, line.action) for line in lines] == [
        (date(2026, 3, 2), "screening health worker", "your care", "registered you"),
        (date(2026, 3, 2), "screening health worker", "your care", "recorded an eye screening"),
        (date(2026, 3, 5), "eye doctor (online review)", "review of your case",
         "looked at your eye screening"),
        (date(2026, 4, 1), "surgical centre staff", "emergency", "looked at your record"),
        (date(2026, 4, 2), "surgical centre staff", "quality check", "looked at your eye photos"),
    ]  # fmt: skip
    assert [line.break_glass for line in lines] == [False, False, False, True, False]
    assert [line.outcome for line in lines] == [
        "allowed",
        "allowed",
        "allowed",
        "emergency access",
        "refused",
    ]
    # Lines before the checkpoint are proven against its signed root, later ones against
    # the current tree; every proof verifies with nothing but merkle.py.
    assert [line.checkpointed for line in lines] == [True, True, True, False, False]
    assert {line.proof.tree_size for line in lines[:3]} == {8}
    assert {line.proof.tree_size for line in lines[3:]} == {13}
    for line in lines:
        proof = line.as_json()
        assert merkle.verify_inclusion(
            bytes.fromhex(str(proof["leaf_hash"])),
            line.index,
            line.proof.tree_size,
            [bytes.fromhex(step) for step in proof["proof"]],  # type: ignore[attr-defined]
            bytes.fromhex(str(proof["root"])),
        )
    text = json.dumps([line.as_json() for line in lines])
    for staff in (SCREENER, REVIEWER, SURGEON):
        assert staff not in text


def test_transparency_counts(site: Site, world: World) -> None:
    _history(site, _person(site, world))
    with site.transaction() as session:
        rows = transparency_report(session)
    counts = {(r.month, r.role, r.purpose, r.outcome): r.count for r in rows}
    assert counts == {
        ("2026-03", "screener", "treatment", "allowed"): 5 + 2 + 3,
        ("2026-03", "reviewer", "review", "allowed"): 1,
        ("2026-04", "surgeon", "emergency", "break_glass"): 1,
        ("2026-04", "surgeon", "quality", "denied"): 1,
    }
    assert [r.break_glass for r in rows if r.role == "surgeon"] == [True, False]
    assert [r.denied for r in rows if r.role == "surgeon"] == [False, True]
    assert sum(r.count for r in rows) == 13


def test_erasure_leaves_the_log_verifiable(site: Site, settings: Settings, world: World) -> None:
    person_id = _person(site, world)
    _history(site, person_id)
    # Crypto-shredding: the identifier ciphertexts go; the pseudonymous log stays whole.
    with site.transaction() as session:
        session.execute(
            update(Person)
            .where(Person.id == person_id)
            .values(
                name_ct=None,
                phone_ct=None,
                national_id_ct=None,
                address_ct=None,
                national_id_hmac=None,
                erased_at=datetime(2026, 5, 1),
            )
        )
    with site.transaction() as session:
        report = verify_log(session, site.audit_signer().verifier_key())
        lines = access_report(session, site.keys, person_id)
    assert report.ok, report.problems
    assert len(lines) == 5 and all(line.verifies() for line in lines)
    result = cli(settings, "audit", "access-report", "--person", person_id)
    assert result.exit_code == 0 and "5 access(es); 5 proven" in result.output
