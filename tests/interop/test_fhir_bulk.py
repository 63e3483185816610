"""The asynchronous Bulk Data ``$export`` over the real app: kick-off → poll → manifest →
NDJSON files (each resource valid), the policy, one audit entry per person, cancel, expiry,
and OperationOutcome errors naming what was wrong."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import httpx2 as httpx
from sqlalchemy import select

from brightline.access.export_jobs import (
    CANCELLED,
    jobs_root,
    new_job,
    read_job,
    run_job,
    wait_for,
    write_job,
)
from brightline.access.fhir_export import ExportAsk
from brightline.access.signin import account_actor
from brightline.service.accounts import add_user
from brightline.store.models import AuditEntry
from tests.api.conftest import Bed
from tests.conftest import PASSWORD
from tests.interop.conftest import Walked, valid, valid_all
from tests.interop.test_fhir_client import served  # noqa: F401  (the app over real HTTP)

FHIR = "/fhir/R4"
KICK_OFF = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


def headers(bed: Bed, who: str = "admin", purpose: str | None = "quality") -> dict[str, str]:
    return {**bed.as_(who, purpose), **KICK_OFF}


def kick_off(bed: Bed, url: str = "/$export", who: str = "admin", **extra: str) -> Any:
    return bed.client.get(f"{FHIR}{url}", headers={**headers(bed, who), **extra})


def poll(client: Any, status_url: str, auth: dict[str, str], seconds: float = 30) -> Any:
    """Poll the status URL until it is no longer 202 (bounded), as a Bulk Data client does."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(status_url, headers=auth)
        if response.status_code != 202 or time.monotonic() > deadline:
            return response
        assert "X-Progress" in response.headers
        time.sleep(0.05)


def exports_logged(bed: Bed) -> list[tuple[str | None, str | None]]:
    with bed.site.transaction() as session:
        rows = session.execute(
            select(AuditEntry.record, AuditEntry.purpose).where(
                AuditEntry.action == "records.export"
            )
        )
        return [(r.record, r.purpose) for r in rows]


def outcome(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body: dict[str, Any] = valid(response.json())
    assert body["resourceType"] == "OperationOutcome"
    return body


def test_kick_off_poll_and_download_every_resource_valid(bed: Bed, walked: Walked) -> None:
    other = bed.register(who="screener_b", sex="male", birth_year=1950)
    bed.screen(other["id"], who="screener_b")
    started = kick_off(bed, "/$export?_outputFormat=application/fhir%2Bndjson")
    assert started.status_code == 202, started.text
    status_url = started.headers["Content-Location"]
    assert status_url.startswith("http://testserver/fhir/R4/$export-status/")
    auth = bed.as_("admin")
    done = poll(bed.client, status_url, auth)
    assert done.status_code == 200, done.text
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"] == (
        "http://testserver/fhir/R4/$export?_outputFormat=application/fhir%2Bndjson"
    )
    assert manifest["transactionTime"].endswith("Z")
    assert "Expires" in done.headers
    counts = {entry["type"]: entry["count"] for entry in manifest["output"]}
    assert counts["Patient"] == 2 and counts["Procedure"] == 1 and counts["Organization"] > 0
    every = []
    for entry in manifest["output"]:
        got = bed.client.get(entry["url"], headers=auth)
        assert got.status_code == 200
        assert got.headers["content-type"].startswith("application/fhir+ndjson")
        resources = [json.loads(line) for line in got.text.splitlines()]
        assert len(resources) == entry["count"]
        assert {r["resourceType"] for r in resources} == {entry["type"]}
        every += resources
    valid_all(every)
    assert "Li Wei" not in json.dumps(every)
    logged = exports_logged(bed)
    assert len(logged) == 2 and {purpose for _, purpose in logged} == {"quality"}
    # The files need the token (requiresAccessToken): without it, 401.
    url = manifest["output"][0]["url"]
    assert bed.client.get(url).status_code == 401
    metadata = bed.client.get(f"{FHIR}/metadata").json()
    assert {
        "name": "export",
        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
    } in metadata["rest"][0]["operation"]


def test_patient_export_with_type_and_since(bed: Bed, walked: Walked) -> None:
    started = kick_off(bed, "/Patient/$export?_type=Patient,Procedure&_since=2000-01-01T00:00:00Z")
    assert started.status_code == 202, started.text
    done = poll(bed.client, started.headers["Content-Location"], bed.as_("admin"))
    assert done.status_code == 200, done.text
    assert [(o["type"], o["count"]) for o in done.json()["output"]] == [
        ("Patient", 1),
        ("Procedure", 1),
    ]
    later = kick_off(bed, "/Patient/$export?_since=2999-01-01T00:00:00%2B08:00")
    finished = poll(bed.client, later.headers["Content-Location"], bed.as_("admin"))
    assert finished.json()["output"] == []  # nothing changed since then; no one exported
    assert len(exports_logged(bed)) == 1


def test_only_an_account_allowed_to_export_may_kick_off(bed: Bed, walked: Walked) -> None:
    for who in ("surgeon", "manager", "privacy"):
        body = outcome(kick_off(bed, who=who), 403)
        assert "records.export" in body["issue"][0]["diagnostics"]
    outcome(bed.client.get(f"{FHIR}/$export", headers=KICK_OFF), 401)
    assert exports_logged(bed) == []
    assert not jobs_root(bed.site).exists()


def test_bad_kick_offs_name_what_was_wrong(bed: Bed, walked: Walked) -> None:
    asks = {
        "/$export?_type=Banana": "_type",
        "/Patient/$export?_type=Organization": "_type",
        "/$export?_since=2026-01-01": "_since",
        "/$export?_outputFormat=text/csv": "_outputFormat",
        "/$export?_elements=id": "_elements",
    }
    for url, field in asks.items():
        body = outcome(kick_off(bed, url), 400)
        assert body["issue"][0]["expression"] == [field], url
    synchronous = {**headers(bed), "Prefer": "return=representation"}
    body = outcome(bed.client.get(f"{FHIR}/$export", headers=synchronous), 400)
    assert body["issue"][0]["expression"] == ["Prefer"]
    no_purpose = {**bed.as_("admin"), **KICK_OFF}
    body = outcome(bed.client.get(f"{FHIR}/$export", headers=no_purpose), 400)
    assert body["issue"][0]["expression"] == ["X-Purpose-Of-Use"]
    xml = {**headers(bed), "Accept": "application/fhir+xml"}
    outcome(bed.client.get(f"{FHIR}/$export", headers=xml), 406)
    outcome(bed.client.get(f"{FHIR}/$export-status/{'0' * 32}", headers=bed.as_("admin")), 404)
    outcome(bed.client.get(f"{FHIR}/$export-status/..%2F..", headers=bed.as_("admin")), 404)
    assert exports_logged(bed) == []


def test_a_running_job_answers_202_with_progress_and_one_at_a_time(
    bed: Bed, walked: Walked
) -> None:
    started = kick_off(bed)
    job_id = started.headers["Content-Location"].rsplit("/", 1)[1]
    job = wait_for(bed.site, job_id, 30)
    assert job is not None and job.state == "done"
    # Put the job back to running, as the worker's state is while it reads.
    write_job(bed.site, job.__class__(**{**job.__dict__, "state": "running", "people_done": 1}))
    running = bed.client.get(started.headers["Content-Location"], headers=bed.as_("admin"))
    assert running.status_code == 202
    assert running.headers["X-Progress"] == f"1 of {job.people_total} people read"
    assert running.headers["Retry-After"]
    outcome(kick_off(bed), 429)  # one running export per account


def test_another_administrator_cannot_see_poll_or_cancel_the_job(bed: Bed, walked: Walked) -> None:
    with bed.site.transaction() as session:
        add_user(session, "admin_b", PASSWORD, "admin", "all", profile="test")
    started = kick_off(bed)
    status_url = started.headers["Content-Location"]
    manifest = poll(bed.client, status_url, bed.as_("admin")).json()
    other = bed.as_("admin_b")
    outcome(bed.client.get(status_url, headers=other), 404)
    outcome(bed.client.get(manifest["output"][0]["url"], headers=other), 404)
    outcome(bed.client.delete(status_url, headers=other), 404)
    # An account that may never export hears 403 (its role), not 404, whoever's job it is.
    manager = bed.as_("manager")
    for answer in (
        bed.client.get(status_url, headers=manager),
        bed.client.get(manifest["output"][0]["url"], headers=manager),
        bed.client.delete(status_url, headers=manager),
    ):
        assert "records.export" in outcome(answer, 403)["issue"][0]["diagnostics"]
    assert bed.client.get(status_url, headers=bed.as_("admin")).status_code == 200


def test_delete_cancels_and_removes_the_files(bed: Bed, walked: Walked) -> None:
    started = kick_off(bed)
    status_url = started.headers["Content-Location"]
    auth = bed.as_("admin")
    manifest = poll(bed.client, status_url, auth).json()
    folder = jobs_root(bed.site) / status_url.rsplit("/", 1)[1]
    assert (folder / "files" / "Patient.ndjson").is_file()
    cancelled = bed.client.delete(status_url, headers=auth)
    assert cancelled.status_code == 202
    assert not folder.exists()
    outcome(bed.client.get(status_url, headers=auth), 404)
    outcome(bed.client.get(manifest["output"][0]["url"], headers=auth), 404)


def test_a_job_cancelled_while_running_stops_and_logs_nothing(bed: Bed, walked: Walked) -> None:
    with bed.site.transaction() as session:
        actor = account_actor(session, "admin")
    job = new_job(
        bed.site, actor, "http://testserver/fhir/R4/$export", ExportAsk(purpose="quality")
    )
    folder = jobs_root(bed.site) / job.id
    (folder / CANCELLED).touch()  # what DELETE does to a running job
    run_job(bed.site, job, actor)  # the worker, here in the test's thread
    assert not folder.exists()
    assert exports_logged(bed) == []


def test_files_expire_after_the_setting(bed: Bed, walked: Walked) -> None:
    assert bed.site.settings.fhir_export_expiry_hours == 24
    started = kick_off(bed)
    status_url = started.headers["Content-Location"]
    poll(bed.client, status_url, bed.as_("admin"))
    job_id = status_url.rsplit("/", 1)[1]
    job = read_job(bed.site, job_id)
    assert job is not None and job.expires_at is not None
    past = (bed.site.now() - timedelta(minutes=1)).isoformat()
    write_job(bed.site, job.__class__(**{**job.__dict__, "expires_at": past}))
    outcome(bed.client.get(status_url, headers=bed.as_("admin")), 404)
    assert not (jobs_root(bed.site) / job_id).exists()


def test_a_bulk_data_client_over_real_http(
    bed: Bed,
    walked: Walked,
    served: str,  # noqa: F811
) -> None:
    auth = bed.as_("admin", "treatment")
    with httpx.Client(timeout=30) as client:
        started = client.get(f"{served}/$export", headers={**auth, **KICK_OFF})
        assert started.status_code == 202, started.text
        done = poll(client, started.headers["Content-Location"], auth)
        assert done.status_code == 200
        for entry in done.json()["output"]:
            assert entry["url"].startswith(served)
            lines = client.get(entry["url"], headers=auth).text.splitlines()
            valid_all([json.loads(line) for line in lines])
    assert {purpose for _, purpose in exports_logged(bed)} == {"treatment"}
