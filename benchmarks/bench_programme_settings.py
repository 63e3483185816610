"""What the programme settings' look per transaction costs on SQLite.

Every transaction asks the store for the latest settings version (``Site.refresh_programme``)
so that every process sees an admin's change at its next request. Measured: (a) N
transactions doing one trivial read, with the look and without it (rounds interleaved, the
median of each), (b) the look alone, N times in one transaction, (c) a reload after a change
(the stored version read and applied).

    python benchmarks/bench_programme_settings.py [--transactions N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from brightline.access.operator import acting_as_account
from brightline.programme.operational import OperationalSettings
from brightline.service.programme_settings import latest_number
from brightline.settings import Settings
from brightline.site import Site, initialise
from machine import machine


def _transactions(site: Site, count: int, *, look: bool) -> float:
    """Microseconds per transaction; without the look, the site has no versions to ask."""
    saved = site.in_force
    site.in_force = saved if look else None
    start = time.perf_counter()
    for _ in range(count):
        with site.transaction() as session:
            session.execute(text("SELECT 1"))
    site.in_force = saved
    return (time.perf_counter() - start) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    os.environ.setdefault("BRIGHTLINE_ARGON2_PROFILE", "test")
    with tempfile.TemporaryDirectory() as root:
        settings = Settings(home=Path(root) / "home")
        initialise(settings, admin_password="benchmark-admin-password")
        site = Site.open(settings)
        try:
            with_look, without = [], []
            for _ in range(options.rounds):
                without.append(_transactions(site, options.transactions, look=False))
                with_look.append(_transactions(site, options.transactions, look=True))
            with site.transaction() as session:
                start = time.perf_counter()
                for _ in range(options.transactions):
                    latest_number(session)
                alone = (time.perf_counter() - start) / options.transactions * 1e6
            written = OperationalSettings.of(site.programme).written()
            with acting_as_account(site, None) as access:
                access.change_programme_settings(
                    {**written, "window_last_day": "90"}, "benchmark change of the window", seen=0
                )
            other = Site.open(settings)
            try:
                with other.transaction() as session:
                    other.in_force = (0, other.programme_file)
                    start = time.perf_counter()
                    other.refresh_programme(session)
                    reload_us = (time.perf_counter() - start) * 1e6
            finally:
                other.close()
        finally:
            site.close()
    print(machine())
    print(f"transaction without the look: {statistics.median(without):.0f} µs (median)")
    print(f"transaction with the look:    {statistics.median(with_look):.0f} µs (median)")
    print(f"the look alone:               {alone:.1f} µs")
    print(f"a reload after a change:      {reload_us:.0f} µs")


if __name__ == "__main__":
    main()
