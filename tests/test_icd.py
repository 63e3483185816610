"""The vendored ICD lists: WHO ICD-11 MMS 2024-01 chapter 09 whole, blocks apart from codes."""

from __future__ import annotations

from brightline import icd
from brightline.web.icd import ICD10, ICD11, choices


def test_icd11_holds_the_whole_of_chapter_09_with_who_titles() -> None:
    listed = icd.codes("icd11")
    # WHO ICD-11 MMS 2024-01 SimpleTabulation, chapter 09: 710 categories, 25 blocks.
    assert len(listed) == 710
    assert len(icd.blocks("icd11")) == 25
    assert all(code[:2] in {"9A", "9B", "9C", "9D", "9E"} for code in listed)
    assert next(iter(listed)) == "9A00" and list(listed)[-1] == "9E1Z"
    assert listed["9B10"] == "Cataract"
    assert listed["9B10.00"] == "Coronary age-related cataract"
    assert listed["9D90"] == "Vision impairment including blindness"
    assert listed["9C61.0"] == "Primary open-angle glaucoma"  # glaucoma block 9C6
    assert listed["9B71.0"] == "Diabetic retinopathy"  # retina block 9B7
    assert listed["9B75.0"] == "Age-related macular degeneration"
    assert listed["9A77"] == "Corneal scars or opacities"  # cornea block 9A7
    assert icd.blocks("icd11")["BlockL1-9C6"] == "Glaucoma or glaucoma suspect"


def test_blocks_are_listed_but_never_accepted_as_codes() -> None:
    assert "BlockL2-9B1" in icd.blocks("icd11")
    assert not icd.is_listed("icd11", "BlockL2-9B1")
    assert not icd.is_listed("icd11", "9B10.Y")  # not a WHO code: cataract's residual is 9B10.Z
    assert not icd.is_listed("icd11", "1A00")  # cholera: chapter 01
    assert icd.is_listed("icd11", "9C61.0") and icd.is_listed("icd10", "H25.1")
    assert icd.blocks("icd10") == {}


def test_search_finds_codes_by_title_words_or_code_prefix() -> None:
    assert ("9C61.0", "Primary open-angle glaucoma") in icd.search("icd11", "open-angle glaucoma")
    assert [code for code, _ in icd.search("icd11", "9B10.0")][:2] == ["9B10.0", "9B10.00"]
    assert all("Block" not in code for code, _ in icd.search("icd11", "disorders", limit=1000))
    assert ("H25.1", "Senile nuclear cataract") in icd.search("icd10", "senile nuclear")


def test_every_common_code_is_listed_under_its_who_title() -> None:
    for code, title in ICD11:
        assert icd.codes("icd11")[code] == title, code
    for code, _ in ICD10:
        assert icd.is_listed("icd10", code), code
    offered = [code for code, _ in choices("icd11")]
    assert len(offered) == len(set(offered)) == 710
