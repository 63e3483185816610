"""The machine a benchmark ran on, as docs/benchmarks.md records it (shared by every script)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """CPU count, memory, CPU model and Python version."""
    model = platform.processor() or platform.machine() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} CPUs (nproc), {memory_gib:.1f} GiB memory, {model}, "
        f"Python {platform.python_version()}"
    )
