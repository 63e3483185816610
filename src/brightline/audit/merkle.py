"""Stand-alone RFC 9162 (RFC 6962) Merkle tree hashing, proofs and proof verification.

This file uses only the Python standard library and imports nothing from Brightline, so an
outside auditor can copy it on its own and check the audit log's proofs with it.

Hashes are 32-byte ``bytes``. Leaves are numbered from 0; a tree of size n holds leaves
[0, n). A "perfect" subtree has a power-of-two size 2**level and starts at a multiple of
that size; it is addressed either as (start, size) or as (level, index) with
start = index << level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleAccumulator",
    "SubtreeSource",
    "consistency_proof",
    "consistency_proof_from",
    "inclusion_proof",
    "inclusion_proof_from",
    "leaf_hash",
    "node_hash",
    "root",
    "root_from",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# RFC 9162 §2.1.1 domain separation: a leaf can never be passed off as an interior node.
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """Hash one log entry as a leaf, SHA-256(0x00 ‖ entry) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes into their parent, SHA-256(0x01 ‖ left ‖ right) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


class SubtreeSource(Protocol):
    """Supplies hashes of perfect subtrees, so proofs need O(log n) lookups (RFC 9162 §2.1)."""

    def subtree(self, start: int, size: int) -> bytes:
        """Return the hash of leaves [start, start + size); size is 2**k, start a multiple of it."""
        ...


# ---------------------------------------------------------------------------------------------
# Generation: one implementation of the RFC recursions, over any SubtreeSource.
# ---------------------------------------------------------------------------------------------


def _split(size: int) -> int:
    """Return k, the largest power of two smaller than size (size ≥ 2) (RFC 9162 §2.1.1)."""
    return 1 << ((size - 1).bit_length() - 1)


def _range_hash(source: SubtreeSource, start: int, size: int) -> bytes:
    """Return MTH of leaves [start, start + size) for a node of the tree (RFC 9162 §2.1.1)."""
    # Every node MTH visits starts on a multiple of its size's highest power of two, so its
    # leaves split into aligned perfect subtrees, one per set bit of size, largest first.
    # MTH puts each perfect part on the left and recurses right, hence the right fold below.
    parts: list[bytes] = []
    offset = start
    for bit in reversed(range(size.bit_length())):
        width = 1 << bit
        if size & width:
            parts.append(source.subtree(offset, width))
            offset += width
    result = parts.pop()
    while parts:
        result = node_hash(parts.pop(), result)
    return result


def _require_int(name: str, value: object) -> int:
    """Return value if it is a plain int, refusing bool (an int subclass) and everything else."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


def root_from(source: SubtreeSource, tree_size: int) -> bytes:
    """Return MTH of the first tree_size leaves in popcount(tree_size) lookups (RFC 9162 §2.1.1)."""
    tree_size = _require_int("tree_size", tree_size)
    if tree_size < 0:
        raise ValueError(f"tree_size must be ≥ 0, got {tree_size}")
    if tree_size == 0:
        return EMPTY_ROOT
    return _range_hash(source, 0, tree_size)


def inclusion_proof_from(source: SubtreeSource, index: int, tree_size: int) -> list[bytes]:
    """Return PATH(index, D[tree_size]) in O(log n) lookups (RFC 9162 §2.1.3.1)."""
    index = _require_int("index", index)
    tree_size = _require_int("tree_size", tree_size)
    if not 0 <= index < tree_size:
        raise ValueError(f"index must be in 0..{tree_size - 1} for a tree of size {tree_size}")
    # The RFC recursion, unrolled: descend from the root towards the leaf, collecting the
    # sibling at each level; the RFC lists siblings leaf-first, so reverse at the end.
    path: list[bytes] = []
    m, start, n = index, 0, tree_size
    while n > 1:
        k = _split(n)
        if m < k:
            path.append(_range_hash(source, start + k, n - k))
            n = k
        else:
            path.append(source.subtree(start, k))
            m, start, n = m - k, start + k, n - k
    path.reverse()
    return path


def consistency_proof_from(source: SubtreeSource, old_size: int, new_size: int) -> list[bytes]:
    """Return PROOF(old_size, D[new_size]) in O(log n) lookups (RFC 9162 §2.1.4.1)."""
    old_size = _require_int("old_size", old_size)
    new_size = _require_int("new_size", new_size)
    if not 0 < old_size <= new_size:
        raise ValueError(f"old_size must be in 1..{new_size}, got {old_size}")
    # SUBPROOF(m, D[n], b) unrolled; `complete` is the RFC's b, true while the old tree is
    # still a whole node of the new one and so need not be sent (the verifier holds its root).
    proof: list[bytes] = []
    m, start, n, complete = old_size, 0, new_size, True
    while m != n:
        k = _split(n)
        if m <= k:
            proof.append(_range_hash(source, start + k, n - k))
            n = k
        else:
            proof.append(source.subtree(start, k))
            m, start, n, complete = m - k, start + k, n - k, False
    if not complete:
        proof.append(_range_hash(source, start, n))
    proof.reverse()
    return proof


class _LeafList:
    """SubtreeSource that hashes perfect subtrees straight from an in-memory leaf list."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        for position, value in enumerate(leaf_hashes):
            if not _is_hash(value):
                raise ValueError(f"leaf hash {position} is not {HASH_SIZE} bytes")
        self._leaves = leaf_hashes

    def subtree(self, start: int, size: int) -> bytes:
        """Return the hash of perfect subtree [start, start + size) (RFC 9162 §2.1.1)."""
        level = list(self._leaves[start : start + size])
        while len(level) > 1:
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        return level[0]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH(D[n]) of a list of leaf hashes; empty gives SHA-256("") (RFC 9162 §2.1.1)."""
    return root_from(_LeafList(leaf_hashes), len(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Return PATH(index, D[n]) over a list of leaf hashes (RFC 9162 §2.1.3.1)."""
    return inclusion_proof_from(_LeafList(leaf_hashes), index, len(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return PROOF(old_size, D[n]) over a list of leaf hashes (RFC 9162 §2.1.4.1)."""
    return consistency_proof_from(_LeafList(leaf_hashes), old_size, len(leaf_hashes))


# ---------------------------------------------------------------------------------------------
# Verification: never raises; anything malformed is simply "not proven".
# ---------------------------------------------------------------------------------------------


def _is_hash(value: object) -> bool:
    """Tell whether value is a 32-byte hash."""
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_count(value: object) -> bool:
    """Tell whether value is a non-negative plain int (bool is refused: True is not a size)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _as_proof(proof: object, expected_length: int) -> list[bytes] | None:
    """Return proof as a list if it is exactly expected_length 32-byte hashes, else None."""
    # bytes and str are Sequences too: b"" would otherwise pass as an empty proof.
    if not isinstance(proof, Sequence) or isinstance(proof, (str, bytes, bytearray)):
        return None
    # Length first, so an absurdly long proof is refused before its items are inspected.
    if len(proof) != expected_length:
        return None
    items = list(proof)
    if not all(_is_hash(item) for item in items):
        return None
    return items


def _inclusion_path_length(index: int, tree_size: int) -> int:
    """Return the length of PATH(index, D[tree_size]) (RFC 9162 §2.1.3.1)."""
    # Levels below the point where the paths to index and to the last leaf part ways each
    # contribute a sibling; above it, only the levels where index goes right do.
    inner = (index ^ (tree_size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _consistency_proof_length(old_size: int, new_size: int) -> int:
    """Return the length of PROOF(old_size, D[new_size]) for 0 < old < new (RFC 9162 §2.1.4.1)."""
    # The proof is the inclusion path of the old tree's last leaf, minus the levels inside the
    # old tree's rightmost perfect subtree, plus that subtree's own hash unless it is the
    # whole old tree (whose root the verifier already holds).
    shift = (old_size & -old_size).bit_length() - 1
    length = _inclusion_path_length(old_size - 1, new_size) - shift
    return length if old_size == 1 << shift else length + 1


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Tell whether proof shows leaf_hash at index in the tree with root (RFC 9162 §2.1.3.2)."""
    if not (_is_hash(leaf_hash) and _is_hash(root)):
        return False
    if not (_is_count(index) and _is_count(tree_size)) or index >= tree_size:
        return False
    path = _as_proof(proof, _inclusion_path_length(index, tree_size))
    if path is None:
        return False

    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # fn == sn on an even fn: this node is the right edge and has no sibling on the
            # levels above until fn turns odd, so climb those levels without hashing.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Tell whether proof shows the old tree is a prefix of the new one (RFC 9162 §2.1.4.2)."""
    if not (_is_hash(old_root) and _is_hash(new_root)):
        return False
    if not (_is_count(old_size) and _is_count(new_size)) or old_size > new_size:
        return False
    # Every tree extends the empty tree, so a proof from size 0 would prove nothing.
    if old_size == 0:
        return False
    if old_size == new_size:
        return _as_proof(proof, 0) is not None and old_root == new_root
    path = _as_proof(proof, _consistency_proof_length(old_size, new_size))
    if path is None:
        return False

    # An old tree that is a perfect subtree of the new one is not sent: its root is the seed.
    if old_size & (old_size - 1) == 0:
        path = [old_root, *path]
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# ---------------------------------------------------------------------------------------------
# Appending: the server's running tree edge.
# ---------------------------------------------------------------------------------------------


class MerkleAccumulator:
    """Running right edge of an append-only tree that reports each perfect node completed."""

    def __init__(self) -> None:
        self._size = 0
        # Roots of the perfect subtrees that make up the tree, largest (leftmost) first: one
        # per set bit of the size. This "compact range" is all that appending needs.
        self._edge: list[bytes] = []

    @classmethod
    def resume(cls, source: SubtreeSource, tree_size: int) -> MerkleAccumulator:
        """Rebuild the edge of a stored tree from popcount(tree_size) lookups (RFC 9162 §2.1.1)."""
        tree_size = _require_int("tree_size", tree_size)
        if tree_size < 0:
            raise ValueError(f"tree_size must be ≥ 0, got {tree_size}")
        accumulator = cls()
        offset = 0
        for bit in reversed(range(tree_size.bit_length())):
            width = 1 << bit
            if tree_size & width:
                accumulator._edge.append(source.subtree(offset, width))
                offset += width
        accumulator._size = tree_size
        return accumulator

    @classmethod
    def from_edge(cls, tree_size: int, edge: Sequence[bytes]) -> MerkleAccumulator:
        """Resume from a saved right edge (one hash per set bit of tree_size, largest first)."""
        tree_size = _require_int("tree_size", tree_size)
        if tree_size < 0 or len(edge) != bin(tree_size).count("1"):
            raise ValueError("the edge must hold one hash per set bit of the tree size")
        if not all(_is_hash(node) for node in edge):
            raise ValueError(f"edge hashes must be {HASH_SIZE} bytes")
        accumulator = cls()
        accumulator._edge = list(edge)
        accumulator._size = tree_size
        return accumulator

    @property
    def edge(self) -> list[bytes]:
        """Roots of the perfect subtrees that make up the tree, largest (leftmost) first."""
        return list(self._edge)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf; return (level, index, hash) of each perfect node it completes, leaf first."""
        if not _is_hash(leaf_hash):
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes")
        position = self._size
        completed = [(0, position, leaf_hash)]
        merged, level = leaf_hash, 0
        # Each trailing 1 bit of the old size is a perfect subtree of the same height as the
        # one just finished, waiting for its right sibling: join them and carry upwards.
        while (position >> level) & 1:
            merged = node_hash(self._edge.pop(), merged)
            level += 1
            completed.append((level, position >> level, merged))
        self._edge.append(merged)
        self._size += 1
        return completed

    def root(self) -> bytes:
        """Return the current tree root, MTH(D[size]) (RFC 9162 §2.1.1)."""
        if not self._edge:
            return EMPTY_ROOT
        result = self._edge[-1]
        for left in reversed(self._edge[:-1]):
            result = node_hash(left, result)
        return result
