"""Differentially private releases: managers propose, privacy officers approve or refuse;
the published figures are public (``/public/releases``, no sign-in)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from brightline.access.releases import published_release, published_releases
from brightline.analytics.release import release_file
from brightline.api.bounds import PathId
from brightline.api.deps import CallerDep, SiteDep
from brightline.api.openapi_errors import SIGNED_IN, errors
from brightline.api.release_schemas import (
    LedgerPublic,
    PublishedReleasePublic,
    ReleaseCreate,
    ReleaseDecision,
    ReleasePublic,
)
from brightline.disclosure_records import ReleaseProposal

router = APIRouter(tags=["releases"])
SIGNED = {**SIGNED_IN, **errors(409, 422)}


@router.post("/releases", response_model=ReleasePublic, status_code=201, responses=SIGNED)
def propose(body: ReleaseCreate, caller: CallerDep) -> ReleasePublic:
    """Propose a release of your region (managers); refused if the ε budget cannot pay."""
    proposal = ReleaseProposal(body.title, body.level, body.start, body.end, body.epsilons)
    with caller.access() as access:
        return ReleasePublic.of(access.propose_release(proposal))


@router.get("/releases", response_model=list[ReleasePublic], responses=SIGNED_IN)
def list_releases(caller: CallerDep) -> list[ReleasePublic]:
    """Every release, proposed, refused or published (managers, privacy officers)."""
    with caller.access() as access:
        return [ReleasePublic.of(r) for r in access.releases()]


@router.get("/releases/ledger", response_model=LedgerPublic, responses=SIGNED_IN)
def ledger(caller: CallerDep) -> LedgerPublic:
    """The privacy budget ledger: each year's ε spent and remaining, and every charge."""
    with caller.access() as access:
        return LedgerPublic.of(access.privacy_ledger())


@router.get("/releases/{release_id}", response_model=ReleasePublic, responses=SIGNED_IN)
def show(release_id: PathId, caller: CallerDep) -> ReleasePublic:
    """One release (managers, privacy officers)."""
    with caller.access() as access:
        return ReleasePublic.of(access.release(release_id))


@router.post("/releases/{release_id}/approve", response_model=ReleasePublic, responses=SIGNED)
def approve(release_id: PathId, body: ReleaseDecision, caller: CallerDep) -> ReleasePublic:
    """Approve a release (privacy officers, not its proposer): it is computed once, now."""
    with caller.access() as access:
        return ReleasePublic.of(access.approve_release(release_id, body.note))


@router.post("/releases/{release_id}/refuse", response_model=ReleasePublic, responses=SIGNED)
def refuse(release_id: PathId, body: ReleaseDecision, caller: CallerDep) -> ReleasePublic:
    """Refuse a release (privacy officers, not its proposer): nothing is computed."""
    with caller.access() as access:
        return ReleasePublic.of(access.refuse_release(release_id, body.note))


@router.get("/public/releases", response_model=list[PublishedReleasePublic], responses=errors(422))
def public_index(site: SiteDep) -> list[PublishedReleasePublic]:
    """Every published release, with its figures: public, no sign-in (no decision note)."""
    return [PublishedReleasePublic.of(r) for r in published_releases(site)]


@router.get("/public/releases/{release_id}.json", responses=errors(404, 422))
def public_json(release_id: PathId, site: SiteDep) -> Response:
    """One published release as JSON, exactly as it was computed (no fresh noise, ever)."""
    release = published_release(site, release_id)
    assert release.result is not None
    body, media, headers = release_file(release.id, release.result, "json")
    return Response(body, media_type=media, headers=headers)


@router.get(
    "/public/releases/{release_id}.csv",
    responses={200: {"content": {"text/csv": {}}}, **errors(404, 422)},
)
def public_csv(release_id: PathId, site: SiteDep) -> Response:
    """One published release as CSV, exactly as it was computed."""
    release = published_release(site, release_id)
    assert release.result is not None
    body, media, headers = release_file(release.id, release.result, "csv")
    return Response(body, media_type=media, headers=headers)
