"""Labels for stored codes (triage decisions, lens status, roles…), marked for translation."""

from __future__ import annotations

from brightline.audit.reports import ACTION_WORDS, OUTCOME_WORDS, PURPOSE_WORDS, ROLE_WORDS
from brightline.web.i18n import N_

DECISION = {
    "none": N_("No referral needed"),
    "refraction": N_("Refraction (glasses)"),
    "review": N_("Online review by an eye doctor"),
    "urgent_review": N_("Urgent review by an eye doctor"),
}
LENS = {
    "clear": N_("Clear"),
    "opacity": N_("Opacity (cataract)"),
    "pseudophakia": N_("Pseudophakia (IOL)"),
    "aphakia": N_("Aphakia"),
    "not_visible": N_("Not visible"),
}
SYMPTOM = {
    "sudden_vision_loss": N_("Sudden loss of vision"),
    "painful_red_eye": N_("Painful red eye"),
    "trauma": N_("Eye injury (trauma)"),
}
SEX = {"female": N_("Female"), "male": N_("Male")}
EYE = {"right": N_("Right eye"), "left": N_("Left eye")}
UNTESTABLE = {
    "could_not_cooperate": N_("Could not cooperate"),
    "eye_absent": N_("Eye absent or prosthesis"),
    "not_attempted": N_("Not attempted"),
}
RECOMMENDATION = {
    "surgery": N_("Cataract surgery"),
    "glasses": N_("Glasses"),
    "other_referral": N_("Other referral"),
    "no_action": N_("No action"),
}
URGENCY = {"routine": N_("Routine"), "soon": N_("Soon"), "urgent": N_("Urgent")}
PRIORITY = {"routine": N_("Routine"), "urgent": N_("Urgent")}
KIND = {
    "refraction": N_("Refraction"),
    "review": N_("Review"),
    "urgent_review": N_("Urgent review"),
}
STATUS = {
    "open": N_("Waiting"),
    "reviewed": N_("Reviewed"),
    "attended": N_("Attended"),
    "operated": N_("Operated"),
    "closed": N_("Closed"),
}
OUTCOME = {
    "good": N_("Good"),
    "borderline": N_("Borderline"),
    "poor": N_("Poor"),
}
ROLE = {
    "screener": N_("Screener"),
    "reviewer": N_("Reviewer (ophthalmologist)"),
    "surgeon": N_("Surgical centre"),
    "manager": N_("Programme manager"),
    "privacy_officer": N_("Privacy officer"),
    "admin": N_("Administrator"),
}
# Who an account event is by, beyond the staff roles: nobody signed in, or the installation.
EVENT_ROLE = {**ROLE, "unknown": N_("Not signed in"), "system": N_("The installation")}
ACCOUNT_ACTION = {
    "account.create": N_("Account created"),
    "account.update": N_("Role or scope changed"),
    "account.disable": N_("Account disabled"),
    "account.enable": N_("Account enabled"),
    "account.password": N_("Password set"),
    "account.sign_in": N_("Signed in"),
    "account.sign_in_failed": N_("Failed sign-in"),
    "account.sign_out": N_("Signed out"),
}
# Why a sign-in failed, as the audit entry says it.
SIGN_IN_REASON = {
    "wrong password": N_("wrong password"),
    "account disabled": N_("account disabled"),
    "no such account": N_("no such account"),
    "too many failed sign-ins": N_("too many failed sign-ins"),
}
CORRECTION = {
    "person_edit": N_("Details corrected"),
    "screening_void": N_("Screening voided"),
    "attendance_undo": N_("Arrival undone"),
    "review_amend": N_("Review amended"),
}
TECHNIQUE = {"MSICS": "MSICS", "phaco": N_("Phacoemulsification"), "ECCE": "ECCE"}

# The patient's access report is worded by brightline.audit.reports in English; these are
# the same phrases marked for translation, so the page can show them in any language.
REPORT_PHRASES = (
    *ACTION_WORDS.values(),
    *ROLE_WORDS.values(),
    *PURPOSE_WORDS.values(),
    *OUTCOME_WORDS.values(),
)
_MARKED = (
    N_("registered you"),
    N_("added your record from an imported list"),
    N_("looked at your record"),
    N_("looked at your name and contact details"),
    N_("changed your details"),
    N_("erased your name and contact details"),
    N_("found your record in a search"),
    N_("recorded an eye screening"),
    N_("looked at your eye screening"),
    N_("added an eye photo"),
    N_("looked at your eye photos"),
    N_("recorded an eye doctor's review of your case"),
    N_("recorded your arrival at the hospital"),
    N_("recorded your operation"),
    N_("recorded a check of your eye after the operation"),
    N_("saw you on the clinic's follow-up list"),
    N_("saw your case in the eye doctors' review queue"),
    N_("saw you on the hospital's list of expected patients"),
    N_("opened emergency access to your record"),
    N_("your record was corrected: your details"),
    N_("your record was corrected: an eye screening typed in error was withdrawn"),
    N_("your record was corrected: an arrival recorded in error was withdrawn"),
    N_("your record was corrected: an eye doctor amended their review"),
    N_("looked at the corrections of your record"),
    N_("noted a call or visit about your referral"),
    N_("gave or changed your appointment at the hospital"),
    N_("recorded that your eye was not operated, and why"),
    N_("found you in a search of the hospital's expected patients"),
    N_("asked your clinic to see you again (a new eye photo or vision test)"),
    N_("screening health worker"),
    N_("eye doctor (online review)"),
    N_("surgical centre staff"),
    N_("programme manager"),
    N_("privacy officer"),
    N_("system administrator"),
    N_("your care"),
    N_("review of your case"),
    N_("follow-up"),
    N_("quality check"),
    N_("emergency"),
    N_("allowed"),
    N_("refused"),
    N_("emergency access"),
    N_("not given"),
)

CONTACT_OUTCOME = {
    "will_attend": N_("Reached: will attend"),
    "declined": N_("Reached: declines"),
    "not_reachable": N_("Not reachable"),
    "moved": N_("Moved away"),
    "died": N_("Died"),
    "attended_elsewhere": N_("Attended elsewhere"),
}
# The worklist's filter: the latest attempt's outcome of an entry still on the list.
WORKLIST_OUTCOME = {
    "not_tried": N_("Not tried yet"),
    "not_reachable": N_("Not reachable"),
    "will_attend": N_("Said they would attend; the day has passed"),
}
# After RAAB's barriers to cataract surgery.
DECLINE_REASON = {
    "cost": N_("Cost"),
    "fear": N_("Fear"),
    "no_escort": N_("No one to go with them"),
    "distance": N_("Distance"),
    "other": N_("Other"),
}
# Where a differentially private release stands (vocabulary.ReleaseStatus).
RELEASE_STATUS = {
    "proposed": N_("Waiting for a decision"),
    "published": N_("Published"),
    "refused": N_("Refused"),
}
# The theatre record (vocabulary.Anaesthesia, IolPosition, Complication, NotOperatedReason).
ANAESTHESIA = {
    "topical": N_("Topical"),
    "peribulbar": N_("Peribulbar"),
    "retrobulbar": N_("Retrobulbar"),
    "general": N_("General"),
}
IOL_POSITION = {
    "bag": N_("Posterior chamber, in the bag"),
    "sulcus": N_("Posterior chamber, sulcus"),
    "anterior_chamber": N_("Anterior chamber"),
}
COMPLICATION = {
    "posterior_capsule_rupture": N_("Posterior capsule rupture"),
    "vitreous_loss": N_("Vitreous loss"),
    "dropped_nucleus": N_("Dropped nucleus"),
    "iris_damage": N_("Iris damage"),
    "other": N_("Other complication"),
}
NOT_OPERATED = {
    "declined": N_("Declined on the day"),
    "medical_contraindication": N_("Medical contra-indication"),
    "not_cataract": N_("Not cataract"),
    "other": N_("Other reason"),
}
# WHO / ICD-10 H54 categories of presenting visual acuity (ICD-11 9D90), one eye; 9 = unknown.
WHO_CATEGORY = {
    0: N_("cat. 0 · no or mild impairment"),
    1: N_("cat. 1 · moderate impairment"),
    2: N_("cat. 2 · severe impairment"),
    3: N_("cat. 3 · blindness"),
    4: N_("cat. 4 · blindness"),
    5: N_("cat. 5 · no light perception"),
    9: N_("not measured"),
}
RETURN_REASON = {
    "ungradable_photo": N_("Ungradable photo — retake"),
    "retest_va": N_("Re-test visual acuity"),
}
# The privacy officer's words for an access's purpose and outcome (the patient's own report
# words them for the patient, above).
PURPOSE = {
    "treatment": N_("Treatment"),
    "review": N_("Online review"),
    "follow_up": N_("Follow-up"),
    "quality": N_("Quality check"),
    "emergency": N_("Emergency"),
}
ACCESS_OUTCOME = {
    "allowed": N_("Allowed"),
    "denied": N_("Refused"),
    "break_glass": N_("Emergency access"),
}
# WHO categories of presenting visual acuity in the better eye (ICD-10 H54, 2016 revision;
# ICD-11 9D90 names the same grades).
VI_CATEGORY = {
    "0": N_("None or mild (6/18 or better)"),
    "1": N_("Moderate (< 6/18)"),
    "2": N_("Severe (< 6/60)"),
    "3": N_("Blind (< 3/60)"),
    "4": N_("Blind (< 1/60)"),
    "5": N_("Blind (no light)"),
    "9": N_("Not determined"),
}
REGION_LEVEL = {"province": N_("Province"), "county": N_("County"), "township": N_("Township")}
FACILITY_KIND = {"clinic": N_("Screening clinic"), "surgical_centre": N_("Surgical centre")}
# What an access did, for the privacy officer's counts (the policy's actions on records).
ACCESS_ACTION = {
    "person.create": N_("Registered a person"),
    "person.import": N_("Imported a person"),
    "person.read": N_("Opened a record"),
    "person.identifiers.read": N_("Saw name and contact details"),
    "person.update": N_("Changed a person's details"),
    "person.erase": N_("Erased identifiers on request"),
    "person.search": N_("Found in a search"),
    "screening.create": N_("Recorded a screening"),
    "screening.read": N_("Read screenings"),
    "photo.create": N_("Added an eye photo"),
    "photo.read": N_("Looked at eye photos"),
    "review.create": N_("Recorded an online review"),
    "attendance.create": N_("Recorded an arrival"),
    "surgery.create": N_("Recorded an operation"),
    "follow_up.create": N_("Recorded a follow-up"),
    "worklist.read": N_("Listed on a follow-up worklist"),
    "review_queue.read": N_("Listed in the review queue"),
    "centre_list.read": N_("Listed as expected at a centre"),
    "break_glass.open": N_("Opened emergency access"),
    "person.correct": N_("Corrected a person's details"),
    "screening.void": N_("Voided a screening"),
    "attendance.undo": N_("Undid an arrival"),
    "review.amend": N_("Amended a review"),
    "correction.read": N_("Read corrections"),
    # The policy's other actions, for the counts by action (every declared one is worded).
    "aggregate.read": N_("Read aggregate figures"),
    "audit.read": N_("Read the audit log"),
    "break_glass.review": N_("Reviewed an emergency access"),
    "admin.manage": N_("Managed regions and facilities"),
    "records.import": N_("Imported records"),
    "records.export": N_("Exported records"),
    **ACCOUNT_ACTION,
    "release.propose": N_("Proposed a release"),
    "release.read": N_("Read releases"),
    "release.decide": N_("Decided a release"),
    "export.research.request": N_("Asked for a research export"),
    "export.research.produce": N_("Produced a research export"),
    "export.identified.request": N_("Asked for an identified export"),
    "export.identified.produce": N_("Produced an identified export"),
    "export.identified": N_("Identified export"),
    "export.read": N_("Read exports"),
    "export.decide": N_("Decided an export"),
    "review.return": N_("Sent a case back to the clinic"),
    "snapshot.request": N_("Asked for a new snapshot"),
    "centre_list.search": N_("Searched the expected patients"),
    "contact_attempt.create": N_("Recorded a call or visit"),
    "appointment.set": N_("Gave or changed an appointment"),
    "not_operated.create": N_("Recorded an eye not operated"),
    "programme.change": N_("Changed the programme's settings"),
}

# The installation's settings (BRIGHTLINE_*), worded for the admin page in its language: the
# same words as each setting's help in the CLI and docs/configuration.md.
SETTING_HELP = {
    "home": N_("Data directory: database file, keys, photos, snapshots."),
    "database_url": N_(
        "SQLAlchemy URL of the operational store. Empty means the SQLite file "
        "brightline.db in the data directory; use postgresql+psycopg://… for a server."
    ),
    "key_file": N_("File holding the identifier keys; default <home>/keys/identifiers.key."),
    "pseudonym_key_file": N_(
        "File holding the national-ID pseudonym (HMAC) key, held apart from the "
        "identifier key; default <home>/keys/pseudonym.key."
    ),
    "programme_file": N_(
        "Programme file (TOML: triage rules, worklist days); default: built-in rules."
    ),
    "break_glass_minutes": N_("How long an emergency access stays open."),
    "attendance_undo_days": N_(
        "How many days after recording it a surgical centre may undo an arrival."
    ),
    "token_idle_minutes": N_("A sign-in token expires after this much inactivity."),
    "token_absolute_hours": N_("A sign-in token expires this long after sign-in, always."),
    "image_max_bytes": N_("Largest accepted eye photo, in bytes."),
    "image_max_pixels": N_("Largest accepted eye photo, in pixels."),
    "sqlite_busy_timeout_ms": N_("How long SQLite waits for a lock before giving up."),
    "audit_origin": N_(
        "Name of this installation's audit log: the first line of every checkpoint and "
        "the name of its signing key (e.g. the site's domain followed by /audit)."
    ),
    "audit_checkpoint_every": N_("Sign a new audit checkpoint after this many entries."),
    "audit_checkpoint_seconds": N_(
        "Sign a new audit checkpoint when the last one is this old and entries came."
    ),
    "spark_master": N_(
        "Spark master for --engine spark: local[N] on one machine, spark://host:7077 for "
        "a cluster reading the snapshot from shared storage."
    ),
    "audit_signing_key_file": N_(
        "File holding the audit log's Ed25519 checkpoint signing key; default "
        "<home>/keys/audit-signing.key."
    ),
    "snapshot_refresh_minutes": N_(
        "Take a new analytics snapshot in the server when the latest is this many minutes "
        "old (0: only when asked, from the dashboard or with 'brightline snapshot')."
    ),
    "public_base_url": N_(
        "The address patients reach this installation at (e.g. https://eyes.example.org): "
        "the referral slip prints the access report's full address and its QR code."
    ),
    "argon2_profile": N_(
        "argon2id parameters for new password hashes: rfc9106-low-memory (RFC 9106 §4, "
        "t=3, m=64 MiB, p=4). 'test' is argon2's cheapest profile, for test suites only: "
        "never use it where real passwords are stored."
    ),
    "privacy_budget_per_year": N_(
        "Total ε of differential privacy that public releases may spend on each calendar "
        "year of data (the ledger refuses a release that would exceed it)."
    ),
    "identified_export_hours": N_(
        "An approved identified export must be produced within this many hours."
    ),
    "research_k_anonymity": N_(
        "Every research-export record shares its age band, sex and county with at least "
        "this many people (k-anonymity); others are generalised or suppressed."
    ),
    "research_min_county_people": N_(
        "A county with fewer people than this in a research export is merged into '(other)'."
    ),
    "dhis2_token": N_(
        "DHIS2 personal access token for 'brightline export dhis2 --push' (sent as "
        "'Authorization: ApiToken …'); takes precedence over username and password."
    ),
    "dhis2_username": N_("DHIS2 username for --push with basic authentication."),
    "dhis2_password": N_("DHIS2 password for --push with basic authentication."),
    "offline_warn_days": N_(
        "The offline screener app warns loudly when its device has not sent its records "
        "to the server for this many days."
    ),
    "fhir_export_expiry_hours": N_(
        "The files of an asynchronous FHIR $export are removed this many hours "
        "after the export is done."
    ),
}
# The programme's operational settings, by their name on the admin page's form.
PROGRAMME_SETTING = {
    "name": N_("Programme name"),
    "va_notation": N_("How VA is shown"),
    "date_format": N_("How dates are shown"),
    "not_attended_days": N_("Days after referral before a person not attended is on the worklist"),
    "turnaround_target_days": N_("Target days from referral to online review"),
    "window_first_day": N_("Follow-up window: first day after surgery"),
    "window_last_day": N_("Follow-up window: last day after surgery"),
}
# The programme file's [triage] rules in words (docs/triage.md, programme/default.toml); the
# value is shown beside each, the file's key as data so an admin can find it in the file.
TRIAGE_RULE = {
    "version": N_("Name of this set of rules (every triage result keeps it)"),
    "refer_worse_than": N_("Refer a person when either eye's presenting VA is worse than"),
    "pinhole_corrects_to": N_(
        "A failing eye whose pinhole VA reaches this or better has refractive error: "
        "glasses (refraction), not review"
    ),
    "urgent_symptoms": N_("Symptoms that make the referral urgent"),
    "urgent_better_eye_worse_than": N_("Urgent when even the better eye sees worse than"),
    "complication_worse_than": N_(
        "An eye after cataract surgery that sees worse than this, even with pinhole, "
        "may have a complication: review"
    ),
    "complication_urgent": N_("Possible complications of surgery are urgent review"),
}
VA_NOTATION = {
    "metric": N_("Metric (6/18)"),
    "imperial": N_("Imperial (20/60)"),
    "decimal": N_("Decimal (0.33)"),
    "logmar": N_("logMAR (0.48)"),
}
# What a correction changed, by the field names it keeps (``correction_records``).
CORRECTED_FIELD = {
    "name": N_("Name"),
    "phone": N_("Phone"),
    "national_id": N_("National ID"),
    "address": N_("Address"),
    "sex": N_("Sex"),
    "birth_year": N_("Year of birth"),
    "voided_at": N_("Voided"),
    "referral": N_("Referral"),
    "attendance": N_("Attendance"),
    "recommendation": N_("Recommendation"),
    "urgency": N_("Urgency"),
    "surgery_eyes": N_("Surgery on"),
    "right_icd10": N_("Right eye ICD-10"),
    "right_icd11": N_("Right eye ICD-11"),
    "left_icd10": N_("Left eye ICD-10"),
    "left_icd11": N_("Left eye ICD-11"),
    "notes": N_("Notes"),
}
# Earlier values that are codes, worded like the record they came from.
CORRECTED_VALUE = {"sex": SEX, "recommendation": RECOMMENDATION, "urgency": URGENCY}
# What a verification of the audit log found, by the verifier's problem kind (RFC 9162 §2.1:
# leaves and tree nodes; C2SP signed notes: checkpoints). The verifier's own sentence follows
# as technical detail.
AUDIT_PROBLEM = {
    "node_missing": N_("A node of the log's hash tree is missing."),
    "node_mismatch": N_("A node of the log's hash tree does not match the entries below it."),
    "node_extra": N_("The hash tree holds a node that no entry accounts for."),
    "entry_missing": N_("An entry of the log is missing."),
    "entry_edited": N_("An entry was changed after it was written."),
    "columns": N_("An entry's stored columns do not agree with its text."),
    "head": N_("The log's recorded size and root do not match its entries."),
    "checkpoint_signature": N_("A checkpoint's signature does not verify."),
    "checkpoint_origin": N_("A checkpoint names another log."),
    "checkpoint_row": N_("A stored checkpoint does not agree with its signed text."),
    "checkpoint_beyond_log": N_("A checkpoint covers more entries than the log holds."),
    "checkpoint_root": N_("A checkpoint's root does not match the log's entries."),
    "checkpoint_order": N_("The checkpoints are out of order."),
    "checkpoint_consistency": N_("A later checkpoint is not consistent with an earlier one."),
    "cosignature": N_("A witness's cosignature does not verify."),
}
# A problem kind the table above does not word yet still reads in the page's language.
AUDIT_PROBLEM_OTHER = N_("The log does not verify.")
