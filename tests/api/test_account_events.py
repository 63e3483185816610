"""Account events over the API: each one an audit entry naming actor and subject by pseudonym."""

from __future__ import annotations

from sqlalchemy import select

from brightline.audit.reports import access_report, transparency_report
from brightline.store.models import AuditEntry
from tests.accounts.helpers import account_entries, log_verifies, pseudonym_of
from tests.api.conftest import PASSWORD, Bed

NEW_PASSWORD = "lantern-rice-harbour-7"


def _create(bed: Bed, username: str = "screener_c", **extra: str) -> dict[str, object]:
    body = {"username": username, "password": NEW_PASSWORD, "role": "screener"}
    body["scope"] = "facility:CL-A"
    body.update(extra)
    response = bed.post("admin", "/users", body)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_creating_an_account_is_logged_with_the_admin_and_the_new_account(bed: Bed) -> None:
    _create(bed)
    entry = account_entries(bed.site)[-1]
    assert entry["action"] == "account.create" and entry["outcome"] == "allowed"
    assert entry["actor"] == pseudonym_of(bed.site, "admin") and entry["role"] == "admin"
    assert entry["account"] == pseudonym_of(bed.site, "screener_c")
    assert entry["record"] is None and entry["purpose"] is None
    # The log holds pseudonyms only: no username, no password.
    with bed.site.transaction() as session:
        texts = session.scalars(select(AuditEntry.entry)).all()
    assert not any("screener_c" in t or NEW_PASSWORD in t for t in texts)
    assert log_verifies(bed.site)


def test_role_scope_password_disable_and_enable_are_each_logged(bed: Bed) -> None:
    _create(bed)
    changed = bed.client.patch(
        "/api/v1/users/Screener_C",
        json={"role": "surgeon", "scope": "facility:SC-1"},
        headers=bed.as_("admin"),
    )
    assert changed.status_code == 200 and changed.json()["role"] == "surgeon"
    assert (
        bed.post("admin", "/users/screener_c/password", {"password": "x" * 11}).status_code == 422
    )
    assert bed.post(
        "admin", "/users/screener_c/password", {"password": NEW_PASSWORD + "!"}
    ).is_success
    assert bed.post("admin", "/users/screener_c/disable", {}).json()["active"] is False
    assert bed.post("admin", "/users/screener_c/enable", {}).json()["active"] is True
    subject = pseudonym_of(bed.site, "screener_c")
    admin = pseudonym_of(bed.site, "admin")
    events = [(e["action"], e["actor"], e["account"]) for e in account_entries(bed.site)]
    assert events[-5:] == [
        ("account.create", admin, subject),
        ("account.update", admin, subject),
        ("account.password", admin, subject),
        ("account.disable", admin, subject),
        ("account.enable", admin, subject),
    ]
    assert log_verifies(bed.site)


def test_only_admins_manage_accounts(bed: Bed) -> None:
    for who in ("screener_a", "privacy", "manager"):
        assert bed.post(who, "/users/reviewer/disable", {}).status_code == 403
    missing = bed.post("admin", "/users/nobody/disable", {})
    assert missing.status_code == 404 and "nobody" in missing.text


def test_an_admin_cannot_disable_their_own_account(bed: Bed) -> None:
    refused = bed.post("admin", "/users/ADMIN/disable", {})
    assert refused.status_code == 422 and "your own account" in refused.text


def test_sign_in_failure_and_sign_out_are_logged(bed: Bed) -> None:
    token = bed.login("screener_a")
    wrong = bed.client.post(
        "/api/v1/auth/token", data={"username": "screener_a", "password": "not-the-password"}
    )
    assert wrong.status_code == 401
    headers = {"Authorization": f"Bearer {token}"}
    assert bed.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    screener = pseudonym_of(bed.site, "screener_a")
    events = account_entries(bed.site)[-3:]
    assert [(e["action"], e["actor"], e["role"], e["account"], e["outcome"]) for e in events] == [
        ("account.sign_in", screener, "screener", screener, "allowed"),
        ("account.sign_in_failed", "unknown", "unknown", screener, "denied"),
        ("account.sign_out", screener, "screener", screener, "allowed"),
    ]
    assert events[1]["reason"] == "wrong password"
    assert log_verifies(bed.site)


def test_a_failed_sign_in_of_an_unknown_username_names_no_account(bed: Bed) -> None:
    typed = "mallory-guessing"
    response = bed.client.post(
        "/api/v1/auth/token", data={"username": typed, "password": "whatever-it-is"}
    )
    assert response.status_code == 401
    entry = account_entries(bed.site)[-1]
    assert entry["action"] == "account.sign_in_failed" and entry["actor"] == "unknown"
    assert "account" not in entry and entry["reason"] == "no such account"
    with bed.site.transaction() as session:
        texts = session.scalars(select(AuditEntry.entry)).all()
    assert not any(typed in text for text in texts)


def test_throttled_sign_ins_are_logged_though_refused(bed: Bed) -> None:
    for _ in range(6):
        bed.client.post("/api/v1/auth/token", data={"username": "reviewer", "password": "nope"})
    locked = bed.client.post(
        "/api/v1/auth/token", data={"username": "reviewer", "password": PASSWORD}
    )
    assert locked.status_code == 429
    entry = account_entries(bed.site)[-1]
    assert entry["action"] == "account.sign_in_failed"
    assert entry["reason"] == "too many failed sign-ins"
    assert entry["account"] == pseudonym_of(bed.site, "reviewer")


def test_disabling_revokes_every_token_at_once(bed: Bed) -> None:
    first, second = bed.login("screener_b"), bed.login("screener_b")
    for token in (first, second):
        me = bed.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
    assert bed.post("admin", "/users/screener_b/disable", {}).status_code == 200
    for token in (first, second):
        me = bed.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
    # A disabled account cannot sign in; enabled again, it can, and old tokens stay dead.
    refused = bed.client.post(
        "/api/v1/auth/token", data={"username": "screener_b", "password": PASSWORD}
    )
    assert refused.status_code == 401
    assert account_entries(bed.site)[-1]["reason"] == "account disabled"
    assert bed.post("admin", "/users/screener_b/enable", {}).status_code == 200
    fresh = bed.login("screener_b")
    assert bed.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {fresh}"}
    ).is_success
    old = bed.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {first}"})
    assert old.status_code == 401


def test_a_new_password_revokes_the_old_tokens(bed: Bed) -> None:
    token = bed.login("manager")
    assert bed.post("admin", "/users/manager/password", {"password": NEW_PASSWORD}).is_success
    me = bed.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    assert bed.login("manager", NEW_PASSWORD)


def test_privacy_officers_read_the_account_events_with_usernames(bed: Bed) -> None:
    _create(bed)
    bed.as_("privacy")  # signed in before the failed attempt: that is the newest event
    bed.client.post("/api/v1/auth/token", data={"username": "screener_c", "password": "wrong!"})
    response = bed.get("privacy", "/audit/account-events?limit=5")
    assert response.status_code == 200, response.text
    events = response.json()
    assert events[0]["action"] == "account.sign_in_failed"
    assert events[0]["username"] == "screener_c" and events[0]["actor_role"] == "unknown"
    created = next(e for e in events if e["action"] == "account.create")
    assert created["username"] == "screener_c" and created["actor_role"] == "admin"
    assert created["actor"] == pseudonym_of(bed.site, "admin")[:8]
    assert len(events) <= 5
    assert all(e["at"].endswith("Z") for e in events)  # UTC, like every time the API sends
    for who in ("admin", "screener_a", "manager"):
        assert bed.get(who, "/audit/account-events").status_code == 403


def test_account_events_stay_out_of_the_patient_and_transparency_reports(bed: Bed) -> None:
    person = bed.register()
    bed.screen(person["id"])
    with bed.site.transaction() as session:
        before = access_report(session, bed.site.keys, person["id"])
        counted = sum(row.count for row in transparency_report(session))
    _create(bed)
    bed.login("screener_c", NEW_PASSWORD)
    bed.post("admin", "/users/screener_c/disable", {})
    with bed.site.transaction() as session:
        after = access_report(session, bed.site.keys, person["id"])
        assert sum(row.count for row in transparency_report(session)) == counted
        accounts = session.scalar(
            select(AuditEntry.position).where(AuditEntry.action == "account.disable")
        )
    assert [line.action for line in after] == [line.action for line in before]
    assert accounts is not None and all(line.index != accounts for line in after)
    assert all(line.verifies() for line in after)
