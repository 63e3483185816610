"""The privacy officer's "verify now" holds no write lock: clinics keep saving meanwhile."""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from brightline.api.app import create_app
from brightline.audit.tree import tree_size
from brightline.site import Site, audit_signing_key_path
from tests.conftest import PASSWORD
from tests.web.conftest import WebBed, csrf_of


def _writer_once_read(fifo: Path, reader: threading.Thread) -> int:
    """Open ``fifo`` for writing as soon as someone opens it for reading (polls, no timer)."""
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno != errno.ENXIO:
                raise
        assert reader.is_alive(), "the verification ended without reading its key"
        time.sleep(0.005)


def test_a_clinic_saves_a_screening_while_the_log_is_being_verified(web: WebBed) -> None:
    # The clinic works through the API of another process's site: its own connection.
    clinic_site = Site.open(web.site.settings)
    clinic = TestClient(create_app(clinic_site))
    signed = clinic.post(
        "/api/v1/auth/token", data={"username": "screener_a", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    person = clinic.post(
        "/api/v1/people", json={"sex": "female", "birth_year": 1951}, headers=headers
    ).json()

    privacy = web.signed_in("privacy")
    csrf = csrf_of(privacy.get("/privacy").text)
    # The signing key becomes a FIFO: "verify now" reads it (after signing the officer in,
    # before verifying) and waits there until the test writes it, so the clinic's write
    # below lands while the verification is under way.
    key = audit_signing_key_path(web.site.settings)
    key_text = key.read_bytes()
    key.unlink()
    os.mkfifo(key, 0o600)
    outcome: dict[str, Any] = {}
    verification = threading.Thread(
        target=lambda: outcome.update(
            response=privacy.post("/privacy/verify", data={"csrf_token": csrf})
        )
    )
    verification.start()
    fifo = _writer_once_read(key, verification)
    try:
        saved = clinic.post(
            "/api/v1/screenings",
            json={
                "person_id": person["id"],
                "right_presenting_va": "6/60",
                "left_presenting_va": "6/60",
                "right_lens": "opacity",
                "left_lens": "opacity",
            },
            headers=headers,
        )
        still_verifying = verification.is_alive()
    finally:
        os.write(fifo, key_text)
        os.close(fifo)
        verification.join()
        key.unlink()
        key.write_bytes(key_text)
        key.chmod(0o600)
        clinic.close()
        clinic_site.close()
    assert saved.status_code == 201, saved.text
    assert still_verifying, "the screening was saved only after the verification finished"
    assert outcome["response"].status_code == 303
    last = web.app.state.web_last_verification
    with web.site.transaction() as session:
        assert last.ok and last.size == tree_size(session)
