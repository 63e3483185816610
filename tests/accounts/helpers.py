"""Shared by the account tests: the account events in the log, as their hashed entries say."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from brightline.audit.verify import verify_log
from brightline.site import Site
from brightline.store.models import AuditEntry, User


def account_entries(site: Site) -> list[dict[str, Any]]:
    """Every account event's canonical entry, oldest first."""
    with site.transaction() as session:
        texts = session.scalars(
            select(AuditEntry.entry)
            .where(AuditEntry.action.like("account.%"))
            .order_by(AuditEntry.position)
        ).all()
    return [json.loads(text) for text in texts]


def pseudonym_of(site: Site, username: str) -> str:
    """The staff pseudonym of an account."""
    with site.transaction() as session:
        found = session.scalar(select(User.pseudonym).where(User.username == username))
    assert found is not None
    return found


def log_verifies(site: Site) -> bool:
    """The whole log recomputes and its query columns match the hashed entries."""
    report = verify_log(site.engine, site.audit_signer().verifier_key())
    assert report.ok, report.problems
    return report.ok
