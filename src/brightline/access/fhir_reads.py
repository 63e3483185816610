"""FHIR reads through the one policy: a person's chart, the places, the audit log.

A read of any resource about a person is a read of that person's record: the policy decides
with the request's purpose of use (``person.read`` for the Patient, ``screening.read`` for
the clinical resources, as for the same records over /api/v1), and one audit entry is
written per person per request. A resource outside the caller's scope answers exactly like
a missing one, after the attempt is logged.
"""

from __future__ import annotations

from datetime import datetime

from brightline.access.base import AccessCore, not_found
from brightline.fhir.audit import AuditEntryView
from brightline.fhir.chart import Directory, PersonChart
from brightline.service.fhir_charts import audit_entries, chart_of, directory, person_of_resource


class FhirReads(AccessCore):
    """The FHIR API's access methods (mixed into :class:`brightline.access.layer.Access`)."""

    def fhir_directory(self) -> Directory:
        """Every region and facility: reference data, no person's record (any signed-in role)."""
        return directory(self.session)

    def fhir_owner(self, kind: str, fhir_id: str) -> str | None:
        """Whose record a resource id names (None: none); says nothing until ``fhir_chart``."""
        return person_of_resource(self.session, kind, fhir_id)

    def fhir_chart(
        self, person_id: str | None, purpose: str | None, *, kind: str, asked: str
    ) -> tuple[PersonChart, Directory]:
        """A person's chart for FHIR, if the policy lets the caller read it for ``purpose``.

        ``kind`` and ``asked`` word the 'not found' answer from what the caller sent.
        """
        action = "person.read" if kind == "Patient" else "screening.read"
        missing = not_found(kind, asked)
        self.require(action, person_id, purpose, missing=missing)
        assert person_id is not None  # the policy found the record
        chart = chart_of(self.session, person_id)
        if chart is None:
            raise missing
        return chart, directory(self.session)

    def fhir_audit_events(
        self,
        *,
        position: int | None,
        after: datetime | None,
        before: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[AuditEntryView]]:
        """A page of audit entries as metadata, newest first (privacy officers only)."""
        self.require_general("audit.read")
        return audit_entries(
            self.session,
            position=position,
            after=after,
            before=before,
            limit=limit,
            offset=offset,
        )
