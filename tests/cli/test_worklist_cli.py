"""``brightline worklist``: codes only without --as; names and phones, audited, with --as."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from typer.testing import CliRunner

from brightline.access.operator import acting_as_account
from brightline.cli import app
from brightline.contact_records import ContactAttemptInput
from brightline.records import PersonInput, ScreeningInput
from brightline.site import Site
from brightline.store.models import AuditEntry

runner = CliRunner()


def _run(site: Site, *args: str) -> tuple[int, str]:
    options = ["--home", str(site.settings.home)]
    if site.settings.database_url:
        options += ["--database-url", site.settings.database_url]
    result = runner.invoke(app, [*options, "worklist", *args])
    return result.exit_code, result.output


def _referred(site: Site, name: str, days: int) -> tuple[str, str]:
    with acting_as_account(site, "screener_a") as access:
        view, _ = access.register_person(
            PersonInput(sex="male", birth_year=1949, name=name, phone="13822223333")
        )
        recorded = access.record_screening(
            ScreeningInput(
                person_id=view.person.id,
                screened_at=site.now() - timedelta(days=days),
                right_presenting_va="CF",
                left_presenting_va="6/60",
            )
        )
    assert recorded.referral is not None
    return recorded.referral.id, recorded.referral.code


def _reads(site: Site) -> int:
    with site.transaction() as session:
        query = select(func.count()).where(AuditEntry.action == "worklist.read")
        return int(session.scalar(query.select_from(AuditEntry)) or 0)


def test_without_as_codes_only_and_no_personal_data_read(seeded_site: Site) -> None:
    _id, code = _referred(seeded_site, "Kong Wei", days=30)
    before = _reads(seeded_site)
    status, output = _run(seeded_site, "--facility", "CL-A")
    assert status == 0, output
    assert code in output and "Kong Wei" not in output and "13822223333" not in output
    header = ["referral", "code", "days", "kind", "priority", "referred", "on"]
    assert output.splitlines()[0].split() == header
    assert "1 referral(s) not attended." in output
    assert _reads(seeded_site) == before
    status, output = _run(seeded_site)
    assert status == 2 and "--facility" in output


def test_with_as_names_and_phones_each_logged(seeded_site: Site) -> None:
    first, code_a = _referred(seeded_site, "Kong Wei", days=40)
    _second, code_b = _referred(seeded_site, "Yang Li", days=20)
    before = _reads(seeded_site)
    status, output = _run(seeded_site, "--as", "screener_a")
    assert status == 0, output
    assert "Kong Wei" in output and "Yang Li" in output and "13822223333" in output
    assert output.index(code_a) < output.index(code_b)
    assert _reads(seeded_site) == before + 2
    status, output = _run(seeded_site, "--as", "screener_a", "--shortest-first")
    assert output.index(code_b) < output.index(code_a)
    with acting_as_account(seeded_site, "screener_a") as access:
        access.record_contact_attempt(ContactAttemptInput(referral_id=first, outcome="died"))
    status, output = _run(seeded_site, "--as", "screener_a")
    assert "Kong Wei" not in output and "1 referral(s) not attended." in output
    status, output = _run(seeded_site, "--as", "screener_a", "--outcome", "not_reachable")
    assert status == 0 and "0 referral(s) not attended." in output
    status, output = _run(seeded_site, "--as", "screener_a", "--facility", "CL-B")
    assert status == 2 and "another facility" in output
    status, output = _run(seeded_site, "--as", "screener_b")
    assert status == 0 and "Yang Li" not in output
    status, output = _run(seeded_site, "--as", "manager")
    assert status == 2, output
