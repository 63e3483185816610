"""Languages of the web UI: gettext catalogues read with Babel at start-up, no build step.

The ``.po`` files are compiled in memory when first needed, so editing a translation needs
no ``msgfmt`` run; English is the source language and needs no catalogue.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from brightline import reasons
from brightline.acuity import AcuityError, parse_va
from brightline.programme import Programme

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "lang"
# BCP 47 tags for <html lang>, so screen readers pick the right voice.
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans"}
# Accept-Language tags written for Simplified Chinese (Traditional falls back to English).
_SIMPLIFIED = ("zh", "zh-cn", "zh-sg", "zh-hans", "zh-hans-cn", "zh-my")


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; it is translated where shown."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of ``language``, compiled from its ``.po`` file once per process."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def reason_catalogue() -> dict[str, dict[str, Any]]:
    """Every language's triage reason wordings as data (``reasons.catalogue``), for offline apps."""
    return {language: reasons.catalogue(translations(language).gettext) for language in LANGUAGES}


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages for an Accept-Language header, by quality value."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for order, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        tag = tag.strip().lower().replace("_", "-")
        if tag in _SIMPLIFIED:
            ranked.append((quality, -order, "zh_Hans"))
        elif tag == "en" or tag.startswith("en-"):
            ranked.append((quality, -order, "en"))
    ranked = [r for r in ranked if r[0] > 0]
    return max(ranked)[2] if ranked else None


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The switch (cookie) wins, then the browser's preference, then English."""
    if cookie in LANGUAGES:
        return cookie
    return from_accept_language(accept_language) or DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Formats:
    """Words, dates, numbers and visual acuity as one request's language and programme want."""

    language: str
    programme: Programme

    @property
    def gettext(self) -> Callable[[str], str]:
        """Translate one message."""
        return translations(self.language).gettext

    @property
    def ngettext(self) -> Callable[[str, str, int], str]:
        """Translate one message whose wording depends on a count (1 time, 2 times)."""
        return translations(self.language).ngettext

    @property
    def pgettext(self) -> Callable[[str, str], str]:
        """Translate one message in a context: the same English word with two meanings."""
        return translations(self.language).pgettext

    def date(self, value: date | datetime | None) -> str:
        """A date in the programme's format (digits only: it reads the same in any language)."""
        if value is None:
            return ""
        return value.strftime(self.programme.date_format)

    def datetime(self, value: datetime | None) -> str:
        """A date and time (UTC, minutes)."""
        if value is None:
            return ""
        return f"{self.date(value)} {value:%H:%M}"

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """A number with the language's grouping."""
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.language)

    def label(self, words: str) -> str:
        """Words before a value with the language's colon ("Scope: ", Chinese "范围："), so the
        punctuation is translated with them and never an ASCII colon after Chinese words.
        ``label("")`` is the colon alone, after a value that is data (a code, a date)."""
        return self.gettext(N_("%(label)s: ")) % {"label": words}

    def rate(self, value: float | None) -> str:
        """A rate with at most one decimal (2,501.3; 2,501), as the printed report shows it."""
        if value is None:
            return "–"
        return format_decimal(value, format="#,##0.#", locale=self.language)

    def percent(self, value: float | None) -> str:
        """A share as a percentage."""
        if value is None:
            return "–"
        return format_percent(value, format="#,##0%", locale=self.language)

    def reasons(self, stored: str) -> list[str]:
        """A screening's stored triage reasons (JSON codes), worded in this language."""
        return [
            reasons.render(given, self.gettext, self.va) for given in reasons.from_stored(stored)
        ]

    def va(self, written: str | None) -> str:
        """A stored VA shown in the programme's notation (what the slip and screens use)."""
        if not written:
            return "–"
        try:
            return parse_va(written).format(self.programme.va_notation)
        except AcuityError:
            return written
