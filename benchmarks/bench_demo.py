"""Demo build time: ``brightline.demo.build_demo`` for 100,000 people into a fresh SQLite home.

Times the whole build (places, accounts, people and screenings bulk-inserted from the service
layer's rows, then every review, attendance, surgery and follow-up through its service call)
and prints a Markdown table with the counts along the pathway and the outcome shares.

    python benchmarks/bench_demo.py [--people N] [--seed S] [--as-of YYYY-MM-DD] [--profile FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import tempfile
from datetime import date
from pathlib import Path

from brightline.demo import build_demo
from brightline.settings import Settings
from brightline.site import initialise
from machine import machine


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the build here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as scratch:
        settings = Settings(home=Path(scratch) / "home", database_url=None)
        initialise(settings, admin_password="benchmark-admin-password")  # not timed
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        report = build_demo(settings, people=args.people, seed=args.seed, as_of=args.as_of)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
    counts, shares = report.counts, report.outcome_shares
    print(f"{date.today()} · {machine()} · seed {args.seed}, as of {report.marker.as_of}\n")
    columns = {
        "people": f"{counts['people']:,}",
        "seconds": f"{report.seconds:.1f}",
        "people/s": f"{counts['people'] / report.seconds:,.0f}",
        "screenings": f"{counts['screenings']:,}",
        "referrals": f"{counts['referrals']:,} ({counts['referrals'] / counts['screenings']:.1%})",
        "attended": f"{counts['attended']:,} ({counts['attended'] / counts['referrals']:.0%})",
        "surgeries": f"{counts['surgeries']:,}",
        "follow-ups": f"{counts['follow_ups']:,}",
        "good / borderline / poor": (
            f"{shares['good']:.0%} / {shares['borderline']:.0%} / {shares['poor']:.0%}"
        ),
    }
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---:" for _ in columns) + "|")
    print("| " + " | ".join(columns.values()) + " |")


if __name__ == "__main__":
    main()
