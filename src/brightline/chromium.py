"""Where Brightline finds Debian's Chromium, the flags it starts it with, and how a driven
page is waited for.

One list for every headless start (the printed report, the browser tests, the screenshot
script, the benchmarks): no sandbox inside a container, no GPU, and nothing that calls out to
the network, because an installation is often offline and must never download at run time.
"""

from __future__ import annotations

import json
from typing import Any, Final

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


def wait_in_page(page: Any, predicate: str, timeout_ms: int = 30_000) -> None:
    """Wait until the JavaScript arrow function `predicate` returns true in a Playwright page.

    Playwright's `wait_for_function` polls by evaluating a string inside the page, which the
    pages' Content-Security-Policy (`script-src 'self'`, no `unsafe-eval`) refuses as soon as the
    first check is false. `page.evaluate` compiles its function through the DevTools protocol,
    outside the page's policy, so the polling loop runs there instead."""
    page.evaluate(
        f"""async () => {{
            const test = {predicate};
            const end = Date.now() + {timeout_ms};
            while (!(await test())) {{
                if (Date.now() > end) throw new Error({json.dumps("timed out: " + predicate)});
                await new Promise((resolve) => setTimeout(resolve, 50));
            }}
        }}"""
    )
