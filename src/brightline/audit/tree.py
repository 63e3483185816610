"""The audit log as stored: proofs in O(log n) lookups and signed, witnessed checkpoints.

Leaves are ``audit_entries.leaf_hash`` and perfect interior nodes are ``audit_nodes`` rows,
both written by :class:`brightline.audit.log.AuditLog`, so a proof reads a few stored hashes
and never rehashes the tree (RFC 9162 §2.1). Checkpoints are C2SP signed notes
(:mod:`brightline.audit.checkpoint`); witnesses' signatures are kept beside them.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Select, and_, bindparam, insert, or_, select
from sqlalchemy.orm import Session

from brightline.audit import merkle
from brightline.audit.checkpoint import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    open_note,
    sign_note,
)
from brightline.errors import InvalidInput, NotFound
from brightline.store.models import (
    AuditCheckpoint,
    AuditCosignature,
    AuditEntry,
    AuditHead,
    AuditNode,
)
from brightline.timestamps import utcnow

if TYPE_CHECKING:
    from brightline.site import Site

# Keys per lookup query: well under SQLite's limit of 32,766 bound variables.
_LOOKUP_CHUNK = 5000
_PLACEHOLDER = bytes(merkle.HASH_SIZE)

T = TypeVar("T")


_ENTRIES = AuditEntry.__table__.c
_NODES = AuditNode.__table__.c
_LEAVES_QUERY = select(_ENTRIES.position, _ENTRIES.leaf_hash).where(
    _ENTRIES.position.in_(bindparam("positions", expanding=True))
)


@functools.cache
def _nodes_query(levels: int) -> Select[int, int, bytes]:
    """Nodes on ``levels`` levels, one indexed lookup per level; built once per level count.

    SQLite would scan the whole table for a row-value IN over (level, idx), which would make
    every append and every proof O(n).
    """
    return select(_NODES.level, _NODES.idx, _NODES.hash).where(
        or_(
            *(
                and_(
                    _NODES.level == bindparam(f"level_{number}"),
                    _NODES.idx.in_(bindparam(f"indexes_{number}", expanding=True)),
                )
                for number in range(levels)
            )
        )
    )


class MissingTreeNode(LookupError):
    """A hash the tree needs is not in the store: the log is damaged (``audit verify`` says how)."""


# ---------------------------------------------------------------------------------------------
# The stored tree and its proofs.
# ---------------------------------------------------------------------------------------------


class StoredTree:
    """SubtreeSource over the stored log, with batched lookups of the hashes a proof needs."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._hashes: dict[tuple[int, int], bytes] = {}

    def prefetch(self, nodes: Iterable[tuple[int, int]]) -> None:
        """Load the hashes of perfect subtrees given as (level, index), a few queries in all."""
        wanted = sorted({node for node in nodes if node not in self._hashes})
        for offset in range(0, len(wanted), _LOOKUP_CHUNK):
            self._load(wanted[offset : offset + _LOOKUP_CHUNK])

    def _load(self, nodes: list[tuple[int, int]]) -> None:
        by_level: dict[int, list[int]] = {}
        for level, index in nodes:
            by_level.setdefault(level, []).append(index)
        connection = self._session.connection()
        leaves = by_level.pop(0, None)
        if leaves:
            for position, digest in connection.execute(_LEAVES_QUERY, {"positions": leaves}):
                self._hashes[(0, position)] = bytes(digest)
        if by_level:
            params: dict[str, object] = {}
            for number, (level, indexes) in enumerate(by_level.items()):
                params[f"level_{number}"], params[f"indexes_{number}"] = level, indexes
            for level, index, digest in connection.execute(_nodes_query(len(by_level)), params):
                self._hashes[(level, index)] = bytes(digest)

    def subtree(self, start: int, size: int) -> bytes:
        """Return the hash of perfect subtree [start, start + size) (RFC 9162 §2.1.1)."""
        level = size.bit_length() - 1
        if size < 1 or size != 1 << level or start % size:
            raise ValueError(f"[{start}, {start + size}) is not a perfect subtree")
        node = (level, start >> level)
        if node not in self._hashes:
            self.prefetch([node])
        try:
            return self._hashes[node]
        except KeyError:
            what = f"leaf {start}" if level == 0 else f"node (level {level}, index {node[1]})"
            raise MissingTreeNode(f"the audit log's {what} is missing from the store") from None


class _Planner:
    """SubtreeSource that only records which subtrees an operation asks for."""

    def __init__(self) -> None:
        self.nodes: list[tuple[int, int]] = []

    def subtree(self, start: int, size: int) -> bytes:
        level = size.bit_length() - 1
        self.nodes.append((level, start >> level))
        # The RFC recursions choose subtrees from sizes and indexes alone, never from hash
        # values, so a placeholder lets a dry run list every lookup up front.
        return _PLACEHOLDER


def _batched(session: Session, operation: Callable[[merkle.SubtreeSource], T]) -> T:
    """Run a Merkle operation over the stored tree, fetching every hash it needs in one batch."""
    planner = _Planner()
    operation(planner)
    tree = StoredTree(session)
    tree.prefetch(planner.nodes)
    return operation(tree)


def tree_size(session: Session) -> int:
    """Number of entries in the log, as its head row records."""
    return session.scalar(select(AuditHead.size).where(AuditHead.id == 1)) or 0


def _check_size(session: Session, size: int | None, field: str = "size") -> int:
    """Return size, defaulting to the current tree size; refuse sizes the log never had."""
    current = tree_size(session)
    if size is None:
        return current
    if not 0 <= size <= current:
        raise InvalidInput(f"tree size must be in 0..{current}, got {size}", field=field)
    return size


def root_at(session: Session, size: int | None = None) -> bytes:
    """Root hash of the first ``size`` entries (default: all) in popcount(size) lookups."""
    checked = _check_size(session, size)
    return _batched(session, lambda source: merkle.root_from(source, checked))


@dataclass(frozen=True)
class InclusionProof:
    """Evidence that one leaf is in the tree of a given size and root (RFC 9162 §2.1.3)."""

    index: int
    tree_size: int
    leaf_hash: bytes
    root: bytes
    path: tuple[bytes, ...]

    def verifies(self) -> bool:
        """Tell whether the path leads from the leaf to the root (RFC 9162 §2.1.3.2)."""
        return merkle.verify_inclusion(
            self.leaf_hash, self.index, self.tree_size, list(self.path), self.root
        )


def inclusion_proofs(
    session: Session, indexes: Sequence[int], size: int | None = None
) -> list[InclusionProof]:
    """Inclusion proofs of several leaves in the tree of ``size``, from one batch of lookups."""
    checked = _check_size(session, size)
    for index in indexes:
        if not 0 <= index < checked:
            raise InvalidInput(
                f"leaf index must be in 0..{checked - 1} for a tree of size {checked}, got {index}",
                field="index",
            )

    def prove(source: merkle.SubtreeSource) -> list[InclusionProof]:
        root = merkle.root_from(source, checked)
        return [
            InclusionProof(
                index,
                checked,
                source.subtree(index, 1),
                root,
                tuple(merkle.inclusion_proof_from(source, index, checked)),
            )
            for index in indexes
        ]

    return _batched(session, prove)


def inclusion_proof(session: Session, index: int, size: int | None = None) -> InclusionProof:
    """Inclusion proof of leaf ``index`` in the tree of ``size`` entries (default: all)."""
    return inclusion_proofs(session, [index], size)[0]


def consistency_proofs(session: Session, pairs: Sequence[tuple[int, int]]) -> list[list[bytes]]:
    """Consistency proofs for (old size, new size) pairs, from one batch of lookups."""
    current = tree_size(session)
    for old, new in pairs:
        if not 0 < old <= new <= current:
            raise InvalidInput(
                f"sizes must satisfy 0 < old ≤ new ≤ {current}, got {old} and {new}", field="size"
            )
    return _batched(
        session,
        lambda source: [merkle.consistency_proof_from(source, old, new) for old, new in pairs],
    )


def consistency_proof(session: Session, old_size: int, new_size: int | None = None) -> list[bytes]:
    """Proof that the tree of ``old_size`` is a prefix of the one of ``new_size`` (RFC 9162)."""
    new = _check_size(session, new_size, "new_size")
    return consistency_proofs(session, [(old_size, new)])[0]


# ---------------------------------------------------------------------------------------------
# Checkpoints and witnesses.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as stored: the log-signed note and the witness signatures gathered since."""

    id: int
    size: int
    root_hash: bytes
    note_text: str
    witness_lines: tuple[str, ...]
    created_at: datetime

    @property
    def signed_note(self) -> str:
        """The note with the log's signature and every witness co-signature (signed-note)."""
        return self.note_text + "".join(line + "\n" for line in self.witness_lines)

    @property
    def root_base64(self) -> str:
        """The root hash as the checkpoint's third line writes it."""
        return base64.b64encode(self.root_hash).decode("ascii")


def _stored(session: Session, row: AuditCheckpoint) -> StoredCheckpoint:
    lines = session.scalars(
        select(AuditCosignature.signature_line)
        .where(AuditCosignature.checkpoint_id == row.id)
        .order_by(AuditCosignature.id)
    ).all()
    return StoredCheckpoint(
        row.id, row.size, bytes(row.root_hash), row.note_text, tuple(lines), row.created_at
    )


def _locked_size(session: Session) -> int:
    """The tree size, with the head row locked so no append or checkpoint runs alongside."""
    size = session.scalar(select(AuditHead.size).where(AuditHead.id == 1).with_for_update())
    return size or 0


def make_checkpoint(
    session: Session, signer: NoteSigner, origin: str, *, now: datetime | None = None
) -> StoredCheckpoint:
    """Sign the log's current size and root as a checkpoint note and store it."""
    # The lock keeps checkpoints in the order of the sizes they sign (SQLite: BEGIN IMMEDIATE).
    size = _locked_size(session)
    root = root_at(session, size)
    note = sign_note(Checkpoint(origin, size, root).body(), [signer])
    row = AuditCheckpoint(size=size, root_hash=root, note_text=note, created_at=now or utcnow())
    session.add(row)
    session.flush()
    return StoredCheckpoint(row.id, size, root, note, (), row.created_at)


def latest_checkpoint(session: Session) -> StoredCheckpoint | None:
    """The most recent checkpoint, with its witness signatures, or None before the first."""
    row = session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    ).first()
    return _stored(session, row) if row is not None else None


def checkpoint_due(
    session: Session, *, every: int, seconds: int, now: datetime | None = None
) -> bool:
    """Tell whether ``every`` entries or ``seconds`` have passed since the last checkpoint."""
    size = tree_size(session)
    last = session.execute(
        select(AuditCheckpoint.size, AuditCheckpoint.created_at)
        .order_by(AuditCheckpoint.id.desc())
        .limit(1)
    ).first()
    if last is None:
        since_size = 0
        since_time = session.scalar(select(AuditEntry.at).where(AuditEntry.position == 0))
    else:
        since_size, since_time = last.size, last.created_at
    if size <= since_size:
        # Nothing new to sign: a fresh checkpoint would only repeat the last one.
        return False
    if size - since_size >= every:
        return True
    return since_time is not None and (now or utcnow()) - since_time >= timedelta(seconds=seconds)


def maybe_checkpoint(
    session: Session,
    signer: NoteSigner,
    origin: str,
    *,
    every: int,
    seconds: int,
    now: datetime | None = None,
) -> StoredCheckpoint | None:
    """Make a checkpoint if one is due (see :func:`checkpoint_due`); two lookups when not."""
    if not checkpoint_due(session, every=every, seconds=seconds, now=now):
        return None
    _locked_size(session)
    # Another process may have signed while this one waited for the lock.
    if not checkpoint_due(session, every=every, seconds=seconds, now=now):
        return None
    return make_checkpoint(session, signer, origin, now=now)


def checkpoint_now(site: Site) -> StoredCheckpoint:
    """Sign and store a checkpoint of the site's log now, in its own transaction."""
    signer = site.audit_signer()
    with site.transaction() as session:
        return make_checkpoint(session, signer, site.settings.audit_origin, now=site.now())


def checkpoint_if_due(site: Site) -> StoredCheckpoint | None:
    """Sign a checkpoint if the site's thresholds say so; call it after committing an access."""
    settings = site.settings
    with site.transaction() as session:
        due = checkpoint_due(
            session,
            every=settings.audit_checkpoint_every,
            seconds=settings.audit_checkpoint_seconds,
            now=site.now(),
        )
        if not due:
            return None
        # The key file is read only when a checkpoint is actually due.
        return maybe_checkpoint(
            session,
            site.audit_signer(),
            settings.audit_origin,
            every=settings.audit_checkpoint_every,
            seconds=settings.audit_checkpoint_seconds,
            now=site.now(),
        )


def note_body(note_text: str) -> str:
    """The signed text of a note: everything up to the blank line before its signatures."""
    return note_text[: note_text.rfind("\n\n") + 1]


def _signature_line(note_text: str, key: NoteVerifier) -> str:
    """The signature line of ``key`` in a note that open_note has already accepted."""
    for line in note_text[note_text.rfind("\n\n") + 2 :].splitlines():
        name, _, encoded = line[2:].partition(" ")
        if name == key.name and base64.b64decode(encoded)[:4] == key.key_id:
            return line
    raise InvalidInput(f"the note carries no signature by {key.name}", field="note")


def add_witness_cosignature(
    session: Session,
    note_text: str,
    witness_key: str,
    log_key: str,
    *,
    now: datetime | None = None,
) -> StoredCheckpoint:
    """Keep a witness's signature on a stored checkpoint, once it verifies over the same body."""
    try:
        witness = NoteVerifier.from_key_string(witness_key)
        log = NoteVerifier.from_key_string(log_key)
    except ValueError as error:
        raise InvalidInput(str(error), field="witness_key") from None
    if (witness.name, witness.key_id) == (log.name, log.key_id):
        raise InvalidInput("the witness key is the log's own key", field="witness_key")
    try:
        open_note(note_text, [log])
    except ValueError as error:
        raise InvalidInput(f"not a checkpoint signed by this log: {error}", field="note") from None
    try:
        open_note(note_text, [witness])
    except ValueError as error:
        raise InvalidInput(f"no valid signature by {witness.name}: {error}", field="note") from None
    body = note_body(note_text)
    try:
        checkpoint = Checkpoint.parse(body.encode("utf-8"))
    except ValueError as error:
        raise InvalidInput(f"not a checkpoint: {error}", field="note") from None
    candidates = session.scalars(
        select(AuditCheckpoint)
        .where(
            AuditCheckpoint.size == checkpoint.size,
            AuditCheckpoint.root_hash == checkpoint.root_hash,
        )
        .order_by(AuditCheckpoint.id)
    ).all()
    row = next((c for c in candidates if note_body(c.note_text) == body), None)
    if row is None:
        raise NotFound(
            f"no stored checkpoint of size {checkpoint.size} has this text", field="note"
        )
    witness_string = witness.to_key_string()
    already = session.scalar(
        select(AuditCosignature.id).where(
            AuditCosignature.checkpoint_id == row.id,
            AuditCosignature.witness_key == witness_string,
        )
    )
    if already is None:
        session.execute(
            insert(AuditCosignature),
            [
                {
                    "checkpoint_id": row.id,
                    "witness_key": witness_string,
                    "signature_line": _signature_line(note_text, witness),
                    "created_at": now or utcnow(),
                }
            ],
        )
    return _stored(session, row)
