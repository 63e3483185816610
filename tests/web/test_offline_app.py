"""The offline screener app's server side, in-process: shell, rule file, session, sync, photos."""

from __future__ import annotations

import io
import json
import re
import uuid
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from brightline.device_rules import device_rules
from brightline.device_vectors import build_vectors, dumps
from tests.conftest import PASSWORD
from tests.web.conftest import WebBed

VECTORS = __import__("pathlib").Path(__file__).with_name("device_vectors.json")


def session_of(client: TestClient) -> dict[str, Any]:
    response = client.get("/screener/app/session")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def person_record(birth_year: int = 1950, name: str = "Zhou Lan") -> dict[str, Any]:
    data = {"sex": "female", "birth_year": birth_year, "name": name}
    return {"uuid": str(uuid.uuid4()), "kind": "person", "data": data}


def screening_record(person_id: str, right: str = "CF 1m") -> dict[str, Any]:
    data = {"person_id": person_id, "right_presenting_va": right, "left_presenting_va": "6/60"}
    data["right_lens"] = "opacity"
    return {"uuid": str(uuid.uuid4()), "kind": "screening", "data": data}


def send(client: TestClient, records: list[dict[str, Any]], csrf: str) -> Any:
    return client.post(
        "/screener/app/sync", json={"records": records}, headers={"X-CSRF-Token": csrf}
    )


def bearer(web: WebBed) -> dict[str, str]:
    answer = web.client().post(
        "/api/v1/auth/token", data={"username": "screener_a", "password": PASSWORD}
    )
    token = answer.json()["access_token"]
    return {"Authorization": f"Bearer {token}", "X-Purpose-Of-Use": "treatment"}


def test_the_committed_vectors_are_the_python_codes_answers() -> None:
    # Regenerate with `make vectors` when acuity.py or triage.py change on purpose.
    assert VECTORS.read_text(encoding="utf-8") == dumps(build_vectors())


def test_the_shell_holds_words_and_no_personal_data(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    page = client.get("/screener/app/")
    assert page.status_code == 200
    assert 'rel="manifest"' in page.text and "/static/offline/app.js" in page.text
    config = json.loads(re.search(r'id="config">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert config["warn_days"] == 7
    assert config["reasons"]["templates"]["suspected_cataract"].startswith("Lens opacity")
    assert "csrf_token" not in page.text  # a kept page must not carry a session's token
    client.cookies.set("lang", "zh_Hans")
    chinese = client.get("/screener/app/")
    assert "离线" in chinese.text


def test_the_rule_file_is_the_programmes(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    rules = client.get("/screener/app/rules.json").json()
    assert rules == device_rules(web.site.programme.triage)
    assert rules["version"] == web.site.programme.triage.version
    assert rules["triage"]["refer_worse_than"] == {"hundredths": 30, "metric": "6/12"}


def test_other_roles_and_signed_out_browsers_are_refused(web: WebBed) -> None:
    assert web.client().get("/screener/app/session").status_code == 401
    assert web.client().get("/screener/app/").status_code == 303
    assert web.signed_in("reviewer").get("/screener/app/session").status_code == 403
    worker = web.client().get("/screener/app/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    manifest = web.client().get("/screener/app/manifest.webmanifest").json()
    assert manifest["start_url"] == "/screener/app/" and manifest["display"] == "standalone"


def test_sync_needs_the_sessions_csrf_token(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    record = person_record()
    assert send(client, [record], "forged").status_code == 403
    other = web.signed_in("screener_a")
    assert send(client, [record], session_of(other)["csrf"]).status_code == 403
    api = bearer(web)
    assert web.client().get(f"/api/v1/people/{record['uuid']}", headers=api).status_code == 404


def test_people_and_screenings_are_applied_once_with_the_servers_triage(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    csrf = session_of(client)["csrf"]
    person = person_record(name="Wu Fang")
    screening = screening_record(person["uuid"])
    first = send(client, [person, screening], csrf).json()
    assert [a["status"] for a in first] == ["applied", "applied"]
    assert first[0]["id"] == person["uuid"] and first[1]["id"] == screening["uuid"]
    server = first[1]["server"]
    assert server["decision"] == "review" and server["referral"]["code"]
    again = send(client, [person, screening], csrf).json()
    assert [a["id"] for a in again] == [a["id"] for a in first]
    api = bearer(web)
    screenings = web.client().get(f"/api/v1/people/{person['uuid']}/screenings", headers=api)
    assert len(screenings.json()) == 1
    assert screenings.json()[0]["referral"]["code"] == server["referral"]["code"]


def test_a_refused_record_names_its_field_and_a_corrected_one_is_applied(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    csrf = session_of(client)["csrf"]
    person = person_record(birth_year=1850)
    answer = send(client, [person], csrf).json()[0]
    assert answer["status"] == "rejected" and answer["error"]["field"] == "birth_year"
    person["data"]["birth_year"] = 1950
    assert send(client, [person], csrf).json()[0]["status"] == "applied"


def test_an_ended_session_refuses_the_whole_batch(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    csrf = session_of(client)["csrf"]
    page = client.get("/screener")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    ended = client.cookies["brightline_session"]
    client.post("/sign-out", data={"csrf_token": token})
    client.cookies.set("brightline_session", ended)  # a revoked token, as a device still holds it
    assert send(client, [person_record()], csrf).status_code == 401


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (190, 70, 60)).save(out, "JPEG")
    return out.getvalue()


def test_a_photo_sent_twice_is_stored_once(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    csrf = session_of(client)["csrf"]
    person = person_record()
    screening = screening_record(person["uuid"])
    send(client, [person, screening], csrf)
    photo_uuid = str(uuid.uuid4())
    form = {"uuid": photo_uuid, "screening_id": screening["uuid"], "eye": "right"}
    ids = []
    for _ in range(2):
        answer = client.post(
            "/screener/app/photos",
            data=form,
            files={"image": ("eye.jpg", jpeg(320, 240), "image/jpeg")},
            headers={"X-CSRF-Token": csrf},
        )
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    assert ids[0] == ids[1]
    api = bearer(web)
    photos = web.client().get(f"/api/v1/screenings/{screening['uuid']}/images", headers=api)
    assert [p["id"] for p in photos.json()] == [ids[0]]
    bad = client.post(
        "/screener/app/photos",
        data={**form, "uuid": str(uuid.uuid4())},
        files={"image": ("eye.jpg", b"not an image", "image/jpeg")},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 422 and bad.json()["status"] == "rejected"


def test_another_clinics_national_id_is_refused_with_its_coded_problem(web: WebBed) -> None:
    elsewhere = web.signed_in("screener_b")
    record = person_record(name="Xu Qiang")
    record["data"]["national_id"] = "B-4410"
    assert send(elsewhere, [record], session_of(elsewhere)["csrf"]).json()[0]["status"] == (
        "applied"
    )
    client = web.signed_in("screener_a")
    again = person_record(name="Xu Qiang")
    again["data"]["national_id"] = "B-4410"
    answer = send(client, [again], session_of(client)["csrf"]).json()[0]
    assert answer["status"] == "rejected" and answer["error"]["field"] == "national_id"
    assert answer["error"]["problems"] == [
        {"field": "national_id", "code": "national_id_elsewhere", "parameters": {}}
    ]


def test_findings_joining_an_open_referral_are_said_so(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    csrf = session_of(client)["csrf"]
    person = person_record()
    first, second = screening_record(person["uuid"]), screening_record(person["uuid"])
    answers = send(client, [person, first, second], csrf).json()
    opened, joined = answers[1]["server"], answers[2]["server"]
    assert opened["referral"] is not None and opened["attached_referral_id"] is None
    assert joined["attached_referral_id"] == opened["referral"]["id"]
    assert joined["referral"]["code"] == opened["referral"]["code"]


def test_the_service_worker_keeps_every_module_the_app_imports() -> None:
    """A module missing from the worker's list would break the app offline at its first import."""
    static = VECTORS.parents[2] / "src" / "brightline" / "web" / "static" / "offline"
    worker = (static / "sw.js").read_text(encoding="utf-8")
    imported = {
        name
        for script in static.glob("*.js")
        for name in re.findall(r'from "\./([\w-]+\.js)"', script.read_text(encoding="utf-8"))
    }
    assert {"lines.js", "words.js", "entry.js"} <= imported
    assert [name for name in sorted(imported) if f'"/static/offline/{name}"' not in worker] == []
