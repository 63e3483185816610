"""Reports from the audit log: a person's own access report and the public transparency counts.

The access report answers "who looked at my record, when and why" with dates, purposes and
roles in plain words — never staff names or staff pseudonyms — and proves every line against
the signed log. The transparency report counts accesses per month by role, purpose and
outcome, emergency and refused ones included, and names no one. Account events (sign-ins,
accounts created or disabled) touch no one's record: they are in neither report, and are
listed for the privacy officer by :func:`account_events`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightline.audit import merkle
from brightline.audit.log import record_pseudonym
from brightline.audit.tree import (
    InclusionProof,
    inclusion_proofs,
    latest_checkpoint,
    tree_size,
)
from brightline.identifiers import IdentifierKeys
from brightline.store.models import ACCOUNT_EVENTS_WHERE, AuditEntry

# What each logged action means to the person whose record it touched.
ACTION_WORDS = {
    "person.create": "registered you",
    "person.import": "added your record from an imported list",
    "person.read": "looked at your record",
    "person.identifiers.read": "looked at your name and contact details",
    "person.update": "changed your details",
    "person.erase": "erased your name and contact details",
    "person.search": "found your record in a search",
    "screening.create": "recorded an eye screening",
    "screening.read": "looked at your eye screening",
    "photo.create": "added an eye photo",
    "photo.read": "looked at your eye photos",
    "review.create": "recorded an eye doctor's review of your case",
    "attendance.create": "recorded your arrival at the hospital",
    "surgery.create": "recorded your operation",
    "follow_up.create": "recorded a check of your eye after the operation",
    "worklist.read": "saw you on the clinic's follow-up list",
    "review_queue.read": "saw your case in the eye doctors' review queue",
    "centre_list.read": "saw you on the hospital's list of expected patients",
    "break_glass.open": "opened emergency access to your record",
    "person.correct": "your record was corrected: your details",
    "screening.void": "your record was corrected: an eye screening typed in error was withdrawn",
    "attendance.undo": "your record was corrected: an arrival recorded in error was withdrawn",
    "review.amend": "your record was corrected: an eye doctor amended their review",
    "correction.read": "looked at the corrections of your record",
    "contact_attempt.create": "noted a call or visit about your referral",
    "appointment.set": "gave or changed your appointment at the hospital",
    "not_operated.create": "recorded that your eye was not operated, and why",
    "centre_list.search": "found you in a search of the hospital's expected patients",
    "review.return": "asked your clinic to see you again (a new eye photo or vision test)",
}
ROLE_WORDS = {
    "screener": "screening health worker",
    "reviewer": "eye doctor (online review)",
    "surgeon": "surgical centre staff",
    "manager": "programme manager",
    "privacy_officer": "privacy officer",
    "admin": "system administrator",
}
PURPOSE_WORDS = {
    "treatment": "your care",
    "review": "review of your case",
    "follow_up": "follow-up",
    "quality": "quality check",
    "emergency": "emergency",
}
OUTCOME_WORDS = {"allowed": "allowed", "denied": "refused", "break_glass": "emergency access"}


def _words(table: dict[str, str], code: str | None) -> str:
    """Plain words for a code; an unknown code is shown readably rather than hidden."""
    if code is None:
        return "not given"
    return table.get(code, code.replace(".", " ").replace("_", " "))


@dataclass(frozen=True)
class AccessReportLine:
    """One access to a person's record, in plain words, with its proof of being in the log."""

    index: int
    date: date
    action: str
    purpose: str
    role: str
    outcome: str
    break_glass: bool
    proof: InclusionProof
    # True when the proof is against a signed checkpoint, False when against the current
    # tree (the entry is newer than the last checkpoint).
    checkpointed: bool
    # When, to the second (UTC), and the codes behind the words, so a page can word them in
    # the reader's language and group the accesses of one visit.
    at: datetime | None = None
    role_code: str | None = None
    purpose_code: str | None = None

    def verifies(self) -> bool:
        """Tell whether this line's entry is proven to be in the log at its index."""
        return self.proof.verifies()

    def as_json(self) -> dict[str, object]:
        """The line as JSON-ready values, hashes in hex."""
        return {
            "index": self.index,
            "date": self.date.isoformat(),
            "action": self.action,
            "purpose": self.purpose,
            "role": self.role,
            "outcome": self.outcome,
            "break_glass": self.break_glass,
            "leaf_hash": self.proof.leaf_hash.hex(),
            "tree_size": self.proof.tree_size,
            "root": self.proof.root.hex(),
            "proof": [step.hex() for step in self.proof.path],
            "checkpointed": self.checkpointed,
        }


def access_report(session: Session, keys: IdentifierKeys, person_id: str) -> list[AccessReportLine]:
    """Every logged access to one person's record, oldest first, each with its proof."""
    record = record_pseudonym(keys, person_id)
    rows = session.execute(
        select(AuditEntry.position, AuditEntry.entry)
        .where(AuditEntry.record == record)
        .order_by(AuditEntry.position)
    ).all()
    if not rows:
        return []
    checkpoint = latest_checkpoint(session)
    signed_size = checkpoint.size if checkpoint is not None else 0
    older = [position for position, _ in rows if position < signed_size]
    newer = [position for position, _ in rows if position >= signed_size]
    proofs: dict[int, InclusionProof] = {}
    for positions, size in ((older, signed_size), (newer, tree_size(session))):
        if positions:
            proofs.update((p.index, p) for p in inclusion_proofs(session, positions, size))
    lines = []
    for position, text in rows:
        fields = json.loads(text)
        # Everything shown comes from the hashed entry, so the proof covers what is shown; a
        # row whose query column names this record but whose entry does not is not theirs.
        if fields.get("record") != record:
            continue
        proof = proofs[position]
        checkpointed = checkpoint is not None and position < checkpoint.size
        lines.append(
            AccessReportLine(
                index=position,
                date=date.fromisoformat(fields["at"][:10]),
                action=_words(ACTION_WORDS, fields["action"]),
                purpose=_words(PURPOSE_WORDS, fields["purpose"]),
                role=_words(ROLE_WORDS, fields["role"]),
                outcome=_words(OUTCOME_WORDS, fields["outcome"]),
                break_glass=fields["outcome"] == "break_glass",
                # The leaf is recomputed from the entry text, not read from the stored hash.
                proof=InclusionProof(
                    position,
                    proof.tree_size,
                    merkle.leaf_hash(text.encode("utf-8")),
                    # Against the signed root itself, so a damaged store cannot pass.
                    checkpoint.root_hash if checkpoint is not None and checkpointed else proof.root,
                    proof.path,
                ),
                checkpointed=checkpointed,
                at=datetime.fromisoformat(fields["at"].removesuffix("Z")),
                role_code=fields["role"],
                purpose_code=fields["purpose"],
            )
        )
    return lines


@dataclass(frozen=True)
class TransparencyRow:
    """How many accesses one role made in one month for one purpose, with one outcome."""

    month: str
    role: str
    purpose: str | None
    outcome: str
    count: int

    @property
    def break_glass(self) -> bool:
        """Emergency (break-glass) accesses, which are reviewed afterwards."""
        return self.outcome == "break_glass"

    @property
    def denied(self) -> bool:
        """Attempts the policy refused."""
        return self.outcome == "denied"


def transparency_report(session: Session) -> list[TransparencyRow]:
    """Accesses per month (UTC) by role, purpose and outcome, for publication: no one named."""
    if session.get_bind().dialect.name == "sqlite":
        month = func.strftime("%Y-%m", AuditEntry.at)
    else:
        month = func.to_char(AuditEntry.at, "YYYY-MM")
    grouped = select(
        month.label("month"),
        AuditEntry.role,
        AuditEntry.purpose,
        AuditEntry.outcome,
        func.count().label("count"),
    ).where(AuditEntry.action.not_like("account.%"))
    grouped = grouped.group_by(month, AuditEntry.role, AuditEntry.purpose, AuditEntry.outcome)
    rows = [
        TransparencyRow(period, role, purpose, outcome, count)
        for period, role, purpose, outcome, count in session.execute(grouped)
    ]
    # Sorted here: SQLite and PostgreSQL disagree on where NULL purposes go.
    return sorted(rows, key=lambda r: (r.month, r.role, r.purpose or "", r.outcome))


@dataclass(frozen=True)
class AccountEventRow:
    """One account event as its hashed entry says it (pseudonyms only)."""

    position: int
    at: str
    action: str
    actor: str
    role: str
    account: str | None
    outcome: str
    reason: str | None


def account_events(session: Session, limit: int = 50) -> list[AccountEventRow]:
    """The latest ``limit`` account events, newest first, read from their hashed entries."""
    rows = session.execute(
        select(AuditEntry.position, AuditEntry.entry)
        # The index's own predicate, as literal text, so both databases use the partial index.
        .where(sa.text(ACCOUNT_EVENTS_WHERE))
        .order_by(AuditEntry.position.desc())
        .limit(limit)
    )
    events = []
    for position, entry in rows:
        fields = json.loads(entry)
        events.append(
            AccountEventRow(
                position,
                fields["at"],
                fields["action"],
                fields["actor"],
                fields["role"],
                fields.get("account"),
                fields["outcome"],
                fields.get("reason"),
            )
        )
    return events
