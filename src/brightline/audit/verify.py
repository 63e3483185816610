"""Full verification of the stored audit log: every entry, every tree node, every checkpoint.

One pass over the entries in position order recomputes each leaf hash from the entry text (an
edited entry shows), checks that positions run 0..n-1 (a deleted, moved or cut-off entry
shows) and recomputes every stored interior node as it goes: O(n) time, O(log n) memory. Then
the head, the checkpoints (log signature, root at their size, consistency with the one before)
and the witness co-signatures are checked. Large logs are cut into aligned blocks of leaves,
verified in parallel processes, whose roots are then joined into the upper tree. The
checkpoint checks are ``brightline.audit.verify_checkpoints``'; the reading is
``brightline.audit.log_reader``'s.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from brightline.audit import merkle
from brightline.audit.checkpoint import NoteVerifier
from brightline.audit.log_reader import LogReader, Problem
from brightline.audit.verify_checkpoints import (
    check_checkpoints,
    check_cosignatures,
    read_checkpoints,
)
from brightline.store.db import HIDE_PARAMETERS

# Leaves per unit of parallel work: big enough that joining blocks costs nothing.
DEFAULT_BLOCK_LEAVES = 1 << 16

_ENTRIES_SQL = {
    "sqlite": "SELECT position, CAST(entry AS BLOB), leaf_hash FROM audit_entries"
    " WHERE position >= ? AND position < ? ORDER BY position",
    "postgresql": "SELECT position, convert_to(entry, 'UTF8'), leaf_hash FROM audit_entries"
    " WHERE position >= ? AND position < ? ORDER BY position",
}
# Nodes come in the order a running tree completes them: by the leaf that ends them, then up.
_NODE_RANGE = (
    "SELECT level, idx, hash FROM audit_nodes WHERE level <= ?"
    " AND (CAST(idx AS BIGINT) << level) >= ? AND ((CAST(idx AS BIGINT) + 1) << level) <= ?"
)
_BLOCK_NODES_SQL = _NODE_RANGE + " ORDER BY (CAST(idx AS BIGINT) + 1) << level, level"
# AuditLog inserts nodes in exactly that order, so on SQLite the rowid order usually is it,
# and reading in it saves a sort; any doubt and the range is read again in sorted order.
_BLOCK_NODES_BY_ROWID_SQL = _NODE_RANGE + " ORDER BY rowid"
_UPPER_NODES_SQL = (
    "SELECT level, idx, hash FROM audit_nodes WHERE level > ?"
    " ORDER BY (CAST(idx AS BIGINT) + 1) << level, level"
)
# The first entry whose query columns (used by reports) differ from its hashed JSON text.
_COLUMNS_SQL = {
    "sqlite": "SELECT min(position) FROM audit_entries WHERE position >= ? AND position < ?"
    " AND (json_extract(entry, '$.action', '$.actor', '$.at', '$.outcome', '$.purpose',"
    " '$.record', '$.role', '$.account') IS NOT json_array(action, actor,"
    " replace(substr(at, 1, 19), ' ', 'T') || 'Z', outcome, purpose, record, role, account)"
    " OR break_glass IS NOT (outcome = 'break_glass'))",
    "postgresql": "SELECT min(position) FROM audit_entries"
    " CROSS JOIN LATERAL (SELECT entry::jsonb AS j) AS parsed"
    " WHERE position >= ? AND position < ? AND ("
    " j->>'action' IS DISTINCT FROM action OR j->>'actor' IS DISTINCT FROM actor"
    " OR j->>'at' IS DISTINCT FROM to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " OR j->>'outcome' IS DISTINCT FROM outcome OR j->>'purpose' IS DISTINCT FROM purpose"
    " OR j->>'record' IS DISTINCT FROM record OR j->>'role' IS DISTINCT FROM role"
    " OR j->>'account' IS DISTINCT FROM account"
    " OR break_glass IS DISTINCT FROM (outcome = 'break_glass'))",
}


@dataclass(frozen=True)
class VerificationReport:
    """What ``verify_log`` checked and every problem it found (none means the log is intact)."""

    size: int
    root: bytes | None
    entries_checked: int
    checkpoints: int
    cosignatures: int
    problems: tuple[Problem, ...]
    seconds: float
    workers: int

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    @property
    def first_bad_position(self) -> int | None:
        """The lowest entry position any problem concerns, if any does."""
        positions = [p.position for p in self.problems if p.position is not None]
        return min(positions) if positions else None


@dataclass
class _RangeResult:
    """What one worker learnt about entries [start, stop): the first problem, or its hashes."""

    start: int
    stop: int
    problem: Problem | None = None
    checked: int = 0
    # Roots of the complete blocks in the range, in order (each also a stored node).
    block_roots: list[bytes] = field(default_factory=list)
    # For a wanted tree size inside a block: that block's compact range at the size.
    partial_edges: dict[int, list[bytes]] = field(default_factory=dict)


def _node_problem(level: int, index: int, stored: tuple[Any, ...] | None) -> Problem:
    first, last = index << level, ((index + 1) << level) - 1
    if stored is None:
        return Problem(
            "node_missing",
            f"tree node (level {level}, index {index}) over entries {first}–{last} is missing",
            first,
        )
    if (stored[0], stored[1]) != (level, index):
        return Problem(
            "node_missing",
            f"tree node (level {level}, index {index}) over entries {first}–{last} is missing"
            f" or out of place (found level {stored[0]}, index {stored[1]} instead)",
            first,
        )
    return Problem(
        "node_mismatch",
        f"entries {first}–{last} do not hash to their stored tree node (level {level}, index"
        f" {index}): an entry among them, or the node, was changed, moved or replaced",
        first,
    )


def _stream_range(
    reader: LogReader,
    start: int,
    stop: int,
    block_level: int,
    wanted_sizes: Sequence[int],
    nodes_sql: str,
) -> _RangeResult:
    """Stream entries [start, stop) and the nodes inside them, recomputing every hash."""
    result = _RangeResult(start, stop)
    mask = (1 << block_level) - 1
    wanted = iter(sorted(s for s in wanted_sizes if start < s <= stop and s & mask))
    next_wanted = next(wanted, -1)
    nodes = reader.rows(nodes_sql, (block_level, start, stop))
    sha256 = hashlib.sha256
    edge: list[bytes] = []
    pop, push = edge.pop, edge.append
    expected = start
    # The loop is MerkleAccumulator.append written out in place, restarted at each block: it
    # runs once per entry and dominates the time, so it avoids every call it can.
    for position, entry, stored_leaf in reader.rows(_ENTRIES_SQL[reader.dialect], (start, stop)):
        if position != expected:
            after = f"position {expected - 1}" if expected else "the start"
            result.problem = Problem(
                "entry_missing",
                f"entry {expected} is missing: the log jumps from {after} to {position}",
                expected,
            )
            return result
        digest = sha256(b"\x00" + entry).digest()
        if digest != stored_leaf:
            result.problem = Problem(
                "entry_edited",
                f"entry {position} does not match its leaf hash: its text was changed after"
                " it was logged",
                position,
            )
            return result
        trailing = position & mask
        if not trailing:
            edge.clear()
        level = 0
        while trailing & 1:
            digest = sha256(b"\x01" + pop() + digest).digest()
            level += 1
            trailing >>= 1
            stored = next(nodes, None)
            if stored != (level, position >> level, digest):
                result.problem = _node_problem(level, position >> level, stored)
                return result
        push(digest)
        expected += 1
        if expected == next_wanted:
            result.partial_edges[expected] = edge.copy()
            next_wanted = next(wanted, -1)
        if not expected & mask:
            result.block_roots.append(digest)
    result.checked = expected - start
    if expected != stop:
        last = f"at position {expected - 1}" if expected else "before its first entry"
        result.problem = Problem(
            "entry_missing",
            f"entries {expected}–{stop - 1} are missing: the log stops {last}",
            expected,
        )
        return result
    extra = next(nodes, None)
    if extra is not None:
        result.problem = Problem(
            "node_extra",
            f"audit_nodes holds a node (level {extra[0]}, index {extra[1]}) that no entry makes",
            start,
        )
        return result
    return result


def _check_columns(reader: LogReader, start: int, stop: int) -> Problem | None:
    """Name the first entry in [start, stop) whose query columns differ from its JSON text."""
    try:
        bad = reader.one(_COLUMNS_SQL[reader.dialect], (start, stop), guarded=True)
    except reader.errors as error:
        # Entries that passed the hash checks are as logged; text that is not JSON here was
        # rewritten together with its hashes, which the checkpoints then reveal.
        return Problem("columns", f"entries {start}–{stop - 1} are not all valid JSON: {error}")
    if bad is None:
        return None
    return Problem(
        "columns",
        f"entry {bad}: the columns that reports read differ from the logged entry text",
        bad,
    )


def _check_range(
    reader: LogReader,
    start: int,
    stop: int,
    block_level: int,
    wanted_sizes: Sequence[int],
    check_columns: bool,
) -> _RangeResult:
    """Verify entries [start, stop): hashes and nodes, then (optionally) the query columns."""
    args = (reader, start, stop, block_level, wanted_sizes)
    if reader.dialect == "sqlite":
        result = _stream_range(*args, _BLOCK_NODES_BY_ROWID_SQL)
        if result.problem is not None and result.problem.kind in ("node_missing", "node_extra"):
            result = _stream_range(*args, _BLOCK_NODES_SQL)
    else:
        result = _stream_range(*args, _BLOCK_NODES_SQL)
    if result.problem is None and check_columns:
        result.problem = _check_columns(reader, start, stop)
    return result


def _check_range_in_worker(
    url: str,
    start: int,
    stop: int,
    block_level: int,
    wanted_sizes: Sequence[int],
    check_columns: bool,
) -> _RangeResult:
    """_check_range in another process, through a connection of its own."""
    reader = LogReader(url)
    try:
        return _check_range(reader, start, stop, block_level, wanted_sizes, check_columns)
    finally:
        reader.close()


def _check_ranges(
    reader: LogReader,
    url: str,
    size: int,
    block_level: int,
    wanted_sizes: Sequence[int],
    check_columns: bool,
    workers: int,
) -> list[_RangeResult]:
    """Check all entries, split into block-aligned ranges across ``workers`` processes."""
    blocks = -(-size >> block_level)
    workers = max(1, min(workers, blocks))
    bounds = [min(size, (blocks * w // workers) << block_level) for w in range(workers + 1)]
    ranges = list(itertools.pairwise(bounds))
    if workers == 1:
        if not size:
            return []
        return [_check_range(reader, 0, size, block_level, wanted_sizes, check_columns)]
    # fork: the children start at once with everything imported, and open their own
    # connections (nothing inherited from this process is used there).
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
        futures = [
            pool.submit(
                _check_range_in_worker, url, start, stop, block_level, wanted_sizes, check_columns
            )
            for start, stop in ranges[1:]
        ]
        start, stop = ranges[0]
        first = _check_range(reader, start, stop, block_level, wanted_sizes, check_columns)
        return [first, *(future.result() for future in futures)]


def _fold(edge: Sequence[bytes]) -> bytes:
    """The root of a tree from its compact range, largest subtree first (RFC 9162 §2.1.1)."""
    if not edge:
        return merkle.EMPTY_ROOT
    result = edge[-1]
    for left in reversed(edge[:-1]):
        result = merkle.node_hash(left, result)
    return result


def _join_blocks(
    results: Sequence[_RangeResult],
    upper_nodes: Iterator[tuple[Any, ...]],
    block_level: int,
    wanted_sizes: Sequence[int],
    size: int,
) -> tuple[Problem | None, dict[int, bytes]]:
    """Check the stored nodes above the blocks and return the root at each wanted size."""
    partial = {size: edge for r in results for size, edge in r.partial_edges.items()}
    wanted_blocks = {size >> block_level for size in wanted_sizes}
    edges: dict[int, list[bytes]] = {0: []}
    edge: list[bytes] = []
    blocks = (root for r in results for root in r.block_roots)
    for block, digest in enumerate(blocks):
        last_leaf = ((block + 1) << block_level) - 1
        trailing, level = block, block_level
        while trailing & 1:
            digest = merkle.node_hash(edge.pop(), digest)
            level += 1
            trailing >>= 1
            stored = next(upper_nodes, None)
            if stored != (level, last_leaf >> level, digest):
                return _node_problem(level, last_leaf >> level, stored), {}
        edge.append(digest)
        if block + 1 in wanted_blocks:
            edges[block + 1] = edge.copy()
    extra = next(upper_nodes, None)
    if extra is not None:
        return Problem(
            "node_extra",
            f"audit_nodes holds a node (level {extra[0]}, index {extra[1]}) that reaches beyond"
            f" the log's end at {size} entries",
            size,
        ), {}
    roots = {
        size: _fold(edges[size >> block_level] + partial.get(size, [])) for size in wanted_sizes
    }
    return None, roots


def default_workers(size: int, block_leaves: int = DEFAULT_BLOCK_LEAVES) -> int:
    """Processes worth starting for a log of ``size`` entries: one until it is large."""
    if size < 4 * block_leaves or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def verify_log(
    store: Engine | Session,
    verifier_key: str | NoteVerifier,
    *,
    origin: str | None = None,
    check_columns: bool = True,
    workers: int | None = None,
    block_leaves: int = DEFAULT_BLOCK_LEAVES,
) -> VerificationReport:
    """Verify the whole committed log, its tree, head, checkpoints and witness signatures.

    ``verifier_key`` is the log's public key (``brightline audit verifier-key``); ``origin``,
    if given, must be every checkpoint's first line. ``check_columns`` also checks the query
    columns that reports read against each entry's hashed text. Only committed entries are
    seen: the entries are read through separate read-only connections, so pass the engine
    (``store``) rather than a session, and no write lock is held while it runs.
    """
    started = time.perf_counter()
    verifier = (
        verifier_key
        if isinstance(verifier_key, NoteVerifier)
        else NoteVerifier.from_key_string(verifier_key)
    )
    if block_leaves < 2 or block_leaves & (block_leaves - 1):
        raise ValueError(f"block_leaves must be a power of two ≥ 2, got {block_leaves}")
    block_level = block_leaves.bit_length() - 1
    bind = store.get_bind() if isinstance(store, Session) else store
    engine = bind if isinstance(bind, Engine) else bind.engine
    url = engine.url.render_as_string(hide_password=False)
    reader = LogReader(url)
    try:
        size = reader.one("SELECT size FROM audit_head WHERE id = 1") or 0
        last_position = reader.one("SELECT max(position) FROM audit_entries")
        node_count = reader.one("SELECT count(*) FROM audit_nodes")
        signed, notes, problems, checkpoint_count = read_checkpoints(reader, verifier, origin)
        wanted = sorted({c.size for c in signed if c.size <= size} | {size})
        workers = default_workers(size, block_leaves) if workers is None else workers
        results = _check_ranges(
            reader, url, size, block_level, wanted, check_columns, max(1, workers)
        )
        stream_problems = [r.problem for r in results if r.problem is not None]
        roots: dict[int, bytes] | None = None
        if not stream_problems:
            join_problem, roots = _join_blocks(
                results, reader.rows(_UPPER_NODES_SQL, (block_level,)), block_level, wanted, size
            )
            if join_problem is not None:
                stream_problems.append(join_problem)
                roots = None
        cosignature_problems, cosignature_count = check_cosignatures(reader, notes)
    finally:
        reader.close()
    # The head first: when it is wrong, the other problems follow from it.
    head_problems = []
    if last_position is not None and last_position >= size:
        head_problems.append(
            Problem(
                "head",
                f"the head counts {size} entries but the log holds entries up to position"
                f" {last_position}",
                size,
            )
        )
    problems = head_problems + stream_problems + problems
    if roots is not None and node_count != size - size.bit_count():
        problems.append(
            Problem(
                "node_extra",
                f"audit_nodes holds {node_count} nodes but a log of {size} entries has"
                f" {size - size.bit_count()}: some cover entries that do not exist",
                size,
            )
        )
    if isinstance(store, Session):
        problems += check_checkpoints(store, signed, size, roots)
    else:
        # A plain engine of its own: no BEGIN IMMEDIATE hook, so these reads take no lock.
        proof_engine = create_engine(url, poolclass=NullPool, hide_parameters=HIDE_PARAMETERS)
        try:
            with Session(proof_engine) as session:
                problems += check_checkpoints(session, signed, size, roots)
        finally:
            proof_engine.dispose()
    problems += cosignature_problems
    return VerificationReport(
        size=size,
        root=roots[size] if roots is not None else None,
        entries_checked=sum(r.checked for r in results),
        checkpoints=checkpoint_count,
        cosignatures=cosignature_count,
        problems=tuple(problems),
        seconds=time.perf_counter() - started,
        workers=max(1, len(results)),
    )
