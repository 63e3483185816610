"""A verification that finds the audit log changed is told on the privacy page in the reader's
language, with the verifier's technical sentence kept beside it as detail."""

from __future__ import annotations

from tests.audit.helpers import tamper
from tests.web.conftest import WebBed, csrf_of
from tests.web.test_chinese_walk import english_in
from tests.web.test_pages import register_and_screen


def _verify(web: WebBed, language: str) -> str:
    client = web.signed_in("privacy")
    client.get(f"/lang/{language}")
    page = client.get("/privacy")
    answer = client.post("/privacy/verify", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303
    shown = client.get("/privacy").text
    start = shown.index('<dd id="last-verification"')
    return shown[start : shown.index("</dd>", start)]


def test_a_changed_entry_is_named_in_words_in_both_languages(web: WebBed) -> None:
    register_and_screen(web, web.signed_in("screener_a"), "Pan Yulan")
    assert "Intact" in _verify(web, "en")
    tamper(
        web.site,
        "UPDATE audit_entries SET entry = replace(entry, 'treatment', 'quality')"
        " WHERE position = (SELECT MAX(position) FROM audit_entries"
        " WHERE entry LIKE '%treatment%')",
    )
    english = _verify(web, "en")
    assert "PROBLEMS FOUND" in english
    assert "An entry was changed after it was written." in english
    assert "(first at entry" in english and '<code class="detail">' in english
    chinese = _verify(web, "zh_Hans")
    assert "有一条记录在写入后被修改。" in chinese and "最早见于第" in chinese
    # Nothing English outside the technical detail (shown as code) and the allowed words.
    assert english_in(chinese)[0] == []
