"""The right edge cached in the head row always equals the one the stored nodes give."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from brightline.audit import merkle
from brightline.audit.log import AuditEvent, AuditLog, edge_nodes
from brightline.audit.tree import StoredTree, root_at
from brightline.site import Site
from brightline.store.models import AuditEntry, AuditHead
from brightline.timestamps import utcnow


def _append(site: Site, count: int) -> None:
    for n in range(count):
        event = AuditEvent(
            f"actor{n}", "screener", "person.read", "r", "treatment", "allowed", utcnow()
        )
        with site.transaction() as session:
            AuditLog().append(session, event)


def _leaves(site: Site) -> list[bytes]:
    with site.transaction() as session:
        return list(session.scalars(select(AuditEntry.leaf_hash).order_by(AuditEntry.position)))


@pytest.mark.parametrize("count", [1, 2, 7, 16, 23])
def test_cached_edge_matches_stored_nodes(site: Site, count: int) -> None:
    _append(site, count)
    leaves = _leaves(site)
    with site.transaction() as session:
        cached = session.scalar(select(AuditHead.edge))
        tree = StoredTree(session)
        tree.prefetch(edge_nodes(count))
        stored = merkle.MerkleAccumulator.resume(tree, count).edge
        assert cached == b"".join(stored)
        assert root_at(session) == merkle.root(leaves)


def test_appends_without_a_cached_edge_read_the_stored_nodes(site: Site) -> None:
    _append(site, 5)
    with site.transaction() as session:
        session.execute(update(AuditHead).values(edge=None))
    _append(site, 4)
    leaves = _leaves(site)
    with site.transaction() as session:
        assert root_at(session) == merkle.root(leaves)
        assert session.scalar(select(AuditHead.edge)) is not None


def test_from_edge_refuses_a_wrong_edge() -> None:
    with pytest.raises(ValueError, match="one hash per set bit"):
        merkle.MerkleAccumulator.from_edge(3, [b"\0" * 32])
    with pytest.raises(ValueError, match="32 bytes"):
        merkle.MerkleAccumulator.from_edge(1, [b"\0" * 31])
    leaves = [merkle.leaf_hash(bytes([n])) for n in range(6)]
    whole = merkle.MerkleAccumulator()
    for leaf in leaves:
        whole.append(leaf)
    resumed = merkle.MerkleAccumulator.from_edge(6, whole.edge)
    resumed.append(merkle.leaf_hash(b"seventh"))
    assert resumed.root() == merkle.root([*leaves, merkle.leaf_hash(b"seventh")])
