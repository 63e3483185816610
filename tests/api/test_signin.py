"""Sign-in: tokens expire (idle and absolute), are revoked on logout, and guessing is slowed."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from brightline.access.signin import token_digest
from brightline.store.security_models import ApiToken
from tests.api.conftest import PASSWORD, Bed


def test_token_flow_and_logout(bed: Bed) -> None:
    response = bed.client.post(
        "/api/v1/auth/token", data={"username": "screener_a", "password": PASSWORD}
    )
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 60
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    me = bed.client.get("/api/v1/auth/me", headers=headers).json()
    assert me == {"username": "screener_a", "role": "screener", "scope": "facility:CL-A"}
    with bed.site.transaction() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert body["access_token"] not in stored
    assert token_digest(body["access_token"]) in stored
    assert bed.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    after = bed.client.get("/api/v1/auth/me", headers=headers)
    assert after.status_code == 401 and after.headers["www-authenticate"] == "Bearer"


def test_idle_expiry(bed: Bed) -> None:
    token = bed.login("screener_a")
    headers = {"Authorization": f"Bearer {token}"}
    assert bed.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with bed.site.transaction() as session:
        record = session.get(ApiToken, token_digest(token))
        assert record is not None
        record.last_used_at -= timedelta(minutes=31)
    assert bed.client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_last_use_is_recorded_to_the_minute(bed: Bed) -> None:
    token = bed.login("screener_a")
    headers = {"Authorization": f"Bearer {token}"}

    def last_used_moved_back(by: timedelta | None) -> timedelta:
        """Move the stored last use back by ``by``; return how long ago it now was."""
        with bed.site.transaction() as session:
            record = session.get(ApiToken, token_digest(token))
            assert record is not None
            if by is not None:
                record.last_used_at -= by
            return bed.site.now() - record.last_used_at

    # Used 30 seconds ago: not written again (one write fewer per request).
    last_used_moved_back(timedelta(seconds=30))
    assert bed.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert last_used_moved_back(None) >= timedelta(seconds=30)
    # Used 29 minutes ago: still live, and the request records the new last use.
    last_used_moved_back(timedelta(minutes=29))
    assert bed.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert last_used_moved_back(None) < timedelta(seconds=30)


def test_absolute_expiry(bed: Bed) -> None:
    token = bed.login("screener_a")
    with bed.site.transaction() as session:
        record = session.get(ApiToken, token_digest(token))
        assert record is not None
        record.expires_at = record.created_at
    headers = {"Authorization": f"Bearer {token}"}
    assert bed.client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_wrong_password_and_unknown_user_look_the_same(bed: Bed) -> None:
    wrong = bed.client.post("/api/v1/auth/token", data={"username": "screener_a", "password": "x"})
    unknown = bed.client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_repeated_failures_are_slowed_per_account(bed: Bed) -> None:
    for _ in range(5):
        bed.client.post("/api/v1/auth/token", data={"username": "surgeon", "password": "nope"})
    locked = bed.client.post(
        "/api/v1/auth/token", data={"username": "surgeon", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert int(locked.headers["retry-after"]) >= 1
    # The account stays locked from another address too; other accounts there are fine.
    with TestClient(bed.client.app, client=("192.0.2.7", 40000)) as elsewhere:
        form = {"username": "surgeon", "password": PASSWORD}
        assert elsewhere.post("/api/v1/auth/token", data=form).status_code == 429
        form = {"username": "reviewer", "password": PASSWORD}
        assert elsewhere.post("/api/v1/auth/token", data=form).status_code == 200


def test_repeated_failures_are_slowed_per_client(bed: Bed) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        bed.client.post("/api/v1/auth/token", data={"username": name, "password": "nope"})
    locked = bed.client.post(
        "/api/v1/auth/token", data={"username": "manager", "password": PASSWORD}
    )
    assert locked.status_code == 429
