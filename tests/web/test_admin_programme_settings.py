"""The programme's settings on the admin page: the form, its refusals, a stale form, the audit
entry, the history, the Chinese section, and the change seen by another process."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from brightline.access.operator import acting_as_account
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.models import AuditEntry
from brightline.web.words import SETTING_HELP
from tests.conftest import ADMIN_PASSWORD
from tests.web.conftest import WebBed, csrf_of
from tests.web.test_chinese_walk import (
    CHINESE,
    ascii_punctuation_beside_chinese,
    english_in,
    visible_text,
)

REASON = "The county asked for a longer follow-up window this year"


def _admin(web: WebBed) -> TestClient:
    return web.signed_in("admin", ADMIN_PASSWORD)


def _version_of(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, "no settings form on the page"
    return match.group(1)


def _values(page: str) -> dict[str, str]:
    """The settings form's values as the page shows them."""
    found = {
        name: value
        for name, value in re.findall(
            r'id="programme-[a-z_]+" name="([a-z_]+)"[^>]*value="([^"]*)"', page
        )
    }
    notation = re.search(
        r'<option value="([a-z]+)" selected>', page.split('id="programme-va_notation"')[1]
    )
    assert notation
    return {**found, "va_notation": notation.group(1)}


def _change(client: TestClient, changes: dict[str, str], reason: str = REASON) -> Any:
    page = client.get("/admin").text
    data = {**_values(page), **changes, "reason": reason, "version": _version_of(page)}
    return client.post("/admin/programme", data={**data, "csrf_token": csrf_of(page)})


def _settings_section(html: str) -> str:
    start = html.index('<section id="settings"')
    return html[start : html.index("</section>", start)]


def test_a_change_takes_effect_is_audited_and_kept_in_the_history(web: WebBed) -> None:
    client = _admin(web)
    before = web.site.programme
    with web.site.transaction() as session:
        entries = session.scalar(
            select(AuditEntry.position).order_by(AuditEntry.position.desc()).limit(1)
        )
    answer = _change(client, {"window_first_day": "21", "window_last_day": "90"})
    assert answer.status_code == 303 and answer.headers["location"] == "/admin#settings"
    with web.site.transaction() as session:
        new = list(session.scalars(select(AuditEntry.entry).where(AuditEntry.position > entries)))
    texts = [e if isinstance(e, str) else e.decode() for e in new]
    changes = [e for e in texts if '"programme.change"' in e]
    assert len(changes) == 1
    assert "changed=window_first_day,window_last_day" in changes[0]
    assert REASON not in changes[0]  # free text stays out of the public log
    assert web.site.programme.follow_up_window_days == (21, 90)
    assert web.site.programme.triage == before.triage
    section = _settings_section(client.get("/admin").text)
    history = section[section.index('id="settings-history"') :]
    assert REASON in history and ">admin<" in history
    assert "Follow-up window: last day after surgery" in history and ">90<" in history


def test_every_problem_is_shown_beside_its_field_and_nothing_is_stored(web: WebBed) -> None:
    client = _admin(web)
    version = web.site.in_force
    answer = _change(
        client,
        {
            "name": " ",
            "date_format": "%Y",
            "not_attended_days": "400",
            "window_first_day": "60",
            "window_last_day": "30",
            "va_notation": "snellen",
        },
        reason="ok",
    )
    assert answer.status_code == 422
    page = answer.text
    for field, words in {
        "name": "Write some text here.",
        "date_format": "does not show a full date",
        "not_attended_days": "from 1 to 365",
        "window_last_day": "on or after the first day (60)",
        "va_notation": "Choose one of: metric, imperial, decimal, logmar.",
        "reason": "at least 10 letters",
    }.items():
        shown = re.search(rf'id="programme-{field}-error">([^<]*)<', page)
        assert shown and words in shown.group(1), field
    assert 'id="programme-name"' in page and 'aria-invalid="true"' in page
    with web.site.transaction():
        assert web.site.in_force == version
    client.cookies.update(CHINESE)
    chinese = client.post(
        "/admin/programme",
        data={"name": "", "reason": "", "version": "0", "csrf_token": csrf_of(page)},
    )
    assert chinese.status_code == 422 and "请" in _settings_section(chinese.text)


def test_a_stale_form_is_refused_with_409(web: WebBed) -> None:
    first, second = _admin(web), _admin(web)
    opened = second.get("/admin").text
    assert _change(first, {"not_attended_days": "21"}).status_code == 303
    data = {**_values(opened), "not_attended_days": "10", "reason": REASON}
    stale = second.post(
        "/admin/programme",
        data={**data, "version": _version_of(opened), "csrf_token": csrf_of(opened)},
    )
    assert stale.status_code == 409
    assert "changed since you opened this page" in stale.text
    assert 'value="21"' in stale.text  # the form shows what is in force now
    assert web.site.programme.worklist_not_attended_days == 21


def test_only_an_admin_may_change_the_settings(web: WebBed) -> None:
    client = web.signed_in("manager")
    page = client.get("/manager").text
    refused = client.post(
        "/admin/programme",
        data={"name": "X", "reason": REASON, "version": "0", "csrf_token": csrf_of(page)},
    )
    assert refused.status_code == 403


def test_a_second_process_sees_the_change_at_its_next_transaction(web: WebBed) -> None:
    other = Site.open(Settings(home=web.site.settings.home))
    try:
        assert other.programme.name == web.site.programme.name
        assert _change(_admin(web), {"name": "Lishui County Eye Programme"}).status_code == 303
        assert other.programme.name != "Lishui County Eye Programme"  # nothing asked yet
        with acting_as_account(other, None) as access:
            view = access.programme_settings()
        assert other.programme.name == "Lishui County Eye Programme"
        assert view.history[0].changed == ("name",)
    finally:
        other.close()


def test_the_settings_section_is_all_chinese(web: WebBed) -> None:
    client = _admin(web)
    assert _change(client, {"turnaround_target_days": "7"}).status_code == 303
    client.cookies.update(CHINESE)
    page = client.get("/admin").text
    words, _ = english_in(_programme_part(page), (web.site.programme.name,))
    assert words == []
    assert "随访窗口" in _settings_section(page)
    rules = _programme_part(page)[_programme_part(page).index('id="triage-rules"') :]
    assert "built-in" not in rules and "内置文件" in rules
    assert "任一眼日常生活视力低于此值时转诊" in rules and "眼红眼痛" in rules and ">否<" in rules


def _programme_part(html: str) -> str:
    """The settings section up to the installation settings (read by their own test), its
    ``id`` left out so that the walk's parser reads it."""
    section = _settings_section(html).replace('<section id="settings"', "<section", 1)
    return section[: section.index('id="installation-settings"')]


def test_the_triage_rules_are_shown_in_words_with_their_file_keys(web: WebBed) -> None:
    section = _settings_section(_admin(web).get("/admin").text)
    rules = section[section.index('id="triage-rules"') : section.index('id="installation-')]
    assert "built-in file <code" in rules and ">brightline/programme/default.toml<" in rules
    row = re.search(r'id="triage-refer_worse_than"><td>([^<]*)</td>\s*<td>(.*?)</td>', rules)
    assert row and row.group(1) == (
        "Refer a person when either eye&#39;s presenting VA is worse than"
    )
    assert row.group(2) == '<span translate="no">6/12</span>'
    symptoms = rules.split('id="triage-urgent_symptoms"')[1].split("</tr>")[0]
    assert "<li>Painful red eye</li>" in symptoms and "painful_red_eye" not in symptoms
    urgent = rules.split('id="triage-complication_urgent"')[1].split("</tr>")[0]
    assert "<td>No</td>" in urgent and '<code translate="no">complication_urgent</code>' in urgent
    assert '"6/12"' not in rules and "false" not in rules  # no raw TOML values


def test_every_installation_setting_is_worded_as_its_help() -> None:
    assert {name: SETTING_HELP.get(name) for name in Settings.model_fields} == {
        name: info.description for name, info in Settings.model_fields.items()
    }


def test_secrets_show_only_whether_they_are_set(web: WebBed) -> None:
    section = _settings_section(_admin(web).get("/admin").text)
    row = re.search(r"BRIGHTLINE_DHIS2_TOKEN</code></td><td>([^<]*)<", section)
    assert row and row.group(1) == "not set"


def test_the_chinese_admin_page_uses_full_width_colons(web: WebBed) -> None:
    client = _admin(web)
    assert _change(client, {"not_attended_days": "21"}).status_code == 303
    client.cookies.update(CHINESE)
    page = client.get("/admin").text
    # The settings section is read here too (the walk leaves it to this module).
    text = visible_text(page.replace('<section id="settings"', "<section"))
    assert "范围：" in text and "现行版本：" in text
    assert "转诊后未就诊多少天列入随访名单：" in text
    assert ascii_punctuation_beside_chinese(text) == []
