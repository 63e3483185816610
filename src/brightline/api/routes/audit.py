"""The audit log for outsiders: the signed checkpoint and Merkle proofs (RFC 9162).

Checkpoints and proofs hold only hashes, so they are public: patients, witnesses and
auditors fetch them without an account. Counts per role and purpose are for privacy
officers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from brightline.api.bounds import MAX_POSITION, UtcTime
from brightline.api.deps import CallerDep, SiteDep
from brightline.api.openapi_errors import PUBLIC, SIGNED_IN, errors_beside
from brightline.audit.tree import (
    consistency_proof,
    inclusion_proof,
    latest_checkpoint,
    root_at,
    tree_size,
)
from brightline.errors import InvalidInput, NotFound

router = APIRouter(prefix="/audit", tags=["audit log"], responses=PUBLIC)


class InclusionProofPublic(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    root: str
    proof: list[str]


class ConsistencyProofPublic(BaseModel):
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]


class AccountEventPublic(BaseModel):
    position: int
    at: UtcTime
    action: str
    outcome: str
    actor_role: str
    actor: str = Field(description="The first characters of the acting staff pseudonym.")
    account: str | None = Field(description="The first characters of the subject's pseudonym.")
    username: str | None = Field(description="The subject account (None: no such account).")
    reason: str | None


class TransparencyPublic(BaseModel):
    month: str
    role: str
    purpose: str | None
    outcome: str
    count: int


@router.get("/checkpoint", response_class=PlainTextResponse, responses=errors_beside(404, 422))
def checkpoint(site: SiteDep) -> PlainTextResponse:
    """The latest signed tree head as a C2SP signed note, with any witness co-signatures."""
    with site.transaction() as session:
        latest = latest_checkpoint(session)
    if latest is None:
        raise NotFound("no checkpoint has been signed yet; run 'brightline audit checkpoint'")
    return PlainTextResponse(latest.signed_note, media_type="text/plain; charset=utf-8")


@router.get("/verifier-key", response_class=PlainTextResponse, responses=errors_beside(404, 422))
def verifier_key(site: SiteDep) -> PlainTextResponse:
    """The public key that checkpoints are signed with (name+keyid+key, signed-note format)."""
    return PlainTextResponse(site.audit_signer().verifier_key() + "\n")


@router.get("/proof/inclusion", response_model=InclusionProofPublic)
def inclusion(
    site: SiteDep,
    index: Annotated[int, Query(ge=0, le=MAX_POSITION, description="Leaf index of the entry.")],
    size: Annotated[
        int | None, Query(ge=1, le=MAX_POSITION, description="Tree size (default: current).")
    ] = None,
) -> InclusionProofPublic:
    """Proof that entry ``index`` is in the tree of ``size`` entries."""
    with site.transaction() as session:
        if index >= (size if size is not None else tree_size(session)):
            raise InvalidInput("index must be smaller than the tree size", field="index")
        proof = inclusion_proof(session, index, size)
    return InclusionProofPublic(
        index=proof.index,
        tree_size=proof.tree_size,
        leaf_hash=proof.leaf_hash.hex(),
        root=proof.root.hex(),
        proof=[step.hex() for step in proof.path],
    )


@router.get("/proof/consistency", response_model=ConsistencyProofPublic)
def consistency(
    site: SiteDep,
    old: Annotated[int, Query(ge=1, le=MAX_POSITION, description="The earlier tree size.")],
    new: Annotated[
        int | None, Query(ge=1, le=MAX_POSITION, description="The later size (default: current).")
    ] = None,
) -> ConsistencyProofPublic:
    """Proof that the tree of ``old`` entries is a prefix of the tree of ``new`` entries."""
    with site.transaction() as session:
        new_size = new if new is not None else tree_size(session)
        if old > new_size:
            raise InvalidInput("old must not be larger than new", field="old")
        proof = consistency_proof(session, old, new_size)
        return ConsistencyProofPublic(
            old_size=old,
            new_size=new_size,
            old_root=root_at(session, old).hex(),
            new_root=root_at(session, new_size).hex(),
            proof=[step.hex() for step in proof],
        )


@router.get("/transparency", response_model=list[TransparencyPublic], responses=SIGNED_IN)
def transparency(caller: CallerDep) -> list[TransparencyPublic]:
    """Accesses per month by role, purpose and outcome (privacy officers)."""
    with caller.access() as access:
        return [
            TransparencyPublic(
                month=row.month,
                role=row.role,
                purpose=row.purpose,
                outcome=row.outcome,
                count=row.count,
            )
            for row in access.transparency()
        ]


@router.get("/account-events", response_model=list[AccountEventPublic], responses=SIGNED_IN)
def account_events(
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=200, description="How many, newest first.")] = 50,
) -> list[AccountEventPublic]:
    """Recent account events: created, changed, disabled, signed in or out (privacy officers)."""
    with caller.access() as access:
        return [
            AccountEventPublic(
                position=e.position,
                at=e.at,
                action=e.action,
                outcome=e.outcome,
                actor_role=e.actor_role,
                actor=e.actor,
                account=e.account,
                username=e.username,
                reason=e.reason,
            )
            for e in access.account_events(limit)
        ]
