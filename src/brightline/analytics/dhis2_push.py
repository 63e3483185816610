"""Send a ``dataValueSets`` payload to a DHIS2 Web API: a dry run first, then the import.

Authentication comes from the environment (``BRIGHTLINE_DHIS2_TOKEN``, a personal access
token, or ``BRIGHTLINE_DHIS2_USERNAME`` and ``BRIGHTLINE_DHIS2_PASSWORD``). The dry run's
import summary must report no conflicts and no error, or nothing is imported.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from brightline.errors import InvalidInput
from brightline.settings import Settings

TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class ImportSummary:
    """DHIS2's import summary of one request (2.36 and later wrap it in ``response``)."""

    status: str
    imported: int
    updated: int
    ignored: int
    deleted: int
    conflicts: list[str]

    @classmethod
    def of(cls, answer: dict[str, Any]) -> ImportSummary:
        """Read the summary from DHIS2's answer, wrapped or not."""
        summary = answer.get("response", answer)
        counts = summary.get("importCount", {})
        conflicts = [
            str(c.get("value") or c.get("object") or c) for c in summary.get("conflicts", [])
        ]
        return cls(
            str(summary.get("status", answer.get("status", "UNKNOWN"))),
            int(counts.get("imported", 0)),
            int(counts.get("updated", 0)),
            int(counts.get("ignored", 0)),
            int(counts.get("deleted", 0)),
            conflicts,
        )

    @property
    def clean(self) -> bool:
        """No conflict and no error: the real import may follow."""
        return not self.conflicts and self.status not in ("ERROR", "WARNING")

    def line(self) -> str:
        """The summary as one line for the terminal."""
        text = (
            f"{self.status}: imported {self.imported}, updated {self.updated}, "
            f"ignored {self.ignored}, deleted {self.deleted}"
        )
        return text + "".join(f"\n  conflict: {c}" for c in self.conflicts)


def _authorisation(settings: Settings) -> str:
    if settings.dhis2_token is not None:
        return f"ApiToken {settings.dhis2_token.get_secret_value()}"
    if settings.dhis2_username and settings.dhis2_password is not None:
        pair = f"{settings.dhis2_username}:{settings.dhis2_password.get_secret_value()}"
        return "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    raise InvalidInput(
        "set BRIGHTLINE_DHIS2_TOKEN (a personal access token) or BRIGHTLINE_DHIS2_USERNAME "
        "and BRIGHTLINE_DHIS2_PASSWORD to push to DHIS2",
        field="push",
    )


def _post(url: str, payload: bytes, authorisation: str) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise InvalidInput(f"--push {url!r} is not an http(s) address", field="push")
    request = urllib.request.Request(  # noqa: S310  (the scheme is checked above)
        url,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": authorisation,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read().decode("utf-8"))
            return answer
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")
        try:
            answer = json.loads(body)
        except ValueError:
            raise InvalidInput(
                f"DHIS2 answered {error.code} at {url}: {body[:200]}", field="push"
            ) from error
        if "response" in answer or "importCount" in answer:
            return dict(answer)
        raise InvalidInput(
            f"DHIS2 answered {error.code}: {answer.get('message', body[:200])}", field="push"
        ) from error
    except (urllib.error.URLError, TimeoutError) as error:
        raise InvalidInput(f"cannot reach DHIS2 at {url}: {error}", field="push") from error


def push(
    base_url: str, payload: dict[str, Any], settings: Settings
) -> tuple[ImportSummary, ImportSummary | None]:
    """Dry run, then (if clean) the real import; the two summaries (None: not imported)."""
    authorisation = _authorisation(settings)
    endpoint = base_url.rstrip("/") + "/api/dataValueSets"
    body = json.dumps(payload).encode("utf-8")
    dry = ImportSummary.of(_post(endpoint + "?dryRun=true", body, authorisation))
    if not dry.clean:
        return dry, None
    return dry, ImportSummary.of(_post(endpoint, body, authorisation))
