"""The patient's access report made readable: a one-line summary, then the accesses grouped
per visit (one kind of staff, one purpose, within an hour), each with its time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from brightline.audit.reports import AccessReportLine
from brightline.web.i18n import Formats

# Accesses by the same kind of staff for the same purpose this close together are one visit.
VISIT_GAP = timedelta(hours=1)


@dataclass
class Visit:
    """Consecutive accesses of one visit: when, who, why, what was done, and their proofs."""

    first: AccessReportLine
    lines: list[tuple[AccessReportLine, bool]] = field(default_factory=list)

    @property
    def at(self) -> datetime | None:
        """When the visit began."""
        return self.first.at

    @property
    def actions(self) -> list[tuple[str, int]]:
        """What was done, in order of first appearance, with how many times."""
        counted = Counter(line.action for line, _ in self.lines)
        return list(counted.items())  # a Counter keeps the order of first appearance

    @property
    def verified(self) -> bool:
        """Every access of the visit is proven to be in the audit log."""
        return all(proven for _, proven in self.lines)

    @property
    def flagged(self) -> bool:
        """An emergency or refused access is part of the visit."""
        return any(line.break_glass or line.outcome != "allowed" for line, _ in self.lines)


def _same_visit(visit: Visit, line: AccessReportLine) -> bool:
    last = visit.lines[-1][0]
    return (
        last.role == line.role
        and last.purpose == line.purpose
        and last.date == line.date
        and (last.at is None or line.at is None or line.at - last.at <= VISIT_GAP)
    )


def visits(lines: list[tuple[AccessReportLine, bool]]) -> list[Visit]:
    """The accesses grouped per visit, oldest first."""
    grouped: list[Visit] = []
    for line, proven in lines:
        if not grouped or not _same_visit(grouped[-1], line):
            grouped.append(Visit(line))
        grouped[-1].lines.append((line, proven))
    return grouped


def summary(grouped: list[Visit], fmt: Formats) -> str:
    """ "Your record was opened 6 times: 4 by … for …, 2 by … for …" in the reader's language."""
    _ = fmt.gettext
    by_whom = Counter((v.first.role, v.first.purpose) for v in grouped)
    parts = [
        _("%(count)s by %(who)s for %(why)s")
        % {"count": fmt.number(n), "who": _(who), "why": _(why)}
        for (who, why), n in by_whom.most_common()
    ]
    opened = fmt.ngettext(
        "Your record was opened %(count)s time: %(parts)s.",
        "Your record was opened %(count)s times: %(parts)s.",
        len(grouped),
    )
    return opened % {
        "count": fmt.number(len(grouped)),
        "parts": fmt.pgettext("list separator", ", ").join(parts),
    }
