"""Audit log costs on SQLite: appending, verifying the whole log, and inclusion proofs.

(a) The cost of ``AuditLog.append`` in a transaction: N transactions each doing a trivial
    insert, against N doing the same insert plus one append (and the append call alone);
    then the same append cost once the log holds the large sizes below.
(b) ``verify_log`` over a log of 1,000,000 entries with a signed checkpoint every 1,000,
    serially and in parallel, with and without the check of the report columns.
(c) Inclusion-proof generation at 10,000,000 entries: 1,000 proofs of random leaves.

The large logs are bulk-inserted (entries, every interior node from MerkleAccumulator, the
head and the checkpoints) into a real installation, so every lookup is a real one.

    python benchmarks/bench_audit.py [--appends N] [--verify-entries N] [--proof-entries N]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from brightline.audit.checkpoint import Checkpoint, sign_note
from brightline.audit.log import AuditEvent, AuditLog, edge_nodes
from brightline.audit.merkle import MerkleAccumulator, leaf_hash
from brightline.audit.tree import StoredTree, inclusion_proof, tree_size
from brightline.audit.verify import verify_log
from brightline.settings import Settings
from brightline.site import Site, initialise
from machine import machine

START = datetime(2026, 1, 1)
ACTIONS = ["person.read"] * 6 + ["screening.read"] * 3 + ["screening.create", "photo.read"]
ROLES = ["screener"] * 5 + ["reviewer"] * 3 + ["surgeon"] * 2
PURPOSES = {"screener": "treatment", "reviewer": "review", "surgeon": "follow_up"}
STAFF = [f"{n:032x}" for n in range(1, 301)]
PEOPLE = [f"{n * 7919 + 13:032x}" for n in range(200_000)]
CHECKPOINT_EVERY = 1000
ENTRY_COLUMNS = "position, entry, leaf_hash, at, actor, role, action, record, purpose, outcome"
BATCH = 100_000


def installation(root: Path, name: str) -> Site:
    settings = Settings(home=root / name)
    initialise(settings, admin_password="benchmark-admin-password")
    return Site.open(settings)


def event(number: int, rng: random.Random) -> AuditEvent:
    role = rng.choice(ROLES)
    return AuditEvent(
        actor=rng.choice(STAFF),
        role=role,
        action=rng.choice(ACTIONS),
        record=rng.choice(PEOPLE),
        purpose=PURPOSES[role],
        outcome="allowed",
        at=START + timedelta(seconds=3 * number),
    )


# --- (a) appending -------------------------------------------------------------------------


def time_appends(
    site: Site, count: int, *, first: int, with_append: bool
) -> tuple[float, float, float]:
    """Wall and CPU µs per transaction, and CPU µs of the append call alone, over ``count``."""
    rng = random.Random(first)
    log = AuditLog()
    insert = text("INSERT INTO bench_scratch (value) VALUES (:value)")
    append_cpu = 0.0
    started, cpu = time.perf_counter(), time.process_time()
    for number in range(first, first + count):
        with site.transaction() as session:
            session.execute(insert, {"value": number})
            if with_append:
                item = event(number, rng)
                before = time.process_time()
                log.append(session, item)
                append_cpu += time.process_time() - before
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return wall / count * 1e6, cpu / count * 1e6, append_cpu / count * 1e6


def scratch_table(site: Site) -> None:
    with site.engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE IF NOT EXISTS bench_scratch (id INTEGER PRIMARY KEY, value INT)")
        )


# --- building large logs fast --------------------------------------------------------------


def synthetic_rows(first: int, count: int, seed: int) -> Iterator[tuple[object, ...]]:
    """Entry rows exactly as AuditLog writes them, made without its per-append lookups."""
    rng = random.Random(seed)
    for number in range(first, first + count):
        role = rng.choice(ROLES)
        actor, action, record = rng.choice(STAFF), rng.choice(ACTIONS), rng.choice(PEOPLE)
        purpose = PURPOSES[role]
        at = START + timedelta(seconds=3 * number)
        stamp = at.isoformat()
        # canonical_json of these plain ASCII values, written out (checked below).
        entry = (
            f'{{"action":"{action}","actor":"{actor}","at":"{stamp}Z","outcome":"allowed",'
            f'"purpose":"{purpose}","record":"{record}","role":"{role}"}}'
        )
        yield number, entry, f"{at:%Y-%m-%d %H:%M:%S}.000000", actor, role, action, record, purpose


def extend_log(site: Site, target: int) -> float:
    """Grow the site's log to ``target`` entries by bulk insert; return the seconds taken."""
    started = time.perf_counter()
    with site.transaction() as session:
        size = tree_size(session)
        tree = StoredTree(session)
        tree.prefetch(edge_nodes(size))
        accumulator = MerkleAccumulator.resume(tree, size)
    site.engine.dispose()
    db = sqlite3.connect(site.settings.home / "brightline.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    signer = site.audit_signer()
    origin = site.settings.audit_origin
    sample = next(synthetic_rows(size, 1, seed=size))
    assert sample[1] == event_entry(sample), "synthetic entries must be canonical JSON"
    db.execute("BEGIN")
    entries: list[tuple[object, ...]] = []
    nodes: list[tuple[int, int, bytes]] = []
    checkpoints: list[tuple[int, bytes, str, str]] = []
    for row in synthetic_rows(size, target - size, seed=size):
        digest = leaf_hash(str(row[1]).encode())
        completed = accumulator.append(digest)
        entries.append((row[0], row[1], digest, *row[2:], "allowed", 0))
        nodes += completed[1:]
        if accumulator.size % CHECKPOINT_EVERY == 0:
            root = accumulator.root()
            note = sign_note(Checkpoint(origin, accumulator.size, root).body(), [signer])
            checkpoints.append((accumulator.size, root, note, str(row[2])))
        if len(entries) >= BATCH:
            flush(db, entries, nodes, checkpoints)
    flush(db, entries, nodes, checkpoints)
    db.execute("INSERT OR REPLACE INTO audit_head (id, size) VALUES (1, ?)", (target,))
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    return time.perf_counter() - started


def event_entry(row: tuple[object, ...]) -> str:
    number, _, _, actor, role, action, record, purpose = row
    item = AuditEvent(
        str(actor),
        str(role),
        str(action),
        str(record),
        str(purpose),
        "allowed",
        START + timedelta(seconds=3 * int(str(number))),
    )
    return item.entry().decode()


def flush(
    db: sqlite3.Connection,
    entries: list[tuple[object, ...]],
    nodes: list[tuple[int, int, bytes]],
    checkpoints: list[tuple[int, bytes, str, str]],
) -> None:
    db.executemany(
        f"INSERT INTO audit_entries ({ENTRY_COLUMNS}, break_glass)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        entries,
    )
    db.executemany("INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
    db.executemany(
        "INSERT INTO audit_checkpoints (size, root_hash, note_text, created_at)"
        " VALUES (?, ?, ?, ?)",
        checkpoints,
    )
    entries.clear()
    nodes.clear()
    checkpoints.clear()


# --- (b) verifying, (c) proving ------------------------------------------------------------


def time_verify(
    site: Site, *, workers: int, columns: bool, repeat: int
) -> tuple[float, float, bool]:
    """Best wall and CPU seconds (this process and its workers) of ``repeat`` verifications.

    CPU time is shown too because the machine may be shared: it is what a quiet machine
    would need, per process.
    """
    key = site.audit_signer().verifier_key()
    best: tuple[float, float] | None = None
    ok = True
    for _ in range(repeat):
        cpu = time.process_time() + children_cpu()
        with site.transaction() as session:
            report = verify_log(session, key, workers=workers, check_columns=columns)
        cpu = time.process_time() + children_cpu() - cpu
        ok = ok and report.ok
        if best is None or report.seconds < best[0]:
            best = (report.seconds, cpu)
    assert best is not None
    return best[0], best[1], ok


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_proofs(site: Site, size: int, count: int) -> tuple[list[float], float]:
    """Wall seconds of each of ``count`` random inclusion proofs, and their mean CPU seconds."""
    rng = random.Random(size)
    times = []
    with site.transaction() as session:
        cpu = time.process_time()
        for _ in range(count):
            index = rng.randrange(size)
            started = time.perf_counter()
            proof = inclusion_proof(session, index, size)
            times.append(time.perf_counter() - started)
            assert proof.index == index
        cpu = time.process_time() - cpu
    return times, cpu / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=20_000)
    parser.add_argument("--verify-entries", type=int, default=1_000_000)
    parser.add_argument("--proof-entries", type=int, default=10_000_000)
    parser.add_argument("--proofs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="verifications timed (best kept)")
    parser.add_argument("--parts", default="abc", help="which of (a), (b), (c) to run")
    args = parser.parse_args()
    print(f"machine: {machine()}, load {os.getloadavg()[0]:.1f}\n")
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        if "a" in args.parts:
            rows += appending(Path(tmp), args.appends)
        site = installation(Path(tmp), "large")
        if "b" in args.parts:
            rows += verifying(site, args.verify_entries, args.repeat)
        if "c" in args.parts:
            rows += proving(site, args.proof_entries, args.proofs)
        site.close()
    print("| measurement | result | goal |\n|---|---:|---|")
    for label, result, goal in rows:
        print(f"| {label} | {result} | {goal} |")


Row = tuple[str, str, str]


def appending(tmp: Path, appends: int) -> list[Row]:
    """(a): a transaction with a trivial insert, with and without one audit append."""
    site = installation(tmp, "appends")
    scratch_table(site)
    time_appends(site, 200, first=0, with_append=True)  # warm up
    plain = time_appends(site, appends, first=10_000, with_append=False)
    logged = time_appends(site, appends, first=10_000, with_append=True)
    site.close()
    return [
        (
            f"transaction with a trivial insert (×{appends:,}), wall / CPU",
            f"{plain[0]:,.0f} / {plain[1]:,.0f} µs",
            "",
        ),
        (
            "same transaction + AuditLog.append, wall / CPU",
            f"{logged[0]:,.0f} / {logged[1]:,.0f} µs",
            "",
        ),
        (f"append call alone, CPU (log growing to {appends:,})", f"{logged[2]:,.0f} µs", ""),
    ]


def verifying(site: Site, entries: int, repeat: int) -> list[Row]:
    """(b): verify_log over a bulk-built log, serially and in two processes."""
    built = extend_log(site, entries)
    rows = [(f"bulk build of {entries:,} entries", f"{built:,.1f} s", "")]
    for workers, columns in ((1, False), (1, True), (2, False), (2, True)):
        seconds, cpu, ok = time_verify(site, workers=workers, columns=columns, repeat=repeat)
        label = f"verify_log {entries:,}, {workers} process(es)"
        label += ", with columns" if columns else ", Merkle only"
        goal = "≤ 2 s: " + ("met" if seconds <= 2 else "not met")
        rows.append((label, f"{seconds:.2f} s (CPU {cpu:.2f} s)" + ("" if ok else " FAILED"), goal))
    scratch_table(site)
    alone = time_appends(site, 2000, first=entries, with_append=True)[2]
    rows.append((f"append call alone, CPU, at {entries:,}", f"{alone:,.0f} µs", ""))
    return rows


def proving(site: Site, entries: int, proofs: int) -> list[Row]:
    """(c): random inclusion proofs once the log holds ``entries``."""
    built = extend_log(site, entries)
    rows = [(f"bulk build up to {entries:,} entries", f"{built:,.0f} s", "")]
    times, cpu = time_proofs(site, entries, proofs)
    times.sort()
    mean = statistics.fmean(times) * 1e3
    p99 = times[int(0.99 * (len(times) - 1))] * 1e3
    goal = "≤ 1 ms: " + ("met" if mean <= 1 else "not met")
    rows.append((f"inclusion proof at {entries:,} (×{proofs:,}), mean", f"{mean:.2f} ms", goal))
    median = statistics.median(times) * 1e3
    rows.append(
        ("  median / p99 wall; mean CPU", f"{median:.2f} / {p99:.2f}; {cpu * 1e3:.2f} ms", "")
    )
    scratch_table(site)
    alone = time_appends(site, 2000, first=entries + 2000, with_append=True)[2]
    rows.append((f"append call alone, CPU, at {entries:,}", f"{alone:,.0f} µs", ""))
    return rows


if __name__ == "__main__":
    main()
