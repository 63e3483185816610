"""The diagnosis codes reviewers pick from most often, then every listed code (a datalist).

Only codes on the vendored lists (``brightline.icd``) are accepted; every common one is there.

ICD-10 (WHO 2019 edition) chapter VII and related codes for cataract and common causes of
vision impairment; ICD-11 (MMS 2024-01) 9B10 cataract, 9B11.0 aphakia and 9D90, with their WHO
titles. Sources: icd.who.int/browse10/2019, icd.who.int/browse/2024-01/mms.
"""

from __future__ import annotations

from brightline import icd
from brightline.web.i18n import N_

ICD10 = (
    ("H25.0", N_("Age-related incipient cataract")),
    ("H25.1", N_("Age-related nuclear cataract")),
    ("H25.2", N_("Age-related cataract, morgagnian type")),
    ("H25.8", N_("Other age-related cataract")),
    ("H25.9", N_("Age-related cataract, unspecified")),
    ("H26.0", N_("Infantile, juvenile and presenile cataract")),
    ("H26.1", N_("Traumatic cataract")),
    ("H26.2", N_("Complicated cataract")),
    ("H26.3", N_("Drug-induced cataract")),
    ("H26.4", N_("After-cataract")),
    ("H26.8", N_("Other specified cataract")),
    ("H26.9", N_("Cataract, unspecified")),
    ("H27.0", N_("Aphakia")),
    ("Z96.1", N_("Presence of intraocular lens (pseudophakia)")),
    ("Q12.0", N_("Congenital cataract")),
    ("H40.1", N_("Primary open-angle glaucoma")),
    ("H40.2", N_("Primary angle-closure glaucoma")),
    ("H40.9", N_("Glaucoma, unspecified")),
    ("H35.3", N_("Degeneration of macula and posterior pole")),
    ("E11.3", N_("Type 2 diabetes with ophthalmic complications")),
    ("H36.0", N_("Diabetic retinopathy")),
    ("H17.1", N_("Other central corneal opacity")),
    ("H17.8", N_("Other corneal scars and opacities")),
    ("H17.9", N_("Corneal scar and opacity, unspecified")),
    ("H52.7", N_("Disorder of refraction, unspecified")),
    ("H33.0", N_("Retinal detachment with retinal break")),
    ("H54.9", N_("Unspecified visual impairment")),
)
ICD11 = (
    ("9B10.0", N_("Age-related cataract")),
    ("9B10.00", N_("Coronary age-related cataract")),
    ("9B10.01", N_("Punctate age-related cataract")),
    ("9B10.02", N_("Mature age-related cataract")),
    ("9B10.0Z", N_("Age-related cataract, unspecified")),
    ("9B10.1", N_("Infantile or juvenile cataract")),
    ("9B10.2", N_("Certain specified cataracts")),
    ("9B10.20", N_("Traumatic cataract")),
    ("9B10.21", N_("Diabetic cataract")),
    ("9B10.22", N_("After-cataract")),
    ("9B10.Z", N_("Cataract, unspecified")),
    ("9B11.0", N_("Aphakia")),
    ("9D90", N_("Vision impairment including blindness")),
)


def choices(system: str) -> tuple[tuple[str, str], ...]:
    """The reviewer's datalist: the common codes first (translated), then every other code of
    the vendored list with its WHO title, so typing part of a title finds its code."""
    common = ICD10 if system == "icd10" else ICD11
    shown = {code for code, _ in common}
    rest = tuple((c, t) for c, t in icd.codes(system).items() if c not in shown)
    return common + rest
