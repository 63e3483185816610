"""Write src/brightline/icd/icd11_eye.tsv: ICD-11 MMS chapter 09 with its WHO titles.

The product reads the vendored file only; this script is run by hand when the list should
change (a new WHO release), with WHO's release file unpacked beside it. It needs nothing but
the standard library:

    # SimpleTabulation-ICD-11-MMS-en.zip of the 2024-01 release, from WHO's ICD-11
    # release files (icd.who.int, "Info" tab of the MMS browser); unzip it, then
    python scripts/build_icd11_list.py SimpleTabulation-ICD-11-MMS-en.txt

Source: WHO ICD-11 for Mortality and Morbidity Statistics (MMS), release 2024-01, the
"SimpleTabulation" file (tab-separated, one row per chapter, block and category). Kept: every
row of chapter 09 "Diseases of the visual system" (9A00-9E1Z): its blocks (by BlockId, e.g.
``BlockL1-9B1``), categories and subcategories, in WHO's order, titles unchanged but for the
"- - " depth marks the tabulation prefixes them with. 9D90 "Vision impairment including
blindness" is in chapter 09. Licence: CC BY-ND 3.0 IGO (docs/icd.md).
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "brightline" / "icd" / "icd11_eye.tsv"
RELEASE = "2024-01"
VERSION_HEADER = "Version:2024 Jan 21 - 22:30 UTC"
# SHA-256 of SimpleTabulation-ICD-11-MMS-en.txt in WHO's 2024-01 release zip: the file read.
SOURCE_SHA256 = "4900fecc56f8d520fe3500ea362de534ffcc454fec5e60ade7bc98dd6899cf03"
CHAPTER = "09"
DEPTH_MARKS = re.compile(r"^(?:- )+")


def _rows(source: Path) -> list[tuple[str, str]]:
    """(code or BlockId, WHO title) of every block and category of chapter 09, in order."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        table = csv.DictReader(handle, delimiter="\t")
        if VERSION_HEADER not in (table.fieldnames or []):
            raise SystemExit(f"{source}: not the {RELEASE} SimpleTabulation ({VERSION_HEADER})")
        kept: list[tuple[str, str]] = []
        for row in table:
            if row["ChapterNo"] != CHAPTER or row["ClassKind"] == "chapter":
                continue
            key = row["Code"] if row["ClassKind"] == "category" else row["BlockId"]
            kept.append((key, DEPTH_MARKS.sub("", row["Title"]).strip()))
    return kept


def main() -> None:
    source = Path(sys.argv[1])
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        print(f"warning: {source} is not the file this list was built from ({digest})")
    rows = _rows(source)
    lines = [
        f"# WHO ICD-11 MMS {RELEASE} (SimpleTabulation), chapter 09 'Diseases of the visual"
        " system': code or BlockId<TAB>WHO title; CC BY-ND 3.0 IGO, World Health"
        " Organization; scripts/build_icd11_list.py"
    ]
    lines += [f"{key}\t{title}" for key, title in rows]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    blocks = sum(key.startswith("Block") for key, _ in rows)
    print(f"{OUT}: {len(rows) - blocks} codes, {blocks} blocks")


if __name__ == "__main__":
    main()
