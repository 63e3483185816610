"""The synthetic demo: deterministic, realistic along the pathway, never mixed with real data."""

from __future__ import annotations

import json
import stat
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from brightline import icd
from brightline.acuity import VA_6_12, parse_va
from brightline.audit.reports import ACTION_WORDS, access_report
from brightline.audit.tree import latest_checkpoint
from brightline.audit.verify import verify_log
from brightline.cli import app
from brightline.demo import (
    ACCOUNTS_FILE,
    MARKER_FILE,
    DemoRefused,
    DemoReport,
    build_demo,
    discard_demo,
    read_marker,
)
from brightline.demo.files import demo_password
from brightline.errors import InvalidInput
from brightline.identifiers import phone_pseudonym
from brightline.records import PersonInput
from brightline.service.accounts import authenticate, scope_of
from brightline.service.people import identifiers_of, register_person
from brightline.service.places import serving_surgical_centre
from brightline.service.worklist import follow_up_worklist
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.models import (
    ROLES,
    Attendance,
    AuditEntry,
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
from tests.conftest import World

AS_OF = date(2025, 6, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, DemoReport]]:
    """One 5,000-person demo shared by the read-only tests of this module."""
    settings = Settings(home=tmp_path_factory.mktemp("demo") / "home", database_url=None)
    report = build_demo(settings, people=5_000, seed=1, as_of=AS_OF)
    site = Site.open(settings)
    yield site, report
    site.close()


def _clinical_content(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Everything clinical a demo holds, as sorted tuples (record ids that vary are left out)."""
    site = Site.open(settings)
    try:
        with site.transaction() as session:
            people = session.scalars(select(Person).order_by(Person.id)).all()
            return {
                "people": [
                    (p.id, p.sex, p.birth_year, identifiers_of(site.keys, p).name) for p in people
                ],
                "screenings": sorted(
                    session.execute(
                        select(
                            Screening.id,
                            Screening.screened_at,
                            Screening.right_presenting_va,
                            Screening.left_presenting_va,
                            Screening.right_pinhole_va,
                            Screening.left_pinhole_va,
                            Screening.right_lens,
                            Screening.left_lens,
                            Screening.triage_decision,
                        )
                    ).all()
                ),
                "referrals": sorted(
                    session.execute(
                        select(Referral.screening_id, Referral.kind, Referral.status)
                    ).all()
                ),
                "reviews": sorted(
                    session.execute(
                        select(Review.id, Review.recommendation, Review.right_icd10)
                    ).all()
                ),
                "surgeries": sorted(
                    session.execute(
                        select(Surgery.id, Surgery.eye, Surgery.technique, Surgery.operated_on)
                    ).all()
                ),
                "follow_ups": sorted(
                    session.execute(
                        select(FollowUp.id, FollowUp.presenting_va, FollowUp.outcome_presenting)
                    ).all()
                ),
            }
    finally:
        site.close()


def _build(tmp_path: Path, name: str, *, seed: int, people: int = 1_000) -> Settings:
    settings = Settings(home=tmp_path / name, database_url=None)
    build_demo(settings, people=people, seed=seed, as_of=AS_OF)
    return settings


def test_same_seed_builds_the_same_programme(tmp_path: Path) -> None:
    first = _clinical_content(_build(tmp_path, "first", seed=3))
    again = _clinical_content(_build(tmp_path, "again", seed=3))
    other = _clinical_content(_build(tmp_path, "other", seed=4))
    assert first == again
    assert first["surgeries"] and first["follow_ups"]
    for table in ("people", "screenings", "referrals"):
        assert first[table] != other[table]


def test_about_one_in_ten_is_referred_and_half_attend(demo: tuple[Site, DemoReport]) -> None:
    _, report = demo
    counts = report.counts
    assert counts["people"] == counts["screenings"] == 5_000
    assert 0.07 <= counts["referrals"] / counts["screenings"] <= 0.13
    assert 0.35 <= counts["attended"] / counts["referrals"] <= 0.65
    assert counts["refraction"] and counts["review"] and counts["urgent_review"]
    assert counts["reviews"] >= 0.7 * (counts["review"] + counts["urgent_review"])
    assert counts["surgery_recommended"] > counts["reviews"] / 2
    assert counts["second_eyes"] > 0


def test_visual_impairment_rises_with_age(demo: tuple[Site, DemoReport]) -> None:
    site, _ = demo
    referred, screened = Counter[str](), Counter[str]()
    with site.transaction() as session:
        rows = session.execute(
            select(Person.birth_year, Screening.screened_at, Screening.triage_decision).join(
                Screening, Screening.person_id == Person.id
            )
        )
        for birth_year, screened_at, decision in rows:
            age = screened_at.year - birth_year
            assert 40 <= age <= 90
            band = "40s" if age < 50 else "70+" if age >= 70 else "50-69"
            screened[band] += 1
            referred[band] += decision != "none"
    assert referred["70+"] / screened["70+"] > 2.5 * referred["40s"] / screened["40s"]


def test_findings_are_consistent(demo: tuple[Site, DemoReport]) -> None:
    site, _ = demo
    earliest = datetime.combine(AS_OF - timedelta(days=365), datetime.min.time())
    lenses: Counter[str] = Counter()
    with site.transaction() as session:
        for screening in session.scalars(select(Screening)):
            assert earliest <= screening.screened_at < datetime.combine(AS_OF, datetime.min.time())
            for eye in ("right", "left"):
                presenting = parse_va(getattr(screening, f"{eye}_presenting_va"))
                pinhole = getattr(screening, f"{eye}_pinhole_va")
                lens = getattr(screening, f"{eye}_lens")
                lenses[lens] += 1
                # Pinhole is measured exactly where presenting VA fails the 6/12 line.
                assert (pinhole is not None) == presenting.is_worse_than(VA_6_12)
            if screening.suspected_cataract:
                assert "opacity" in (screening.right_lens, screening.left_lens)
    assert lenses["opacity"] and lenses["pseudophakia"] and lenses["clear"] > lenses["opacity"]


def test_demo_people_are_found_by_phone_and_review_codes_are_listed(
    demo: tuple[Site, DemoReport],
) -> None:
    site, _ = demo
    with site.transaction() as session:
        people = session.scalars(select(Person).where(Person.phone_ct.is_not(None))).all()
        assert people
        for person in people:
            phone = identifiers_of(site.keys, person).phone
            assert phone is not None
            assert person.phone_hmac == phone_pseudonym(site.keys, phone)
        for right, left in session.execute(select(Review.right_icd10, Review.left_icd10)):
            for code in (right, left):
                assert code is None or icd.is_listed("icd10", code), code


def test_every_surgery_follows_the_pathway(demo: tuple[Site, DemoReport]) -> None:
    site, _ = demo
    with site.transaction() as session:
        techniques: Counter[str] = Counter()
        for surgery in session.scalars(select(Surgery)):
            review = session.get(Review, surgery.review_id)
            attendance = session.scalar(
                select(Attendance).where(Attendance.referral_id == surgery.referral_id)
            )
            assert review is not None and review.recommendation == "surgery"
            assert getattr(review, f"surgery_{surgery.eye}")
            assert attendance is not None
            assert attendance.attended_at.date() <= surgery.operated_on < AS_OF
            techniques[surgery.technique] += 1
        assert techniques.most_common(1)[0][0] == "MSICS" and techniques["phaco"]
        cataract_reviews = session.scalars(
            select(Review.right_icd10).where(Review.recommendation == "surgery")
        ).all()
        assert any(code and code.startswith("H25") for code in cataract_reviews)


def test_outcomes_are_mostly_good_with_a_poor_tail(demo: tuple[Site, DemoReport]) -> None:
    site, report = demo
    shares = report.outcome_shares
    assert 0.6 <= shares["good"] <= 0.9
    assert 0.05 <= shares["borderline"] <= 0.3
    assert report.outcomes["poor"] > 0
    with site.transaction() as session:
        follow_ups = session.scalars(select(FollowUp)).all()
    assert all(f.best_corrected_logmar <= f.presenting_logmar for f in follow_ups)  # type: ignore[operator]
    at_4_to_8_weeks = [f for f in follow_ups if 28 <= f.days_after_surgery <= 56]
    assert len(at_4_to_8_weeks) > len(follow_ups) / 2


def test_accounts_cover_every_role_and_sign_in(demo: tuple[Site, DemoReport]) -> None:
    site, _ = demo
    path = site.settings.home / ACCOUNTS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    accounts = json.loads(path.read_text(encoding="utf-8"))
    assert {a["role"] for a in accounts} == set(ROLES)
    assert all(set(a) == {"username", "password", "role", "scope"} for a in accounts)
    screener_counties = set()
    with site.transaction() as session:
        for account in accounts:
            assert len(account["password"]) >= 10
            user = authenticate(session, account["username"], account["password"])
            assert user is not None and user.role == account["role"]
            assert str(scope_of(session, user)) == account["scope"]
            if user.role == "screener":
                facility = session.get(Facility, user.facility_id)
                township = session.get(Region, facility.region_id)  # type: ignore[union-attr]
                screener_counties.add(township.parent_id)  # type: ignore[union-attr]
    assert len(screener_counties) == 2
    with site.transaction() as session:
        # The other clinics' screeners exist (their work is in the log) but have no password.
        unlisted = session.scalars(select(User).where(User.username == "screener-cl-ls0102"))
        other = unlisted.one()
        assert authenticate(session, other.username, demo_password(1, other.username)) is None
        assert authenticate(session, other.username, "") is None
    marker = read_marker(site.settings)
    assert marker is not None and (marker.seed, marker.people, marker.as_of) == (1, 5_000, AS_OF)


def test_every_clinic_has_a_surgical_centre_and_a_worklist(demo: tuple[Site, DemoReport]) -> None:
    site, _ = demo
    now = datetime.combine(AS_OF, datetime.min.time())
    with site.transaction() as session:
        clinics = session.scalars(select(Facility).where(Facility.kind == "clinic")).all()
        assert len(clinics) == 12
        waiting = 0
        for clinic in clinics:
            assert serving_surgical_centre(session, clinic).kind == "surgical_centre"
            waiting += len(follow_up_worklist(session, clinic.id, not_attended_days=14, now=now))
        assert waiting > 0


def test_a_second_build_is_refused(demo: tuple[Site, DemoReport]) -> None:
    site, _ = demo
    with pytest.raises(DemoRefused, match="already holds the demo"):
        build_demo(site, people=10, seed=1, as_of=AS_OF)
    assert read_marker(site.settings) is not None


def test_refuses_an_installation_with_real_people(site: Site, world: World) -> None:
    with site.transaction() as session:
        register_person(
            session,
            site.keys,
            PersonInput(
                facility_id=world.clinic_a, region_id=world.township_a, sex="male", birth_year=1950
            ),
            AS_OF,
        )
    with pytest.raises(DemoRefused, match="never be mixed"):
        build_demo(site, people=10, seed=1, as_of=AS_OF)
    with site.transaction() as session:
        assert len(session.scalars(select(Person)).all()) == 1
    assert not (site.settings.home / MARKER_FILE).exists()
    assert not (site.settings.home / ACCOUNTS_FILE).exists()
    with pytest.raises(DemoRefused, match="no demo marker"):
        discard_demo(site.settings)


# SQLite is covered by every other test here; this one adds PostgreSQL (skipped if absent).
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_builds_through_the_services_on_postgres(settings: Settings) -> None:
    report = build_demo(settings, people=400, seed=5, as_of=AS_OF)
    site = Site.open(settings)
    try:
        with site.transaction() as session:
            statuses = Counter(session.scalars(select(Referral.status)))
            assert sum(statuses.values()) == report.counts["referrals"]
            assert statuses["attended"] == report.counts["attended"]
            assert len(session.scalars(select(Surgery)).all()) == report.counts["surgeries"]
    finally:
        site.close()


def test_future_as_of_is_refused(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    with pytest.raises(InvalidInput, match="future"):
        build_demo(settings, people=10, seed=1, as_of=date.today() + timedelta(days=2))


def test_cli_builds_prints_accounts_reuses_and_rebuilds(tmp_path: Path) -> None:
    runner = CliRunner()
    home = tmp_path / "home"
    command = ["--home", str(home), "demo", "--people", "200", "--seed", "2", "--no-serve"]
    command += ["--as-of", AS_OF.isoformat()]
    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    accounts = json.loads((home / ACCOUNTS_FILE).read_text(encoding="utf-8"))
    for account in accounts:
        assert account["username"] in first.output and account["password"] in first.output
    # The manager's dashboard has figures at once: the demo takes the first snapshot.
    assert (home / "snapshot" / "current" / "manifest.json").exists()
    again = runner.invoke(app, command)
    assert again.exit_code == 0 and "reusing it" in again.output
    rebuilt = runner.invoke(app, [*command, "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Building the demo" in rebuilt.output and "demo-admin" in rebuilt.output


def test_cli_refuses_a_home_with_real_records(tmp_path: Path) -> None:
    runner = CliRunner()
    home = tmp_path / "home"
    assert runner.invoke(app, ["--home", str(home), "init"]).exit_code == 0
    region = ["--home", str(home), "region", "add", "P9", "Real Province", "--level", "province"]
    assert runner.invoke(app, region).exit_code == 0
    for extra in ([], ["--rebuild"]):
        result = runner.invoke(app, ["--home", str(home), "demo", "--no-serve", *extra])
        assert result.exit_code == 2
        assert "Error:" in result.output
    assert not (home / MARKER_FILE).exists()


def test_the_demo_log_holds_the_pathway_and_verifies(demo: tuple[Site, DemoReport]) -> None:
    """A fresh demo's audit log is a year of real work: each step by the staff who took it."""
    site, report = demo
    with site.transaction() as session:
        entries = session.execute(
            select(AuditEntry.action, AuditEntry.role, AuditEntry.purpose, AuditEntry.at).order_by(
                AuditEntry.position
            )
        ).all()
        actions = Counter((action, role) for action, role, _, _ in entries)
        assert actions[("person.create", "screener")] == report.counts["people"]
        assert actions[("screening.create", "screener")] == report.counts["screenings"]
        assert actions[("review.create", "reviewer")] == report.counts["reviews"]
        assert actions[("attendance.create", "surgeon")] == report.counts["attended"]
        assert actions[("surgery.create", "surgeon")] == report.counts["surgeries"]
        assert actions[("follow_up.create", "surgeon")] == report.counts["follow_ups"]
        # The installation's first entry is the first admin's creation, today; the demo's
        # year of work is back-dated after it, in the order things happened.
        assert entries[0][:2] == ("account.create", "system")
        times = [at for _, _, _, at in entries[1:]]
        assert times == sorted(times)
        assert verify_log(session, site.audit_signer().verifier_key()).ok
        assert latest_checkpoint(session) is not None
        operated = session.scalars(select(Surgery.person_id)).first()
        assert operated is not None
        lines = access_report(session, site.keys, operated)
    seen = [line.action for line in lines]
    assert seen[:2] == [ACTION_WORDS["person.create"], ACTION_WORDS["screening.create"]]
    assert ACTION_WORDS["surgery.create"] in seen
