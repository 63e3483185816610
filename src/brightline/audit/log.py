"""The audit log: every access to personal data as a Merkle-tree leaf, appended in-transaction.

An entry is canonical JSON (keys sorted, no spaces, UTF-8 — RFC 8785 for the strings and
integers it holds) naming pseudonyms only: who (staff pseudonym and role), what (action),
whose record (record pseudonym), why (purpose), when, the outcome (with the policy's reason
when it refused), for emergency access the SHA-256 of the written reason and, for an
account event (created, changed, disabled, signed in …), the subject account's staff
pseudonym. Leaves and nodes are hashed per RFC 9162.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from brightline.audit.merkle import HASH_SIZE, MerkleAccumulator, leaf_hash
from brightline.audit.tree import StoredTree
from brightline.identifiers import IdentifierKeys
from brightline.store.bulk import insert_many
from brightline.store.models import AuditEntry, AuditHead, AuditNode

OUTCOMES = ("allowed", "denied", "break_glass")


@dataclass(frozen=True)
class AuditEvent:
    """One access decision, as the access layer reports it (no identifiers, no clinical data)."""

    actor: str
    role: str
    action: str
    record: str | None
    purpose: str | None
    outcome: str
    at: datetime
    break_glass_reason: str | None = None
    # Why the policy refused (e.g. "record outside the caller's scope"): no personal data.
    denial_reason: str | None = None
    # The staff account an account event is about, by its pseudonym (never its username).
    account: str | None = None
    # What a release or export asked for (its id, level, period, ε …): parameters only,
    # never personal data nor free text a person typed.
    detail: str | None = None

    def entry(self) -> bytes:
        """The canonical JSON bytes that become the Merkle leaf."""
        fields: dict[str, object] = {
            "action": self.action,
            "actor": self.actor,
            "at": self.at.replace(microsecond=0).isoformat() + "Z",
            "outcome": self.outcome,
            "purpose": self.purpose,
            "record": self.record,
            "role": self.role,
        }
        if self.break_glass_reason is not None:
            # The reason may hold clinical detail; only its hash enters the public log.
            fields["break_glass_reason_sha256"] = hashlib.sha256(
                self.break_glass_reason.encode("utf-8")
            ).hexdigest()
        if self.denial_reason is not None:
            fields["reason"] = self.denial_reason
        # Written only when set, so every entry logged before account events hashes the same.
        if self.account is not None:
            fields["account"] = self.account
        if self.detail is not None:
            fields["detail"] = self.detail
        return canonical_json(fields)


def record_pseudonym(keys: IdentifierKeys, person_id: str) -> str:
    """The pseudonym naming a person's record in the audit log (never the analytics one)."""
    digest = hmac.new(keys.pseudonym_key, b"audit-record:" + person_id.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def canonical_json(fields: dict[str, object]) -> bytes:
    """JSON with sorted keys and no insignificant whitespace (RFC 8785 for str/int/None)."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def edge_nodes(size: int) -> list[tuple[int, int]]:
    """(level, index) of the perfect subtrees making up a tree of ``size`` leaves."""
    nodes, offset = [], 0
    for level in reversed(range(size.bit_length())):
        if size & (1 << level):
            nodes.append((level, offset >> level))
            offset += 1 << level
    return nodes


# From this many entries an append goes through store.bulk.insert_many; a request's few
# entries keep the prepared statements below, which cost less for a handful of rows.
BULK_APPEND: Final = 64
# The statements of an append, built once rather than on every append.
_READ_HEAD: Final = (
    select(AuditHead.size, AuditHead.edge).where(AuditHead.id == 1).with_for_update()
)
_INSERT_ENTRY: Final = insert(AuditEntry)
_INSERT_NODE: Final = insert(AuditNode)
_UPDATE_HEAD: Final = (
    update(AuditHead)
    .where(AuditHead.id == 1)
    .values(size=bindparam("new_size"), edge=bindparam("new_edge"))
)


class AuditLog:
    """The Merkle-tree audit sink: appends in the caller's transaction, never updates."""

    def append(self, session: Session, event: AuditEvent) -> int:
        """Append ``event``; returns its leaf index. Rolls back with the access it records."""
        return self.append_many(session, [event])[0]

    def append_many(self, session: Session, events: Sequence[AuditEvent]) -> list[int]:
        """Append events in order, in one statement per table; returns their leaf indexes.

        Bulk writes (a CSV import, the demo) log one entry per person touched this way: the
        same leaves and nodes as one append per event, at a fraction of the round trips.
        """
        # Locking the head row orders concurrent appends (PostgreSQL); SQLite transactions
        # take the write lock at BEGIN, which does the same.
        # Plain Core on the session's connection: the ORM layer adds nothing for these rows.
        if not events:
            return []
        connection = session.connection()
        head = connection.execute(_READ_HEAD).one_or_none()
        size = head.size if head is not None else 0
        cached = head.edge if head is not None else None
        if cached is not None and len(cached) == HASH_SIZE * size.bit_count():
            edge = [cached[i : i + HASH_SIZE] for i in range(0, len(cached), HASH_SIZE)]
            accumulator = MerkleAccumulator.from_edge(size, edge)
        else:
            tree = StoredTree(session)
            tree.prefetch(edge_nodes(size))
            accumulator = MerkleAccumulator.resume(tree, size)
        entries: list[dict[str, object]] = []
        nodes: list[dict[str, object]] = []
        for position, event in enumerate(events, start=size):
            entry = event.entry()
            completed = accumulator.append(leaf_hash(entry))
            entries.append(
                {
                    "position": position,
                    "entry": entry.decode("utf-8"),
                    "leaf_hash": completed[0][2],
                    "at": event.at,
                    "actor": event.actor,
                    "role": event.role,
                    "action": event.action,
                    "record": event.record,
                    "purpose": event.purpose,
                    "outcome": event.outcome,
                    "break_glass": event.outcome == "break_glass",
                    "account": event.account,
                }
            )
            nodes.extend({"level": lv, "idx": ix, "hash": h} for lv, ix, h in completed[1:])
        if len(entries) >= BULK_APPEND:
            # Large batches bypass Core's per-row parameter processing (store.bulk): on
            # 100,000 entries that was a third of the append.
            insert_many(connection, AuditEntry.__table__, entries)  # type: ignore[arg-type]
            insert_many(connection, AuditNode.__table__, nodes)  # type: ignore[arg-type]
        else:
            connection.execute(_INSERT_ENTRY, entries)
            if nodes:
                connection.execute(_INSERT_NODE, nodes)
        new_size = size + len(events)
        new_edge = b"".join(accumulator.edge)
        if head is None:
            connection.execute(insert(AuditHead), [{"id": 1, "size": new_size, "edge": new_edge}])
        else:
            connection.execute(_UPDATE_HEAD, {"new_size": new_size, "new_edge": new_edge})
        return list(range(size, new_size))
