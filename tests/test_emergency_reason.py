"""Emergency reasons must hold real words: invisible marks, digits and punctuation count nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.access.emergency_reason import check_emergency_reason
from brightline.errors import InvalidInput

ZERO_WIDTH_SPACE = "\u200b"


@pytest.mark.parametrize(
    "reason",
    [
        ZERO_WIDTH_SPACE * 10,
        ZERO_WIDTH_SPACE * 40 + "\u200d\u2060\ufeff\u202e",
        "!!!!!!!!!!!!....------",
        "1234567890123",
        "  \t\n \u3000 ",
        "help me",  # two words, six letters
        "病人昏",  # three ideographs
        "ab" + ZERO_WIDTH_SPACE * 20 + "cd",
    ],
)
def test_reasons_without_enough_words_are_refused(reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_emergency_reason(reason)
    assert refused.value.field == "reason"
    assert "letters" in str(refused.value)


@pytest.mark.parametrize(
    "reason",
    [
        "Unconscious at our clinic after a fall",
        "  unconscious  ",
        "病人昏迷",  # "the patient is unconscious": four ideographs
        "病人昏迷，需要病史。",
        "Paciente inconsciente",
        "患者 fell over",  # two ideographs (5 letters' worth) and eight letters
    ],
)
def test_reasons_in_words_are_accepted_trimmed(reason: str) -> None:
    assert check_emergency_reason(reason) == reason.strip()


_NOT_LETTERS = st.characters(categories=["Cf", "Zs", "Zl", "Zp", "Cc", "Nd", "No", "P", "S"])


@given(st.text(_NOT_LETTERS, max_size=200))
def test_nothing_but_marks_digits_and_spaces_is_ever_a_reason(reason: str) -> None:
    with pytest.raises(InvalidInput):
        check_emergency_reason(reason)
