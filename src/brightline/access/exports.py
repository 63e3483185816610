"""Person-level exports through the policy: de-identified for research, or identified.

Both are asked for by one person and approved by a privacy officer who is someone else.
A research export is filed by a manager on a researcher's behalf (Brightline has no
researcher accounts: researchers never sign in) and holds no identifier, no internal
pseudonym and no exact date. An identified export is asked for by an admin, expires
unless produced in time, is written encrypted under a passphrase shown once, and each
person in it gets an audit entry of its own, so it shows in their access report.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from brightline.access.base import AccessCore, not_found
from brightline.analytics.research_export import check_variables, write_research_export
from brightline.analytics.snapshot import default_snapshot_dir
from brightline.disclosure_records import ExportAsk, ExportRequestRecord, ProducedExport
from brightline.errors import Forbidden, InvalidInput
from brightline.export_archive import new_passphrase, write_sealed
from brightline.service import exports as store
from brightline.service import lookups
from brightline.service.people import identifiers_of
from brightline.service.places import region_by_code
from brightline.store.disclosure_models import ExportRequest
from brightline.vocabulary import Purpose

IDENTIFIED_COLUMNS = (
    "person_id",
    "name",
    "phone",
    "national_id",
    "address",
    "sex",
    "birth_year",
    "township",
    "registered_facility",  # the facility code where the person was first registered
    "registered_at",  # when, UTC (ISO 8601)
)


def export_record(request: ExportRequest) -> ExportRequestRecord:
    """The frozen view of a stored export request."""
    return ExportRequestRecord(
        id=request.id,
        kind=request.kind,
        status=request.status,
        recipient=request.recipient,
        purpose=request.purpose,
        region_code=request.region_code,
        period_start=request.period_start,
        period_end=request.period_end,
        variables=json.loads(request.variables),
        requested_at=request.requested_at,
        decided_at=request.decided_at,
        decision_note=request.decision_note,
        expires_at=request.expires_at,
        produced_at=request.produced_at,
        people=request.people,
        suppressed=request.suppressed,
    )


def _detail(request: ExportRequest, **extra: object) -> str:
    return json.dumps(
        {"export": request.id, "kind": request.kind, "region": request.region_code, **extra},
        sort_keys=True,
        separators=(",", ":"),
    )


class Exports(AccessCore):
    """The access methods of research and identified exports."""

    def request_research_export(self, ask: ExportAsk) -> ExportRequestRecord:
        """A manager files a researcher's request for de-identified data of their region."""
        self.require_general("export.research.request")
        if ask.start is None or ask.end is None:
            raise InvalidInput("a research export needs a period: from and to", field="from")
        check_variables(ask.variables)
        region = (
            self.actor.region_path.strip("/").split("/")[-1] if self.actor.region_path else None
        )
        request = store.file_request(
            self.session,
            store.RESEARCH,
            ExportAsk(ask.recipient, ask.purpose, region, ask.start, ask.end, ask.variables),
            requested_by=self.actor.user_id,
            now=self.site.now(),
        )
        self._audit("export.research.request", None, None, "allowed", detail=_detail(request))
        return export_record(request)

    def request_identified_export(self, ask: ExportAsk) -> ExportRequestRecord:
        """An admin asks for the identified records of a region (e.g. a hospital taking over)."""
        self.require_general("export.identified.request")
        if ask.region_code:
            region_by_code(self.session, ask.region_code)
        request = store.file_request(
            self.session,
            store.IDENTIFIED,
            ask,
            requested_by=self.actor.user_id,
            now=self.site.now(),
        )
        self._audit("export.identified.request", None, None, "allowed", detail=_detail(request))
        return export_record(request)

    def _request(self, request_id: str) -> ExportRequest:
        request = lookups.by_id(self.session, ExportRequest, request_id)
        if request is None:
            raise not_found("export_request", request_id)
        return request

    def decide_export(
        self, request_id: str, *, approve: bool, note: str | None = None
    ) -> ExportRequestRecord:
        """A privacy officer approves or refuses a request, never their own (refusals logged)."""
        self.require_general("export.decide")
        request = self._request(request_id)
        if request.requested_by == self.actor.user_id:
            self._audit(
                "export.decide",
                None,
                None,
                "denied",
                denial_reason="the requester may not decide their own export",
                detail=_detail(request),
            )
            raise Forbidden("an export is approved by someone other than the one who asked for it")
        store.decide_request(
            self.session,
            request,
            approve=approve,
            decided_by=self.actor.user_id,
            now=self.site.now(),
            note=note,
            valid_hours=self.site.settings.identified_export_hours,
        )
        self._audit(
            "export.decide", None, None, "allowed", detail=_detail(request, status=request.status)
        )
        return export_record(request)

    def export_requests(self) -> list[ExportRequestRecord]:
        """Every export request (managers, admins, privacy officers)."""
        self.require_general("export.read")
        return [export_record(r) for r in store.requests(self.session)]

    def produce_research_export(self, request_id: str, out: Path) -> ProducedExport:
        """Write an approved research export (zip) from the snapshot; its requester only."""
        self.require_general("export.research.produce")
        request = self._request(request_id)
        if request.kind != store.RESEARCH:
            raise not_found("export_request", request_id)
        store.ready_to_produce(request, by=self.actor.user_id, now=self.site.now())
        assert request.period_start is not None and request.period_end is not None
        report = write_research_export(
            default_snapshot_dir(self.site.settings.home),
            out,
            region=request.region_code,
            start=request.period_start,
            end=request.period_end,
            variables=tuple(json.loads(request.variables)),
            purpose=request.purpose,
            k=self.site.settings.research_k_anonymity,
            min_county_people=self.site.settings.research_min_county_people,
        )
        store.mark_produced(
            self.session,
            request,
            people=report.people,
            suppressed=report.suppressed,
            now=self.site.now(),
        )
        detail = _detail(request, people=report.people, suppressed=report.suppressed)
        self._audit("export.research.produce", None, None, "allowed", detail=detail)
        return ProducedExport(export_record(request), str(out), None)

    def produce_identified_export(self, request_id: str, out: Path) -> ProducedExport:
        """Write an approved identified export, encrypted; one audit entry per person in it."""
        self.require_general("export.identified.produce")
        request = self._request(request_id)
        if request.kind != store.IDENTIFIED:
            raise not_found("export_request", request_id)
        store.ready_to_produce(request, by=self.actor.user_id, now=self.site.now())
        path = (
            region_by_code(self.session, request.region_code).path if request.region_code else None
        )
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(IDENTIFIED_COLUMNS)
        people = store.people_registered_in(self.session, path)
        for person, township, facility in people:
            ids = identifiers_of(self.site.keys, person)
            writer.writerow(
                [
                    person.id,
                    ids.name,
                    ids.phone,
                    ids.national_id,
                    ids.address,
                    person.sex,
                    person.birth_year,
                    township,
                    facility,
                    person.created_at.isoformat(timespec="seconds") + "Z",
                ]
            )
            # The person's access report names this export and its purpose of use.
            self._audit("export.identified", person.id, Purpose.TREATMENT.value, "allowed")
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("people.csv", text.getvalue())
            z.writestr(
                "about.json",
                json.dumps(
                    {
                        "export": request.id,
                        "recipient": request.recipient,
                        "purpose": request.purpose,
                        "people": len(people),
                        "produced_at": self.site.now().isoformat() + "Z",
                    },
                    indent=1,
                    ensure_ascii=False,
                ),
            )
        passphrase = new_passphrase()
        write_sealed(out, archive.getvalue(), passphrase)
        store.mark_produced(
            self.session, request, people=len(people), suppressed=0, now=self.site.now()
        )
        detail = _detail(request, people=len(people))
        self._audit("export.identified.produce", None, None, "allowed", detail=detail)
        return ProducedExport(export_record(request), str(out), passphrase)
