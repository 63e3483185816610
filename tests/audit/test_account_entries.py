"""Account events in the log: the optional ``account`` field, hashed, verified, never in older
entries."""

from __future__ import annotations

import json

from brightline.audit.log import AuditEvent
from brightline.audit.verify import verify_log
from brightline.site import Site
from tests.audit.helpers import append, event, tamper

SUBJECT = "ab" * 16


def _account_event(number: int) -> AuditEvent:
    return event(
        number,
        action="account.disable",
        role="admin",
        record=None,
        purpose=None,
        account=SUBJECT,
    )


def test_an_entry_without_an_account_is_byte_for_byte_what_it_was() -> None:
    """Entries logged before account events existed keep their hash: no new key is written."""
    entry = event(3).entry()
    assert entry == (
        b'{"action":"person.read","actor":"00000000000000000000000000000003",'
        b'"at":"2026-03-02T09:33:00Z","outcome":"allowed","purpose":"treatment",'
        b'"record":"00000000000000000000000000000003","role":"screener"}'
    )


def test_the_account_is_hashed_into_the_entry_and_the_log_verifies(site: Site) -> None:
    leaves = append(site, [event(0), _account_event(1), event(2)])
    assert json.loads(_account_event(1).entry())["account"] == SUBJECT
    report = verify_log(site.engine, site.audit_signer().verifier_key())
    assert report.ok, report.problems
    assert report.size == len(leaves) == 3


def test_an_account_column_that_differs_from_its_entry_is_found(site: Site) -> None:
    append(site, [event(0), _account_event(1), event(2)])
    tamper(site, "UPDATE audit_entries SET account = :other WHERE position = 1", other="cd" * 16)
    report = verify_log(site.engine, site.audit_signer().verifier_key())
    assert not report.ok
    assert report.problems[0].kind == "columns" and report.first_bad_position == 1
