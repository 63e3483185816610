"""Run every ``benchmarks/bench_*.py`` in turn with this interpreter, printing their output.

python benchmarks/run_all.py [--only NAME]   (NAME: api, bench_api or bench_api.py)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks(only: str | None) -> list[Path]:
    """The benchmark scripts, by name; ``only`` picks one of them."""
    found = sorted(HERE.glob("bench_*.py"))
    if only is None:
        return found
    wanted = only.removesuffix(".py").removeprefix("bench_")
    picked = [path for path in found if path.stem.removeprefix("bench_") == wanted]
    if not picked:
        names = ", ".join(path.stem.removeprefix("bench_") for path in found)
        raise SystemExit(f"no benchmark {only!r}; choose one of: {names}")
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", metavar="NAME", help="run just this benchmark")
    args = parser.parse_args()
    failed = []
    for path in benchmarks(args.only):
        print(f"## {path.name}\n", flush=True)
        began = time.perf_counter()
        finished = subprocess.run([sys.executable, str(path)], check=False)
        print(f"\n({path.name}: {time.perf_counter() - began:.0f} s, exit {finished.returncode})\n")
        if finished.returncode != 0:
            failed.append(path.name)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
