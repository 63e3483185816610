"""A real FHIR client library (fhirpy) reads a patient's observations from the app served by
uvicorn on a free loopback port, with a bearer token and a purpose of use."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ResourceNotFound

from brightline.api.app import create_app
from tests.api.conftest import Bed
from tests.interop.conftest import Walked, valid


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(bed: Bed) -> Iterator[str]:
    """The installation served over real HTTP on 127.0.0.1 until the test ends."""
    port = free_port()
    config = uvicorn.Config(create_app(bed.site), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/fhir/R4"
    server.should_exit = True
    thread.join(timeout=10)


def test_fhirpy_reads_a_patients_observations(bed: Bed, walked: Walked, served: str) -> None:
    token = bed.as_("surgeon")["Authorization"]
    client = SyncFHIRClient(
        served, authorization=token, extra_headers={"X-Purpose-Of-Use": "treatment"}
    )
    patient = client.reference("Patient", walked.person).to_resource()
    assert patient["gender"] == "female"
    observations = (
        client.resources("Observation").search(patient=walked.person).limit(2).fetch_all()
    )
    assert len(observations) == 7  # fetch_all follows the next links, two per page
    codes = {o["code"]["coding"][0]["code"] for o in observations}
    assert {"98499-7", "98498-9", "419475002", "65893-0"} <= codes
    for observation in observations:
        valid(observation.serialize())
    outsider = SyncFHIRClient(
        served,
        authorization=bed.as_("screener_b")["Authorization"],
        extra_headers={"X-Purpose-Of-Use": "treatment"},
    )
    with pytest.raises(ResourceNotFound):
        outsider.reference("Patient", walked.person).to_resource()
