"""Peak memory of eye-photo uploads: N concurrent ``process_upload`` calls on 36-megapixel files.

A 36-megapixel image of one colour is tiny on the wire (a PNG of ~50 KB, a JPEG of ~0.6 MB)
but large once decoded, which is how such a file raised a server's memory by hundreds of
megabytes. For each file this script starts a fresh process (so nothing decoded before
counts), reads the process's resident memory (RSS, from ``/proc/self/status``) after the file
is loaded as bytes, runs N uploads at once in threads (as the API's thread pool does), and
reports the rise of the peak RSS (``VmHWM``) over that baseline, per run and per upload.

    python benchmarks/bench_photos.py [--concurrent N] [--megapixels M]
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from machine import machine

KINDS = ("PNG", "JPEG", "PNG-RGBA")


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def make_image(kind: str, megapixels: float, path: Path) -> None:
    """A one-colour photo of ``megapixels`` in 3:2, as a PNG (RGB or RGBA) or a JPEG."""
    from PIL import Image

    width = int((megapixels * 1e6 * 1.5) ** 0.5)
    height = int(megapixels * 1e6 / width)
    mode = "RGBA" if kind == "PNG-RGBA" else "RGB"
    image = Image.new(mode, (width, height), (180, 90, 60, 200)[: len(mode)])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG" if kind == "JPEG" else "PNG", optimize=True)
    path.write_bytes(buffer.getvalue())


def measure(path: Path, concurrent: int) -> None:
    """Child process: N uploads of one file at once; prints baseline, peak, seconds."""
    from brightline.photos import PhotoLimits, process_upload

    data = path.read_bytes()
    limits = PhotoLimits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)
    baseline = _status_kib("VmRSS")
    began = time.perf_counter()
    with ThreadPoolExecutor(concurrent) as pool:
        done = list(pool.map(lambda _: process_upload(data, limits), range(concurrent)))
    seconds = time.perf_counter() - began
    print(baseline, _status_kib("VmHWM"), f"{seconds:.2f}", done[0].width, done[0].height)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--concurrent", type=int, default=8)
    parser.add_argument("--megapixels", type=float, default=36.0)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.concurrent)
        return
    print(f"{machine()}; {args.concurrent} concurrent uploads of each file\n")
    print("| file | bytes | stored as | baseline RSS MB | peak rise MB | MB per upload | seconds |")
    print("|---|---:|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for kind in KINDS:
            path = Path(folder) / f"photo-{kind}"
            # The file is made in its own process, so its pixels never count in the peak.
            maker = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            maker += "from bench_photos import make_image; from pathlib import Path; "
            maker += f"make_image({kind!r}, {args.megapixels}, Path({str(path)!r}))"
            subprocess.run([sys.executable, "-c", maker], check=True)
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--measure",
                    str(path),
                    "--concurrent",
                    str(args.concurrent),
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            baseline, peak = int(out[0]) / 1024, int(out[1]) / 1024
            rise = peak - baseline
            print(
                f"| {args.megapixels:g} MP {kind} | {path.stat().st_size:,} | {out[3]} × {out[4]} "
                f"| {baseline:.0f} | {rise:.0f} | {rise / args.concurrent:.0f} | {out[2]} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
