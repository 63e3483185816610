"""The programme file: the built-in default, a programme's own rules, and every refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from brightline.acuity import VA_6_18, parse_va
from brightline.programme import Programme, ProgrammeError, load_programme, programme_from_toml
from brightline.triage import DEFAULT_RULES, EyeFindings, TriageInput, triage

COUNTY = """
[programme]
name = "Example county cataract programme"
va_notation = "imperial"
date_format = "%d/%m/%Y"

[triage]
version = "example-county-2025-1"
refer_worse_than = "6/18"

[worklist]
not_attended_days = 30

[review]
turnaround_target_days = 7
"""


def write(tmp_path: Path, text: str) -> Path:
    """A programme file on disk, as a programme manager would save it."""
    path = tmp_path / "county.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_programme_loads_the_default_rules() -> None:
    programme = load_programme()
    assert programme == Programme(
        name="Brightline demonstration programme",
        triage=DEFAULT_RULES,
        worklist_not_attended_days=14,
        va_notation="metric",
        date_format="%Y-%m-%d",
        review_turnaround_target_days=None,
    )


def test_programme_file_with_6_18_threshold_changes_triage(tmp_path: Path) -> None:
    programme = load_programme(write(tmp_path, COUNTY))
    assert programme.triage.refer_worse_than == VA_6_18
    assert programme.worklist_not_attended_days == 30
    assert programme.va_notation == "imperial"
    assert programme.date_format == "%d/%m/%Y"
    assert programme.review_turnaround_target_days == 7
    findings = TriageInput(
        right=EyeFindings(presenting=parse_va("6/15")),
        left=EyeFindings(presenting=parse_va("6/6")),
    )
    assert triage(findings, load_programme().triage).decision == "review"
    result = triage(findings, programme.triage)
    assert (result.decision, result.rule_version) == ("none", "example-county-2025-1")


def test_minimal_file_takes_the_defaults() -> None:
    text = '[programme]\nname = "Small"\n[triage]\nversion = "who-default-1"\n'
    programme = programme_from_toml(text, source="small.toml")
    assert programme.triage == DEFAULT_RULES
    assert programme.worklist_not_attended_days == 14


# fmt: off
INVALID = [
    # line in COUNTY, replaced by, key named in the error, valid values shown
    ('refer_worse_than = "6/18"', 'refer_worse_than = "6/24"',
     "triage.refer_worse_than", '"6/12", "6/18"'),
    ('refer_worse_than = "6/18"', 'refer_worse_then = "6/18"',
     "triage.refer_worse_then", "refer_worse_than"),
    ('refer_worse_than = "6/18"', "refer_worse_than = 18",
     "triage.refer_worse_than", '"6/12"'),
    ('version = "example-county-2025-1"', 'version = "who-default-1"',
     "triage.version", "new version"),
    ("not_attended_days = 30", "not_attended_days = 0",
     "worklist.not_attended_days", "1 to 365"),
    ("not_attended_days = 30", "not_attended_days = 400",
     "worklist.not_attended_days", "1 to 365"),
    ("not_attended_days = 30", 'not_attended_days = "30"',
     "worklist.not_attended_days", "1 to 365"),
    ("not_attended_days = 30", "not_attended_days = true",
     "worklist.not_attended_days", "1 to 365"),
    ("not_attended_days = 30", "not_attend_days = 30",
     "worklist.not_attend_days", "not_attended_days"),
    ("turnaround_target_days = 7", "turnaround_target_days = 7.5",
     "review.turnaround_target_days", "1 to 365"),
    ('va_notation = "imperial"', 'va_notation = "snellen"',
     "programme.va_notation", '"metric"'),
    ('date_format = "%d/%m/%Y"', 'date_format = "%d/%m"',
     "programme.date_format", "%Y-%m-%d"),
    ('name = "Example county cataract programme"', 'name = ""',
     "programme.name", "text"),
    ('name = "Example county cataract programme"', "",
     "programme.name", "missing"),
    ("[worklist]", "[worklists]",
     "[worklists]", "[worklist]"),
]
# fmt: on


@pytest.mark.parametrize(("old", "new", "key", "valid"), INVALID)
def test_invalid_setting_names_file_key_and_valid_values(
    tmp_path: Path, old: str, new: str, key: str, valid: str
) -> None:
    assert old in COUNTY
    path = write(tmp_path, COUNTY.replace(old, new))
    with pytest.raises(ProgrammeError) as raised:
        load_programme(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert key in message
    assert valid in message


def test_section_written_as_a_value_is_refused() -> None:
    text = "worklist = 3\n" + COUNTY.replace("[worklist]\nnot_attended_days = 30\n", "")
    with pytest.raises(ProgrammeError, match=r"^county\.toml: worklist must be a table"):
        programme_from_toml(text, source="county.toml")


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, COUNTY.replace('refer_worse_than = "6/18"', "refer_worse_than = 6/18"))
    with pytest.raises(ProgrammeError, match=r"line 9") as raised:
        load_programme(path)
    assert str(raised.value).startswith(f"{path}: not a valid programme file")


def test_missing_file_is_a_programme_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ProgrammeError, match="cannot read the programme file"):
        load_programme(path)
