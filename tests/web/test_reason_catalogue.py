"""Triage reasons in English and Chinese from one catalogue, on the screener's result page."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from brightline.acuity import VA_6_60
from brightline.api.app import create_app
from brightline.reasons import REASON_KINDS, UNRECOGNISED, placeholders, reason, render
from brightline.settings import Settings
from brightline.site import Site, initialise
from brightline.triage import DEFAULT_RULES, EyeFindings, TriageInput, TriageRules, triage
from brightline.web.i18n import reason_catalogue, translations
from tests.conftest import ADMIN_PASSWORD, add_staff, build_world
from tests.test_reasons import COVERING, URGENT_BELOW_6_60
from tests.test_triage import NO_URGENT_SYMPTOMS, URGENT_COMPLICATION
from tests.web.conftest import WebBed, submit

CHINESE = translations("zh_Hans").gettext
# One programme with every rule that changes a reason's wording: urgent complications, no
# urgent symptoms, urgent below 6/60.
OTHER_RULES = replace(
    DEFAULT_RULES,
    version="test-other-1",
    complication_urgent=True,
    urgent_symptoms=frozenset(),
    urgent_better_eye_worse_than=VA_6_60,
)
OTHER_PROGRAMME = """
[programme]
name = "Other rules programme"

[triage]
version = "test-other-1"
complication_urgent = true
urgent_symptoms = []
urgent_better_eye_worse_than = "6/60"
"""


def test_every_code_has_english_and_chinese_text_with_its_parameters() -> None:
    for kind in REASON_KINDS:
        if kind.code == UNRECOGNISED:
            continue
        chinese = CHINESE(kind.template)
        assert kind.template.strip(), kind.code
        assert chinese != kind.template, f"{kind.code} has no Chinese text"
        assert placeholders(chinese) == set(kind.parameters), kind.code
    for word in ("right eye", "left eye", "sudden loss of vision", "painful red eye"):
        assert CHINESE(word) != word


def test_the_catalogue_exports_both_languages_as_data() -> None:
    exported = reason_catalogue()
    assert set(exported) == {"en", "zh_Hans"}
    codes = {kind.code for kind in REASON_KINDS}
    assert set(exported["en"]["templates"]) == set(exported["zh_Hans"]["templates"]) == codes
    assert (
        exported["zh_Hans"]["templates"]["suspected_cataract"] == "%(eye)s晶状体混浊：疑似白内障。"
    )
    assert exported["zh_Hans"]["words"]["eye"] == {"right": "右眼", "left": "左眼"}
    assert exported["zh_Hans"]["templates"][UNRECOGNISED] == "%(text)s"


def test_chinese_rendering_of_a_reason() -> None:
    given = reason("presenting_worse_than", eye="right", va="CF", limit="6/12")
    assert render(given, CHINESE) == "右眼日常生活视力 CF，低于 6/12。"
    assert render(reason("symptom_urgent", symptom="trauma"), CHINESE) == "报告有眼外伤：紧急。"


@pytest.fixture(scope="module")
def other_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebBed]:
    """An installation whose programme file uses OTHER_RULES."""
    home = tmp_path_factory.mktemp("other")
    programme = home / "programme.toml"
    programme.write_text(OTHER_PROGRAMME, encoding="utf-8")
    settings = Settings(home=home / "home", programme_file=programme)
    initialise(settings, admin_password=ADMIN_PASSWORD)
    site = Site.open(settings)
    try:
        assert site.programme.triage == OTHER_RULES
        world = build_world(site)
        add_staff(site)
        yield WebBed(site, world, create_app(site))
    finally:
        site.close()


def _form(findings: TriageInput) -> dict[str, object]:
    """The screening form as a screener fills it for these findings."""
    data: dict[str, object] = {"symptoms": sorted(findings.symptoms)}
    for side in ("right", "left"):
        found = findings.eye(side)
        data[f"{side}_presenting_va"] = found.presenting.snellen_metric if found.presenting else ""
        data[f"{side}_pinhole_va"] = found.pinhole.snellen_metric if found.pinhole else ""
        data[f"{side}_lens"] = found.lens or ""
        data[f"{side}_untestable"] = found.untestable or ""
    return data


def _as_entered(findings: TriageInput) -> TriageInput:
    """The findings as a screener can now enter them: an eye neither measured nor marked is
    marked "not attempted" (a screening with neither is refused at entry)."""

    def entered(found: EyeFindings) -> EyeFindings:
        if found.presenting is None and found.untestable is None:
            return replace(found, untestable="not_attempted")
        return found

    return replace(findings, right=entered(findings.right), left=entered(findings.left))


def _screen_in_chinese(bed: WebBed, cases: list[TriageInput], rules: TriageRules) -> set[str]:
    """Screen each case through the Chinese screener form; return the reason codes shown."""
    client: TestClient = bed.signed_in("screener_a")
    client.get("/lang/zh_Hans")
    shown: set[str] = set()
    for number, case in enumerate(cases):
        findings = _as_entered(case)
        registered = submit(
            client,
            "/screener/register",
            "/screener/register",
            {"name": f"Case {number}", "sex": "female", "birth_year": "1950"},
        )
        person_url = registered.headers["location"]
        page = submit(client, f"{person_url}/screen", f"{person_url}/screen", _form(findings))
        assert page.status_code == 201, page.text
        body = html.unescape(page.text)
        for given in triage(findings, rules).reasons:
            chinese = render(given, CHINESE)
            assert f"<li>{chinese}</li>" in body, (given, chinese)
            assert render(given) not in body
            shown.add(given.code)
    return shown


def test_the_chinese_result_page_shows_the_chinese_sentence_for_every_code(
    web: WebBed, other_web: WebBed
) -> None:
    default_cases = [f for f, rules in COVERING if rules.same_rules_as(DEFAULT_RULES)]
    shown = _screen_in_chinese(web, default_cases, DEFAULT_RULES)
    changed = (URGENT_COMPLICATION, NO_URGENT_SYMPTOMS, URGENT_BELOW_6_60)
    other_cases = [f for f, rules in COVERING if rules in changed]
    shown |= _screen_in_chinese(other_web, other_cases, OTHER_RULES)
    # "presenting_not_measured" is only on screenings stored before an eye had to be measured
    # or marked untestable; its Chinese wording is checked above with every other code.
    assert shown == {kind.code for kind in REASON_KINDS} - {UNRECOGNISED, "presenting_not_measured"}
