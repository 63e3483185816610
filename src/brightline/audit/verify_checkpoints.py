"""Verification of the audit log's checkpoints and their witnesses' co-signatures.

Each checkpoint's note must carry the log's signature (C2SP signed note), name the log's
origin, match its row, sign the root recomputed for its size and be consistent with the one
before (RFC 9162 §2.1.4); each witness signature must verify against its checkpoint's note.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy.orm import Session

from brightline.audit import merkle
from brightline.audit.checkpoint import Checkpoint, NoteVerifier, open_note
from brightline.audit.log_reader import LogReader, Problem
from brightline.audit.tree import MissingTreeNode, consistency_proofs


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint whose note carries a valid log signature: its row id, size and root."""

    id: int
    size: int
    root_hash: bytes


def read_checkpoints(
    reader: LogReader, verifier: NoteVerifier, origin: str | None
) -> tuple[list[SignedCheckpoint], dict[int, str], list[Problem], int]:
    """Parse every checkpoint whose note carries a valid log signature; name the others."""
    signed: list[SignedCheckpoint] = []
    notes: dict[int, str] = {}
    problems: list[Problem] = []
    count = 0
    for row_id, row_size, row_root, note_text in reader.rows(
        "SELECT id, size, root_hash, note_text FROM audit_checkpoints ORDER BY id"
    ):
        count += 1
        notes[row_id] = note_text
        try:
            body, _ = open_note(note_text, [verifier])
            checkpoint = Checkpoint.parse(body)
        except ValueError as error:
            problems.append(
                Problem(
                    "checkpoint_signature",
                    f"checkpoint {row_id} (size {row_size}) is not validly signed by the log key"
                    f" {verifier.name}: {error}",
                )
            )
            continue
        if origin is not None and checkpoint.origin != origin:
            problems.append(
                Problem(
                    "checkpoint_origin",
                    f"checkpoint {row_id} names log {checkpoint.origin!r}, not {origin!r}",
                )
            )
            continue
        if (checkpoint.size, checkpoint.root_hash) != (row_size, bytes(row_root)):
            problems.append(
                Problem(
                    "checkpoint_row",
                    f"checkpoint {row_id}: its stored size or root differs from its signed note",
                )
            )
        signed.append(SignedCheckpoint(row_id, checkpoint.size, checkpoint.root_hash))
    return signed, notes, problems, count


def check_checkpoints(
    session: Session, signed: list[SignedCheckpoint], size: int, roots: dict[int, bytes] | None
) -> list[Problem]:
    """Check signed checkpoints against the recomputed roots and against each other."""
    problems: list[Problem] = []
    good: list[SignedCheckpoint] = []
    for checkpoint in signed:
        if checkpoint.size > size:
            problems.append(
                Problem(
                    "checkpoint_beyond_log",
                    f"checkpoint {checkpoint.id} signed a log of {checkpoint.size} entries but the"
                    f" log holds {size}: entries {size}–{checkpoint.size - 1} were removed",
                    size,
                )
            )
        elif roots is not None and roots[checkpoint.size] != checkpoint.root_hash:
            earlier = [c.size for c in good if c.size < checkpoint.size]
            first = max(earlier, default=0)
            problems.append(
                Problem(
                    "checkpoint_root",
                    f"checkpoint {checkpoint.id} signed a different root for the first"
                    f" {checkpoint.size} entries: an entry in positions {first}–"
                    f"{checkpoint.size - 1} was changed after it was signed",
                    first,
                )
            )
        else:
            good.append(checkpoint)
    for before, after in itertools.pairwise(signed):
        if after.size < before.size:
            problems.append(
                Problem(
                    "checkpoint_order",
                    f"checkpoint {after.id} (size {after.size}) was signed after checkpoint"
                    f" {before.id} (size {before.size}): the log was cut back in between",
                    after.size,
                )
            )
    if problems or roots is None:
        return problems
    # Check each checkpoint against the one before as an outside auditor would: with a
    # consistency proof built from the stored tree (RFC 9162 §2.1.4).
    pairs = [(a, b) for a, b in itertools.pairwise(good) if 0 < a.size < b.size]
    try:
        proofs = consistency_proofs(session, [(a.size, b.size) for a, b in pairs])
    except MissingTreeNode as error:
        return [Problem("checkpoint_consistency", str(error))]
    for (a, b), proof in zip(pairs, proofs, strict=True):
        if not merkle.verify_consistency(a.size, b.size, a.root_hash, b.root_hash, proof):
            problems.append(
                Problem(
                    "checkpoint_consistency",
                    f"checkpoints {a.id} and {b.id} are not consistent: the log was rewritten"
                    " between them",
                    a.size,
                )
            )
    return problems


def check_cosignatures(reader: LogReader, notes: dict[int, str]) -> tuple[list[Problem], int]:
    """Re-check every stored witness signature against its checkpoint's note."""
    problems: list[Problem] = []
    count = 0
    for row_id, checkpoint_id, witness_key, line in reader.rows(
        "SELECT id, checkpoint_id, witness_key, signature_line FROM audit_cosignatures ORDER BY id"
    ):
        count += 1
        try:
            witness = NoteVerifier.from_key_string(witness_key)
            open_note(notes[checkpoint_id] + line + "\n", [witness])
        except (KeyError, ValueError) as error:
            problems.append(
                Problem(
                    "cosignature",
                    f"witness signature {row_id} on checkpoint {checkpoint_id} does not verify:"
                    f" {error}",
                )
            )
    return problems, count
