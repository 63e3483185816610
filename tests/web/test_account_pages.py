"""Account pages: the admin's list with disable/enable buttons, the privacy officer's events."""

from __future__ import annotations

import re

from brightline.service.accounts import add_user
from tests.accounts.helpers import account_entries, log_verifies, pseudonym_of
from tests.conftest import ADMIN_PASSWORD, PASSWORD
from tests.web.conftest import WebBed, submit


def _add(web: WebBed, username: str) -> None:
    with web.site.transaction() as session:
        add_user(session, username, PASSWORD, "manager", "all", profile="test")


def test_the_admin_disables_an_account_from_the_list_and_its_session_ends(web: WebBed) -> None:
    _add(web, "web_manager")
    victim = web.signed_in("web_manager")
    assert victim.get("/manager").status_code == 200
    admin = web.signed_in("admin", ADMIN_PASSWORD)
    page = admin.get("/admin")
    assert page.status_code == 200
    row = re.search(r'<tr id="account-web_manager">.*?</tr>', page.text, re.S)
    assert row and "Active" in row.group(0)
    assert 'action="/admin/accounts/web_manager/disable"' in row.group(0)
    assert 'action="/admin/accounts/admin/' not in page.text  # no button against oneself
    done = submit(admin, "/admin", "/admin/accounts/web_manager/disable", {})
    assert done.status_code == 303 and done.headers["location"] == "/admin#accounts"
    assert victim.get("/manager").status_code in (303, 401)  # its token is revoked
    row = re.search(r'<tr id="account-web_manager">.*?</tr>', admin.get("/admin").text, re.S)
    assert row and "Disabled" in row.group(0) and "/enable" in row.group(0)
    submit(admin, "/admin", "/admin/accounts/web_manager/enable", {})
    assert web.signed_in("web_manager").get("/manager").status_code == 200
    actions = [e["action"] for e in account_entries(web.site)]
    assert actions[-3:] == ["account.disable", "account.enable", "account.sign_in"]
    assert log_verifies(web.site)


def test_disabling_needs_the_csrf_token_and_an_admin(web: WebBed) -> None:
    admin = web.signed_in("admin", ADMIN_PASSWORD)
    forged = admin.post("/admin/accounts/reviewer/disable", data={})
    assert forged.status_code == 403
    screener = web.signed_in("screener_a")
    refused = submit(screener, "/screener", "/admin/accounts/reviewer/disable", {})
    assert refused.status_code == 403
    assert web.signed_in("reviewer").get("/reviewer").status_code == 200


def test_the_privacy_page_lists_account_events_with_usernames(web: WebBed) -> None:
    _add(web, "web_events")
    web.signed_in("web_events")
    stranger = web.client()
    wrong = submit(stranger, "/sign-in", "/sign-in", {"username": "nobody-here", "password": "x"})
    assert wrong.status_code == 401
    client = web.signed_in("privacy")
    page = client.get("/privacy").text
    section = page[page.index('id="account-events"') : page.index('aria-labelledby="tr-title"')]
    assert "Account events" in section
    # The actor by role and pseudonym prefix, the subject account by its username.
    prefix = pseudonym_of(web.site, "web_events")[:8]
    assert (
        f"<td>Signed in</td><td>Programme manager <code>{prefix}</code></td>"
        '<td><span translate="no">web_events</span></td>' in section
    )
    assert "Failed sign-in" in section and "no such account" in section
    assert "nobody-here" not in page
    client.get("/lang/zh_Hans")
    chinese = client.get("/privacy").text
    assert "账户事件" in chinese and "已登录" in chinese and "登录失败" in chinese
    assert "无此账户" in chinese and "Account events" not in chinese
    client.get("/lang/en")


NEW_PASSWORD = "a long phrase nobody guesses"


def _code_of(page: str) -> str:
    found = re.search(r'id="one-time-code">([A-Z0-9-]+)<', page)
    assert found, "no one-time code on the page"
    return found.group(1)


def test_the_admin_creates_an_account_whose_holder_sets_the_password_with_the_code(
    web: WebBed,
) -> None:
    admin = web.signed_in("admin", ADMIN_PASSWORD)
    made = submit(
        admin,
        "/admin",
        "/admin/accounts",
        {"username": "new_grader", "role": "reviewer", "scope": "region:CA"},
    )
    assert made.status_code == 200 and "Account created" in made.text
    code = _code_of(made.text)
    row = re.search(r'<tr id="account-new_grader">.*?</tr>', admin.get("/admin").text, re.S)
    assert row and "region:CA" in row.group(0) and "Reviewer (ophthalmologist)" in row.group(0)
    # The holder chooses a password with the code, once.
    holder = web.client()
    form = {"username": "new_grader", "code": code.lower(), "new": NEW_PASSWORD}
    mismatch = submit(holder, "/reset-password", "/reset-password", {**form, "again": "other"})
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    done = submit(holder, "/reset-password", "/reset-password", {**form, "again": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/sign-in?changed=1"
    again = submit(holder, "/reset-password", "/reset-password", {**form, "again": NEW_PASSWORD})
    assert again.status_code == 401 and "not right" in again.text  # used up
    assert web.signed_in("new_grader", NEW_PASSWORD).get("/reviewer").status_code == 200
    actions = [e["action"] for e in account_entries(web.site)]
    assert actions[-4:] == [
        "account.create",
        "account.password",
        "account.password",
        "account.sign_in",
    ]
    assert log_verifies(web.site)


def test_account_form_errors_are_shown_next_to_the_field(web: WebBed) -> None:
    admin = web.signed_in("admin", ADMIN_PASSWORD)
    refused = submit(
        admin,
        "/admin",
        "/admin/accounts",
        {"username": "bad name", "role": "screener", "scope": "all"},
    )
    assert refused.status_code == 422
    assert 'id="username-error"' in refused.text and "letters, digits" in refused.text
    assert 'value="bad name"' in refused.text  # what was typed is kept
    facility = submit(
        admin,
        "/admin",
        "/admin/accounts",
        {"username": "clinic2", "role": "screener", "scope": "all"},
    )
    assert facility.status_code == 422 and "must be scoped to a facility" in facility.text


def test_the_admin_changes_role_and_scope_and_resets_a_password(web: WebBed) -> None:
    _add(web, "web_moved")
    victim = web.signed_in("web_moved")
    admin = web.signed_in("admin", ADMIN_PASSWORD)
    moved = submit(
        admin,
        "/admin",
        "/admin/accounts/web_moved/placement",
        {"role": "reviewer", "scope": "region:CB"},
    )
    assert moved.status_code == 303
    row = re.search(r'<tr id="account-web_moved">.*?</tr>', admin.get("/admin").text, re.S)
    assert row and "region:CB" in row.group(0)
    reset = submit(admin, "/admin", "/admin/accounts/web_moved/reset", {})
    assert reset.status_code == 200 and "Password reset" in reset.text
    assert victim.get("/reviewer").status_code in (303, 401)  # the session ended
    old = web.client()
    page = old.get("/sign-in")
    from tests.web.conftest import csrf_of

    wrong = old.post(
        "/sign-in",
        data={"username": "web_moved", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert wrong.status_code == 401  # the old password no longer works
    assert 'action="/admin/accounts/admin/reset"' not in admin.get("/admin").text


def test_regions_facilities_and_settings_on_the_admin_page(web: WebBed) -> None:
    admin = web.signed_in("admin", ADMIN_PASSWORD)
    region = submit(
        admin,
        "/admin",
        "/admin/regions",
        {"code": "TC", "name": "Township C", "level": "township", "parent": "CA"},
    )
    assert region.status_code == 303
    clash = submit(
        admin,
        "/admin",
        "/admin/regions",
        {"code": "TC", "name": "Again", "level": "township", "parent": "CA"},
    )
    assert clash.status_code == 422 and 'value="Again"' in clash.text
    facility = submit(
        admin,
        "/admin",
        "/admin/facilities",
        {"code": "CL-C", "name": "Clinic C", "kind": "clinic", "region": "TC"},
    )
    assert facility.status_code == 303
    page = admin.get("/admin").text
    assert "Township C" in page and "Clinic C" in page and "Screening clinic" in page
    settings = page[page.index('id="settings"') :]
    assert "BRIGHTLINE_SNAPSHOT_REFRESH_MINUTES" in settings
    assert "BRIGHTLINE_DATABASE_URL</code></td><td>not set" in settings
    manager = web.signed_in("manager")
    assert submit(manager, "/manager", "/admin/regions", {"code": "X"}).status_code == 403


def test_staff_change_their_own_password(web: WebBed) -> None:
    _add(web, "web_self")
    client = web.signed_in("web_self")
    page = client.get("/account")
    assert page.status_code == 200 and "web_self" in page.text
    wrong = submit(
        client,
        "/account",
        "/account/password",
        {"current": "not it", "new": NEW_PASSWORD, "again": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and 'id="current-error"' in wrong.text
    short = submit(
        client,
        "/account",
        "/account/password",
        {"current": PASSWORD, "new": "short", "again": "short"},
    )
    assert short.status_code == 422 and "at least 12 characters" in short.text
    done = submit(
        client,
        "/account",
        "/account/password",
        {"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD},
    )
    assert done.status_code == 303 and done.headers["location"] == "/sign-in?changed=1"
    assert client.get("/account").status_code in (303, 401)
    assert web.signed_in("web_self", NEW_PASSWORD).get("/account").status_code == 200
    assert [e["action"] for e in account_entries(web.site)][-2:] == [
        "account.password",
        "account.sign_in",
    ]
    client = web.signed_in("web_self", NEW_PASSWORD)
    client.get("/lang/zh_Hans")
    assert "修改我的密码" in client.get("/account").text
    client.get("/lang/en")
