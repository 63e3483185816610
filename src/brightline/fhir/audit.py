"""Audit log entries as AuditEvent: who (staff pseudonym, role), what, whose (the record's
audit pseudonym), why (purpose of use, HL7 v3 ActReason), when, and whether it was allowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import brightline.fhir.codes as codes
from brightline.fhir.chart import instant

# The FHIR action of a Brightline action, by its last word (DICOM / FHIR audit-event-action).
ACTIONS = {"create": "C", "read": "R", "search": "R", "update": "U", "erase": "D"}
OUTCOMES = {"allowed": "0", "break_glass": "0", "denied": "4"}


@dataclass(frozen=True)
class AuditEntryView:
    """One audit entry as the privacy officer may see it: metadata, no clinical content."""

    position: int
    at: datetime
    actor: str
    role: str
    action: str
    record: str | None
    purpose: str | None
    outcome: str


def audit_event(entry: AuditEntryView) -> dict[str, Any]:
    """One audit entry as an AuditEvent (DICOM 110110 Patient Record)."""
    verb = entry.action.rsplit(".", 1)[-1]
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"audit-{entry.position}",
        "meta": {"lastUpdated": instant(entry.at)},
        "type": codes.coding(codes.DICOM, "110110", "Patient Record"),
        "subtype": [codes.coding(codes.AUDIT_ACTION, entry.action)],
        "action": ACTIONS.get(verb, "E"),
        "recorded": instant(entry.at),
        "outcome": OUTCOMES.get(entry.outcome, "4"),
        "outcomeDesc": entry.outcome,
        "agent": [
            {
                "who": {"identifier": {"system": codes.STAFF_PSEUDONYM, "value": entry.actor}},
                "role": [codes.concept(text=entry.role)],
                "requestor": True,
            }
        ],
        "source": {"observer": {"display": "Brightline audit log"}},
    }
    if entry.purpose:
        v3, display = codes.PURPOSES_OF_USE.get(entry.purpose, ("TREAT", "treatment"))
        resource["purposeOfEvent"] = [
            codes.concept(
                codes.coding(codes.ACT_REASON, v3, display),
                codes.coding(codes.PURPOSE, entry.purpose),
                text=entry.purpose,
            )
        ]
    if entry.record:
        resource["entity"] = [
            {"what": {"identifier": {"system": codes.RECORD_PSEUDONYM, "value": entry.record}}}
        ]
    return resource
