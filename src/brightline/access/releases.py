"""Differentially private releases through the policy: propose, decide, read, the ledger.

A manager proposes a release of their own region; a privacy officer (never the proposer)
approves it, and only then is it computed — once, from the de-identified snapshot — and
stored; or refuses it. Each step is an audit entry naming the release's parameters.
"""

from __future__ import annotations

import json
from typing import Any

from brightline.access.base import AccessCore, not_found
from brightline.analytics.indicator_queries import IndicatorQuery, RegionScope
from brightline.analytics.release import (
    RegionUnit,
    check_period_over,
    check_tables,
    compute_release,
    release_json,
)
from brightline.analytics.snapshot import default_snapshot_dir
from brightline.disclosure_records import (
    BudgetLine,
    Ledger,
    LedgerLine,
    PublicRelease,
    ReleaseProposal,
    ReleaseRecord,
)
from brightline.errors import Forbidden
from brightline.service import lookups
from brightline.service import releases as store
from brightline.service.places import region_by_code
from brightline.site import Site
from brightline.store.disclosure_models import Release
from brightline.vocabulary import ReleaseStatus


def release_record(release: Release) -> ReleaseRecord:
    """The frozen view of a stored release."""
    return ReleaseRecord(
        id=release.id,
        status=release.status,
        title=release.title,
        level=release.level,
        region_code=release.region_code,
        period_start=release.period_start,
        period_end=release.period_end,
        epsilons=json.loads(release.epsilons),
        epsilon_total=release.epsilon_total,
        requested_at=release.requested_at,
        decided_at=release.decided_at,
        decision_note=release.decision_note,
        result=json.loads(release.result) if release.result else None,
    )


def release_detail(release: Release) -> str:
    """A release's parameters as the audit entry records them (no title: it is free text)."""
    return json.dumps(
        {
            "release": release.id,
            "level": release.level,
            "region": release.region_code,
            "from": release.period_start.isoformat(),
            "to": release.period_end.isoformat(),
            "epsilon": json.loads(release.epsilons),
        },
        sort_keys=True,
        separators=(",", ":"),
    )


class Releases(AccessCore):
    """The access methods of differentially private releases."""

    def _scope_of_actor(self) -> RegionScope | None:
        path = self.actor.region_path
        return RegionScope.of_path(path) if path else None

    def propose_release(self, proposal: ReleaseProposal) -> ReleaseRecord:
        """A manager proposes a release of their region; refused if the budget cannot pay."""
        self.require_general("release.propose")
        scope = self._scope_of_actor()
        IndicatorQuery(proposal.level, proposal.start, proposal.end, scope)
        check_period_over(proposal.end, self.site.today(), "today is")
        release = store.propose_release(
            self.session,
            title=proposal.title,
            level=proposal.level,
            region_code=scope.code if scope else None,
            start=proposal.start,
            end=proposal.end,
            epsilons=check_tables(proposal.tables),
            requested_by=self.actor.user_id,
            now=self.site.now(),
            budget=self.site.settings.privacy_budget_per_year,
        )
        self._audit("release.propose", None, None, "allowed", detail=release_detail(release))
        return release_record(release)

    def _release(self, release_id: str) -> Release:
        release = lookups.by_id(self.session, Release, release_id)
        if release is None:
            raise not_found("release", release_id)
        return release

    def _may_decide(self, release: Release, verb: str = "approved") -> None:
        """Only a privacy officer, and never the release's own proposer, decides (logged)."""
        self.require_general("release.decide")
        if release.requested_by == self.actor.user_id:
            self._audit(
                "release.decide",
                None,
                None,
                "denied",
                denial_reason="the proposer may not decide their own release",
                detail=release_detail(release),
            )
            raise Forbidden(f"a release is {verb} by someone other than the one who proposed it")
        store.check_undecided(release, self.actor.user_id)

    def approve_release(self, release_id: str, note: str | None = None) -> ReleaseRecord:
        """Approve a proposal: compute it once from the snapshot, charge the ledger, publish."""
        release = self._release(release_id)
        self._may_decide(release)
        store.check_budget(
            self.session,
            release.period_start,
            release.period_end,
            release.epsilon_total,
            self.site.settings.privacy_budget_per_year,
        )
        result = self._compute(release)
        store.publish_release(
            self.session,
            release,
            decided_by=self.actor.user_id,
            now=self.site.now(),
            result=release_json(result),
            snapshot_created_at=result.get("snapshot_created_at"),
            budget=self.site.settings.privacy_budget_per_year,
            note=note,
        )
        self._audit("release.decide", None, None, "allowed", detail=release_detail(release))
        return release_record(release)

    def _compute(self, release: Release) -> dict[str, Any]:
        scope, path = None, None
        if release.region_code:
            region = region_by_code(self.session, release.region_code)
            scope, path = RegionScope(region.level, region.code), region.path
        units = store.region_units(self.session, release.level, path)
        query = IndicatorQuery(release.level, release.period_start, release.period_end, scope)
        return compute_release(
            default_snapshot_dir(self.site.settings.home),
            query,
            [RegionUnit(code, ancestors) for code, ancestors in units],
            json.loads(release.epsilons),
            now=self.site.now(),
        )

    def refuse_release(self, release_id: str, note: str | None = None) -> ReleaseRecord:
        """Refuse a proposal: nothing is computed, nothing is charged."""
        release = self._release(release_id)
        self._may_decide(release, "refused")
        store.refuse_release(
            self.session, release, decided_by=self.actor.user_id, now=self.site.now(), note=note
        )
        self._audit("release.decide", None, None, "allowed", detail=release_detail(release))
        return release_record(release)

    def releases(self) -> list[ReleaseRecord]:
        """Every release, proposed, refused and published (managers, privacy officers)."""
        self.require_general("release.read")
        return [release_record(r) for r in store.releases(self.session)]

    def release(self, release_id: str) -> ReleaseRecord:
        """One release (managers, privacy officers)."""
        self.require_general("release.read")
        return release_record(self._release(release_id))

    def privacy_ledger(self) -> Ledger:
        """Every charge of ε and each year's spent and remaining budget."""
        self.require_general("release.read")
        budget = self.site.settings.privacy_budget_per_year
        return Ledger(
            budget,
            [
                LedgerLine(line.data_year, line.release_id, line.epsilon, line.spent_at)
                for line in store.ledger(self.session)
            ],
            [BudgetLine(y, budget, s, r) for y, s, r in store.budget_by_year(self.session, budget)],
        )


def published_releases(site: Site) -> list[ReleaseRecord]:
    """Published releases for anyone, no sign-in: figures that were made to be public."""
    with site.transaction() as session:
        return [release_record(r) for r in store.releases(session, published_only=True)]


def published_release(site: Site, release_id: str) -> ReleaseRecord:
    """One published release; anything else (proposed, refused, none) is 'not found'."""
    with site.transaction() as session:
        release = lookups.by_id(session, Release, release_id)
        if release is None or release.status != ReleaseStatus.PUBLISHED:
            raise not_found("release", release_id)
        return release_record(release)


def published_release_page(site: Site, release_id: str) -> PublicRelease:
    """One published release with the names of its regions, for its public page."""
    with site.transaction() as session:
        release = lookups.by_id(session, Release, release_id)
        if release is None or release.status != ReleaseStatus.PUBLISHED:
            raise not_found("release", release_id)
        record = release_record(release)
        assert record.result is not None
        codes = sorted({c["region"] for t in record.result["tables"].values() for c in t["counts"]})
        return PublicRelease(record, store.region_names(session, codes))
