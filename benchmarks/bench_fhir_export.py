"""FHIR bulk export: ``brightline export fhir`` of the demo programme, time, peak memory, rate.

Builds the demo (``build_demo``, seed 1) for each size into a fresh SQLite home (not timed),
then runs the export in a fresh process of its own and reports its time, resources per
second and the process's peak resident memory: flat memory shows as the same peak for
every size.

    python benchmarks/bench_fhir_export.py [--people 10000 30000 100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from brightline.access.fhir_export import export_fhir
from brightline.settings import Settings
from brightline.site import Site, initialise
from machine import machine


def child(home: Path, out: Path) -> None:
    """Run one export in this process and print its measurements as JSON."""
    site = Site.open(Settings(home=home, database_url=None))
    began, cpu = time.perf_counter(), time.process_time()
    report = export_fhir(site, out)
    seconds = time.perf_counter() - began
    # CPU time of this process: on a shared machine it moves far less than the wall clock.
    cpu_seconds = time.process_time() - cpu
    site.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "read_seconds": report.read_seconds,
        "audit_seconds": report.audit_seconds,
        "resources": report.resources,
        "people": report.people,
        "peak_mb": peak_mb,
    }
    print(json.dumps(found))


def build(home: Path, people: int) -> None:
    """Build the demo in this process (a separate one: the export's is measured alone)."""
    from brightline.demo import build_demo

    settings = Settings(home=home, database_url=None)
    initialise(settings, admin_password="benchmark-admin-password")
    build_demo(settings, people=people, seed=1)


def measure(people: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-fhir-") as scratch:
        home = Path(scratch) / "home"
        # Each in a process of its own: a child forked from a large parent would count the
        # parent's pages in its peak resident memory.
        subprocess.run([sys.executable, __file__, "--build", str(home), str(people)], check=True)
        run = subprocess.run(
            [sys.executable, __file__, "--child", str(home), str(Path(scratch) / "out")],
            check=True,
            capture_output=True,
            text=True,
        )
        found: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--child", nargs=2, metavar=("HOME", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--build", nargs=2, metavar=("HOME", "PEOPLE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(Path(args.build[0]), int(args.build[1]))
        return
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    print(f"{date.today()} · {machine()} · demo seed 1, SQLite\n")
    print(
        "| people | resources | seconds | resources/s | of which reading and writing (s) "
        "| resources/s read and written | audit entries (s) | CPU (s) | resources per CPU second "
        "| peak memory (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for people in args.people:
        m = measure(people)
        print(
            f"| {people:,} | {m['resources']:,.0f} | {m['seconds']:.1f} | "
            f"{m['resources'] / m['seconds']:,.0f} | {m['read_seconds']:.1f} | "
            f"{m['resources'] / m['read_seconds']:,.0f} | {m['audit_seconds']:.1f} | "
            f"{m['cpu_seconds']:.1f} | {m['resources'] / m['cpu_seconds']:,.0f} | "
            f"{m['peak_mb']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
