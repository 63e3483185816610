"""Where Brightline finds Debian's Chromium, and the flags it starts it with.

One list for every headless start (the printed report, the browser tests, the screenshot
script, the benchmarks): no sandbox inside a container, no GPU, and nothing that calls out to
the network, because an installation is often offline and must never download at run time.
"""

from __future__ import annotations

from typing import Final

CHROMIUM: Final = "/usr/bin/chromium"
HEADLESS_FLAGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    # No updates, sync, first-run pages or telemetry: the browser reaches nothing outside.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
