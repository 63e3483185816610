"""The published releases, for anyone, without sign-in: an index, a page per release, files.

The figures were made to be public (differentially private, ``docs/privacy.md``); each page
and file shows exactly what was stored when the release was computed, never fresh noise.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.releases import published_release, published_release_page, published_releases
from brightline.analytics.release import release_file
from brightline.disclosure_records import ReleaseRecord
from brightline.errors import NotFound
from brightline.web.release_view import release_page, release_summary
from brightline.web.render import formats, render
from brightline.web.session import PageNotFound, site_of

router = APIRouter(prefix="/public/releases")


def _published(request: Request, release_id: str) -> ReleaseRecord:
    try:
        return published_release(site_of(request), release_id)
    except NotFound as exc:
        raise PageNotFound() from exc


@router.get("", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """Every published release, newest first, each with its period, level and ε."""
    fmt = formats(request)
    releases = [release_summary(r, fmt) for r in published_releases(site_of(request))]
    return render(request, "public/releases.html", releases=releases)


# The file routes come first: "{release_id}" alone would also match "abc.csv".
@router.get("/{release_id}.csv")
def release_as_csv(request: Request, release_id: str) -> Response:
    """One published release as CSV, byte for byte as stored (the same file as the API's)."""
    release = _published(request, release_id)
    assert release.result is not None
    body, media, headers = release_file(release.id, release.result, "csv")
    return Response(body, media_type=media, headers=headers)


@router.get("/{release_id}.json")
def release_as_json(request: Request, release_id: str) -> Response:
    """One published release as JSON, exactly as it was computed."""
    release = _published(request, release_id)
    assert release.result is not None
    body, media, headers = release_file(release.id, release.result, "json")
    return Response(body, media_type=media, headers=headers)


@router.get("/{release_id}", response_class=HTMLResponse)
def release(request: Request, release_id: str) -> HTMLResponse:
    """One release in plain words: what is counted, ε, how large the noise is, the tables."""
    try:
        page = published_release_page(site_of(request), release_id)
    except NotFound as exc:
        raise PageNotFound() from exc
    return render(request, "public/release.html", **release_page(page, formats(request)))
