"""Web security: CSRF on every POST, the Content-Security-Policy, cookie flags, sign-in/out."""

from __future__ import annotations

import pytest

from brightline.web.app import CONTENT_SECURITY_POLICY
from brightline.web.session import SESSION_COOKIE
from tests.web.conftest import PASSWORD, WebBed, csrf_of, submit


def test_post_without_or_with_a_wrong_csrf_token_is_refused(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    body = {"name": "Li Fang", "sex": "female", "birth_year": "1950"}
    assert client.post("/screener/register", data=body).status_code == 403
    refused = client.post("/screener/register", data={**body, "csrf_token": "0" * 64})
    assert refused.status_code == 403
    assert "Nothing was saved" in refused.text
    accepted = submit(client, "/screener/register", "/screener/register", body)
    assert accepted.status_code == 303


def test_a_token_from_another_session_is_refused(web: WebBed) -> None:
    mine, theirs = web.signed_in("screener_a"), web.signed_in("screener_a")
    their_token = csrf_of(theirs.get("/screener/register").text)
    body = {"sex": "male", "birth_year": "1950", "csrf_token": their_token}
    assert mine.post("/screener/register", data=body).status_code == 403


def test_sign_in_form_needs_its_csrf_token(web: WebBed) -> None:
    client = web.client()
    refused = client.post("/sign-in", data={"username": "screener_a", "password": PASSWORD})
    assert refused.status_code == 403
    assert SESSION_COOKIE not in refused.cookies


def test_pages_carry_the_security_headers_and_the_api_docs_do_not(web: WebBed) -> None:
    client = web.client()
    for url in ("/", "/sign-in", "/patient", "/static/brightline.css"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert client.get("/").headers["cache-control"] == "no-store"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "content-security-policy" not in docs.headers


def test_session_cookie_flags_and_sign_out_revokes_the_token(web: WebBed) -> None:
    client = web.client()
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"username": "reviewer", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/reviewer"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert "secure" not in flags  # plain http in tests; https sets Secure
    token = client.cookies[SESSION_COOKIE]
    assert client.get("/reviewer").status_code == 200
    out = submit(client, "/reviewer", "/sign-out", {})
    assert out.status_code == 303
    # The old token no longer works, even if a copy of the cookie was kept.
    stale = web.client()
    stale.cookies.set(SESSION_COOKIE, token)
    again = stale.get("/reviewer")
    assert again.status_code == 303 and again.headers["location"].startswith("/sign-in")


def test_secure_cookie_over_https(web: WebBed) -> None:
    client = web.client()
    client.base_url = client.base_url.copy_with(scheme="https")
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"username": "reviewer", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "secure" in [part.strip().lower() for part in cookie.split(";")]


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(web: WebBed) -> None:
    client = web.client()
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"username": "reviewer", "password": "nope", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    assert SESSION_COOKIE not in response.cookies


@pytest.mark.parametrize("url", ["/screener", "/reviewer", "/centre", "/manager", "/privacy"])
def test_pages_need_sign_in(web: WebBed, url: str) -> None:
    response = web.client().get(url)
    assert response.status_code == 303
    assert response.headers["location"] == f"/sign-in?next={url}"


def test_redirect_after_sign_in_stays_on_this_site(web: WebBed) -> None:
    client = web.client()
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "username": "reviewer",
            "password": PASSWORD,
            "next": "//evil.example/",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert response.headers["location"] == "/reviewer"
