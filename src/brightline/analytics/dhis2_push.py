"""Send a ``dataValueSets`` payload to a DHIS2 Web API: a dry run first, then the import.

Authentication comes from the environment (``BRIGHTLINE_DHIS2_TOKEN``, a personal access
token, or ``BRIGHTLINE_DHIS2_USERNAME`` and ``BRIGHTLINE_DHIS2_PASSWORD``); over plain
http:// they would travel readable by anyone on the way, so that needs ``insecure``. The dry
run's import summary must report no conflicts and no error, or nothing is imported; an answer
that is not DHIS2's JSON (a login page, a proxy's error) stops the push (``PushFailed``).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from brightline.errors import BrightlineError, InvalidInput
from brightline.settings import Settings

TIMEOUT_SECONDS = 60


class PushFailed(BrightlineError):
    """DHIS2 (or what answered in its place) sent something that is not its JSON answer."""

    code = "push_failed"


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


def authorisation(settings: Settings) -> str:
    """The Authorization header from the environment's credentials, or a refusal naming them."""
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


def check_address(base_url: str, *, insecure: bool) -> str:
    """The DHIS2 base URL as typed, refused if it is not http(s), or http:// unless
    ``insecure`` (credentials would cross the network in clear text)."""
    if not base_url.startswith(("https://", "http://")):
        raise InvalidInput(
            f"--push {base_url!r} is not an http(s) address; write https://…", field="push"
        )
    if base_url.startswith("http://") and not insecure:
        raise InvalidInput(
            f"--push {base_url!r} is plain http://: the DHIS2 credentials would be sent "
            "unencrypted; use https://, or add --insecure on a network you trust",
            field="push",
        )
    return base_url


def _not_json(url: str, status: int, content_type: str | None, body: str) -> PushFailed:
    shown = content_type or "no content type"
    return PushFailed(
        f"DHIS2 answered {status} ({shown}) at {url}, not a JSON import summary: check that "
        f"--push is the DHIS2 base URL and the credentials are valid (it began: {body[:120]!r})",
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
            text = response.read().decode("utf-8", "replace")
            kind = response.headers.get("Content-Type")
            try:
                answer: Any = json.loads(text)
            except ValueError as exc:
                raise _not_json(url, response.status, kind, text) from exc
            if not isinstance(answer, dict):
                raise _not_json(url, response.status, kind, text)
            return answer
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")
        try:
            answer = json.loads(body)
        except ValueError:
            raise _not_json(url, error.code, error.headers.get("Content-Type"), body) from error
        if not isinstance(answer, dict):
            raise _not_json(url, error.code, error.headers.get("Content-Type"), body) from error
        if "response" in answer or "importCount" in answer:
            return dict(answer)
        raise InvalidInput(
            f"DHIS2 answered {error.code}: {answer.get('message', body[:200])}", field="push"
        ) from error
    except (urllib.error.URLError, TimeoutError) as error:
        raise InvalidInput(f"cannot reach DHIS2 at {url}: {error}", field="push") from error


def push(
    base_url: str, payload: dict[str, Any], settings: Settings, *, insecure: bool = False
) -> tuple[ImportSummary, ImportSummary | None]:
    """Dry run, then (if clean) the real import; the two summaries (None: not imported)."""
    header = authorisation(settings)
    check_address(base_url, insecure=insecure)
    endpoint = base_url.rstrip("/") + "/api/dataValueSets"
    body = json.dumps(payload).encode("utf-8")
    dry = ImportSummary.of(_post(endpoint + "?dryRun=true", body, header))
    if not dry.clean:
        return dry, None
    return dry, ImportSummary.of(_post(endpoint, body, header))
