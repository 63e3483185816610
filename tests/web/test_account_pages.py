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
        f"<td>Signed in</td><td>Programme manager <code>{prefix}</code></td><td>web_events</td>"
        in section
    )
    assert "Failed sign-in" in section and "no such account" in section
    assert "nobody-here" not in page
    client.get("/lang/zh_Hans")
    chinese = client.get("/privacy").text
    assert "账户事件" in chinese and "已登录" in chinese and "登录失败" in chinese
    assert "无此账户" in chinese and "Account events" not in chinese
    client.get("/lang/en")
