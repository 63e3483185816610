"""Tests for the stand-alone RFC 9162 Merkle verifier: vectors, exhaustive sweeps, properties."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from brightline.audit import merkle
from brightline.audit.merkle import (
    EMPTY_ROOT,
    MerkleAccumulator,
    consistency_proof,
    consistency_proof_from,
    inclusion_proof,
    inclusion_proof_from,
    leaf_hash,
    node_hash,
    root,
    root_from,
    verify_consistency,
    verify_inclusion,
)

# Certificate Transparency reference test data (RFC 6962 implementations, transparency-dev).
VECTOR_ENTRIES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
VECTOR_ROOTS = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
VECTOR_LEAVES = [leaf_hash(entry) for entry in VECTOR_ENTRIES]

H_1 = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
H_23 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
H_4567 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
H_4 = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
H_67 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
H_123 = VECTOR_ROOTS[4].hex()
H_45 = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"

VECTOR_INCLUSION = [
    (0, 1, []),
    (0, 2, [H_1]),
    (1, 2, [VECTOR_ROOTS[1].hex()]),
    (2, 3, [VECTOR_ROOTS[2].hex()]),
    (1, 5, [VECTOR_ROOTS[1].hex(), H_23, H_4]),
    (0, 8, [H_1, H_23, H_4567]),
    (5, 8, [H_4, H_67, H_123]),
]
VECTOR_CONSISTENCY = [
    (1, 1, []),
    (1, 8, [H_1, H_23, H_4567]),
    (2, 5, [H_23, H_4]),
    (6, 8, [H_45, H_67, H_123]),
]


# --- An independent, obviously-correct transcription of the RFC 9162 recursions. ----------


def split_point(n: int) -> int:
    """Largest power of two strictly below n, found by counting up."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]), RFC 9162 §2.1.1, by direct recursion."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split_point(len(leaves))
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]), RFC 9162 §2.1.3.1, by direct recursion."""
    n = len(leaves)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_mth(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b), RFC 9162 §2.1.4.1, by direct recursion."""
    n = len(leaves)
    if m == n:
        return [] if complete else [naive_mth(leaves)]
    k = split_point(n)
    if m <= k:
        return [*naive_subproof(m, leaves[:k], complete), naive_mth(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_mth(leaves[:k])]


def naive_inclusion_root(m: int, n: int, leaf: bytes, proof: list[bytes]) -> bytes | None:
    """Fold a proof back up the PATH recursion; None if its length does not fit."""
    if n == 1:
        return leaf if not proof else None
    if not proof:
        return None
    k = split_point(n)
    *rest, last = proof
    if m < k:
        below = naive_inclusion_root(m, k, leaf, rest)
        return None if below is None else node_hash(below, last)
    below = naive_inclusion_root(m - k, n - k, leaf, rest)
    return None if below is None else node_hash(last, below)


def naive_consistency_roots(
    m: int, n: int, complete: bool, old_root: bytes, proof: list[bytes]
) -> tuple[bytes, bytes] | None:
    """Fold a proof back up the SUBPROOF recursion into (old root, new root)."""
    if m == n:
        if complete:
            return (old_root, old_root) if not proof else None
        return (proof[0], proof[0]) if len(proof) == 1 else None
    if not proof:
        return None
    k = split_point(n)
    *rest, last = proof
    if m <= k:
        below = naive_consistency_roots(m, k, complete, old_root, rest)
        return None if below is None else (below[0], node_hash(below[1], last))
    below = naive_consistency_roots(m - k, n - k, False, old_root, rest)
    if below is None:
        return None
    return node_hash(last, below[0]), node_hash(last, below[1])


def naive_verify_inclusion(leaf: bytes, m: int, n: int, proof: list[bytes], top: bytes) -> bool:
    """Inclusion check by replaying the PATH recursion."""
    if not 0 <= m < n:
        return False
    return naive_inclusion_root(m, n, leaf, proof) == top


def naive_verify_consistency(m: int, n: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    """Consistency check by replaying the SUBPROOF recursion."""
    if not 0 < m <= n:
        return False
    return naive_consistency_roots(m, n, True, old, proof) == (old, new)


def make_leaves(count: int, salt: bytes = b"") -> list[bytes]:
    """Distinct leaf hashes for synthetic audit events."""
    return [leaf_hash(salt + b"event %d" % i) for i in range(count)]


LEAVES_64 = make_leaves(64)
ROOTS_64 = [naive_mth(LEAVES_64[:n]) for n in range(65)]


def flip(value: bytes, position: int, bit: int = 0) -> bytes:
    """Return value with one bit changed."""
    changed = bytearray(value)
    changed[position % len(value)] ^= 1 << bit
    return bytes(changed)


class StoredSubtrees:
    """A SubtreeSource backed by the (level, index) nodes a MerkleAccumulator emits."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.lookups = 0

    def subtree(self, start: int, size: int) -> bytes:
        level = size.bit_length() - 1
        assert size == 1 << level and start % size == 0, "only perfect subtrees are stored"
        self.lookups += 1
        return self.nodes[(level, start >> level)]


def stored(leaves: list[bytes]) -> StoredSubtrees:
    """Append leaves through an accumulator and keep every node it reports."""
    store = StoredSubtrees()
    accumulator = MerkleAccumulator()
    for leaf in leaves:
        for level, index, value in accumulator.append(leaf):
            store.nodes[(level, index)] = value
    return store


# --- Known answers. ------------------------------------------------------------------------


def test_hash_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )


def test_empty_root() -> None:
    assert root([]) == EMPTY_ROOT == VECTOR_ROOTS[0]
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", range(9))
def test_vector_roots(size: int) -> None:
    assert root(VECTOR_LEAVES[:size]) == VECTOR_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "expected"), VECTOR_INCLUSION)
def test_vector_inclusion_proofs(index: int, size: int, expected: list[str]) -> None:
    proof = inclusion_proof(VECTOR_LEAVES[:size], index)
    assert [p.hex() for p in proof] == expected
    assert verify_inclusion(VECTOR_LEAVES[index], index, size, proof, VECTOR_ROOTS[size])


@pytest.mark.parametrize(("old", "new", "expected"), VECTOR_CONSISTENCY)
def test_vector_consistency_proofs(old: int, new: int, expected: list[str]) -> None:
    proof = consistency_proof(VECTOR_LEAVES[:new], old)
    assert [p.hex() for p in proof] == expected
    assert verify_consistency(old, new, VECTOR_ROOTS[old], VECTOR_ROOTS[new], proof)


# --- Every proof for every tree up to 64 leaves. ------------------------------------------


def test_all_roots_match_naive() -> None:
    for n in range(65):
        assert root(LEAVES_64[:n]) == ROOTS_64[n]


def test_all_inclusion_proofs_up_to_64() -> None:
    for n in range(1, 65):
        leaves = LEAVES_64[:n]
        for m in range(n):
            proof = inclusion_proof(leaves, m)
            assert proof == naive_path(m, leaves), (m, n)
            assert verify_inclusion(leaves[m], m, n, proof, ROOTS_64[n]), (m, n)


def test_all_consistency_proofs_up_to_64() -> None:
    for n in range(1, 65):
        leaves = LEAVES_64[:n]
        for m in range(1, n + 1):
            proof = consistency_proof(leaves, m)
            assert proof == naive_subproof(m, leaves, True), (m, n)
            assert verify_consistency(m, n, ROOTS_64[m], ROOTS_64[n], proof), (m, n)


@pytest.mark.slow
def test_inclusion_verifier_agrees_with_naive_for_every_claimed_position() -> None:
    # A proof binds the tree size only through the shape of its path: a proof for (m, n) is
    # accepted at another size exactly when that size gives the leaf the same path shape.
    for n in range(1, 33):
        for m in range(n):
            proof = inclusion_proof(LEAVES_64[:n], m)
            for claimed_m in range(n + 2):
                for claimed_n in range(1, 40):
                    args = (LEAVES_64[m], claimed_m, claimed_n, proof, ROOTS_64[n])
                    assert verify_inclusion(*args) == naive_verify_inclusion(*args)
                    if claimed_m != m and claimed_n == n:
                        assert not verify_inclusion(*args)


def test_consistency_verifier_agrees_with_naive_for_every_claimed_size() -> None:
    for n in range(1, 25):
        for m in range(1, n + 1):
            proof = consistency_proof(LEAVES_64[:n], m)
            for claimed_m in range(0, 28):
                for claimed_n in range(0, 28):
                    args = (claimed_m, claimed_n, ROOTS_64[m], ROOTS_64[n], proof)
                    assert verify_consistency(*args) == naive_verify_consistency(*args)


# --- Properties. ---------------------------------------------------------------------------


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[list[bytes], int]:
    size = draw(st.integers(min_value=1, max_value=300))
    salt = draw(st.binary(max_size=8))
    return make_leaves(size, salt), draw(st.integers(min_value=0, max_value=size - 1))


@given(tree_and_index(), st.data())
def test_inclusion_proof_fails_on_any_change(
    tree: tuple[list[bytes], int], data: st.DataObject
) -> None:
    leaves, m = tree
    n = len(leaves)
    top = root(leaves)
    proof = inclusion_proof(leaves, m)
    assert verify_inclusion(leaves[m], m, n, proof, top)

    position = data.draw(st.integers(0, 31))
    bit = data.draw(st.integers(0, 7))
    assert not verify_inclusion(flip(leaves[m], position, bit), m, n, proof, top)
    assert not verify_inclusion(leaves[m], m, n, proof, flip(top, position, bit))
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        tampered = list(proof)
        tampered[which] = flip(tampered[which], position, bit)
        assert not verify_inclusion(leaves[m], m, n, tampered, top)
        replaced = list(proof)
        replaced[which] = data.draw(
            st.binary(min_size=32, max_size=32).filter(lambda b: b != proof[which])
        )
        assert not verify_inclusion(leaves[m], m, n, replaced, top)
        assert not verify_inclusion(leaves[m], m, n, proof[:-1], top)
    assert not verify_inclusion(leaves[m], m, n, [*proof, proof[0] if proof else top], top)

    other_index = data.draw(st.integers(0, n))
    if other_index != m:
        assert not verify_inclusion(leaves[m], other_index, n, proof, top)
    other_size = data.draw(st.integers(0, 2 * n + 2))
    args = (leaves[m], m, other_size, proof, top)
    assert verify_inclusion(*args) == naive_verify_inclusion(*args)
    if other_size != n:
        # Accepted only where the path shape is unchanged; the proof is then literally the
        # honest proof of some tree of that size whose root is `top`.
        assert not verify_inclusion(*args) or len(naive_path(m, make_leaves(other_size))) == len(
            proof
        )


@st.composite
def tree_and_old_size(draw: st.DrawFn) -> tuple[list[bytes], int]:
    size = draw(st.integers(min_value=1, max_value=300))
    salt = draw(st.binary(max_size=8))
    return make_leaves(size, salt), draw(st.integers(min_value=1, max_value=size))


@given(tree_and_old_size(), st.data())
def test_consistency_proof_fails_on_any_change(
    tree: tuple[list[bytes], int], data: st.DataObject
) -> None:
    leaves, m = tree
    n = len(leaves)
    old, new = root(leaves[:m]), root(leaves)
    proof = consistency_proof(leaves, m)
    assert verify_consistency(m, n, old, new, proof)

    position = data.draw(st.integers(0, 31))
    bit = data.draw(st.integers(0, 7))
    assert not verify_consistency(m, n, flip(old, position, bit), new, proof)
    assert not verify_consistency(m, n, old, flip(new, position, bit), proof)
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        tampered = list(proof)
        tampered[which] = flip(tampered[which], position, bit)
        assert not verify_consistency(m, n, old, new, tampered)
        assert not verify_consistency(m, n, old, new, proof[:-1])
        assert not verify_consistency(m, n, old, new, proof[1:])
    assert not verify_consistency(m, n, old, new, [*proof, old])
    assert not verify_consistency(m, n, old, new, [old, *proof])

    other_old = data.draw(st.integers(0, n + 2))
    other_new = data.draw(st.integers(0, 2 * n + 2))
    for claimed in [(other_old, n), (m, other_new), (other_old, other_new)]:
        args = (*claimed, old, new, proof)
        assert verify_consistency(*args) == naive_verify_consistency(*args)


@given(tree_and_index())
def test_proofs_from_the_wrong_tree_fail(tree: tuple[list[bytes], int]) -> None:
    leaves, m = tree
    assume(len(leaves) > 1)  # a one-leaf tree's proof is empty, so no wrong proof exists
    other = make_leaves(len(leaves), b"other tree")
    proof = inclusion_proof(other, m)
    assert not verify_inclusion(leaves[m], m, len(leaves), proof, root(leaves))


# --- Malformed input: False, never an exception. -------------------------------------------

GOOD_LEAVES = LEAVES_64[:11]
GOOD_ROOT = ROOTS_64[11]
GOOD_PROOF = inclusion_proof(GOOD_LEAVES, 6)
GOOD_INCLUSION: dict[str, Any] = {
    "leaf_hash": GOOD_LEAVES[6],
    "index": 6,
    "tree_size": 11,
    "proof": GOOD_PROOF,
    "root": GOOD_ROOT,
}
GOOD_CONSISTENCY_PROOF = consistency_proof(GOOD_LEAVES, 6)
GOOD_CONSISTENCY: dict[str, Any] = {
    "old_size": 6,
    "new_size": 11,
    "old_root": ROOTS_64[6],
    "new_root": GOOD_ROOT,
    "proof": GOOD_CONSISTENCY_PROOF,
}

BAD_HASHES = [b"\x00" * 31, b"\x00" * 33, b"", bytearray(32), "a" * 32, None, 0, [b"\x00"] * 32]
BAD_COUNTS = [-1, -(2**70), 6.0, "6", None, True, b"6"]


def test_good_cases_verify() -> None:
    assert verify_inclusion(**GOOD_INCLUSION)
    assert verify_consistency(**GOOD_CONSISTENCY)


@pytest.mark.parametrize(
    "change",
    [{"leaf_hash": bad} for bad in BAD_HASHES]
    + [{"root": bad} for bad in BAD_HASHES]
    + [{"index": bad} for bad in BAD_COUNTS]
    + [{"tree_size": bad} for bad in BAD_COUNTS]
    + [
        {"index": 11},
        {"index": 12},
        {"index": 2**64},
        {"tree_size": 0},
        {"tree_size": 6},
        {"tree_size": 2**80},
        {"proof": [*GOOD_PROOF, GOOD_PROOF[0]]},
        {"proof": GOOD_PROOF[:-1]},
        {"proof": []},
        {"proof": [*GOOD_PROOF[:-1], GOOD_PROOF[-1][:31]]},
        {"proof": [*GOOD_PROOF[:-1], GOOD_PROOF[-1] + b"\x00"]},
        {"proof": [*GOOD_PROOF[:-1], GOOD_PROOF[-1].hex()]},
        {"proof": [*GOOD_PROOF[:-1], None]},
        {"proof": b"".join(GOOD_PROOF)},
        {"proof": b""},
        {"proof": ""},
        {"proof": None},
        {"proof": 3},
        {"proof": [GOOD_PROOF[0]] * 10_000},
    ],
)
def test_malformed_inclusion_is_false(change: dict[str, Any]) -> None:
    assert verify_inclusion(**{**GOOD_INCLUSION, **change}) is False


@pytest.mark.parametrize(
    "change",
    [{"old_root": bad} for bad in BAD_HASHES]
    + [{"new_root": bad} for bad in BAD_HASHES]
    + [{"old_size": bad} for bad in BAD_COUNTS]
    + [{"new_size": bad} for bad in BAD_COUNTS]
    + [
        {"old_size": 0},
        {"old_size": 12},
        {"new_size": 5},
        {"proof": [*GOOD_CONSISTENCY_PROOF, GOOD_CONSISTENCY_PROOF[0]]},
        {"proof": GOOD_CONSISTENCY_PROOF[:-1]},
        {"proof": []},
        {"proof": [*GOOD_CONSISTENCY_PROOF[:-1], b"\x00" * 31]},
        {"proof": [*GOOD_CONSISTENCY_PROOF[:-1], b"\x00" * 33]},
        {"proof": b""},
        {"proof": None},
        {"proof": "proof"},
    ],
)
def test_malformed_consistency_is_false(change: dict[str, Any]) -> None:
    assert verify_consistency(**{**GOOD_CONSISTENCY, **change}) is False


def test_consistency_from_empty_tree_proves_nothing() -> None:
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 1, EMPTY_ROOT, ROOTS_64[1], [])
    assert not verify_consistency(0, 1, EMPTY_ROOT, ROOTS_64[1], [ROOTS_64[1]])


def test_consistency_between_equal_sizes() -> None:
    assert verify_consistency(5, 5, ROOTS_64[5], ROOTS_64[5], [])
    assert verify_consistency(5, 5, ROOTS_64[5], ROOTS_64[5], ())
    assert not verify_consistency(5, 5, ROOTS_64[5], ROOTS_64[6], [])
    assert not verify_consistency(5, 5, ROOTS_64[5], ROOTS_64[5], [ROOTS_64[5]])


def test_old_size_above_new_size_is_false() -> None:
    proof = consistency_proof(LEAVES_64[:9], 5)
    assert not verify_consistency(9, 5, ROOTS_64[9], ROOTS_64[5], proof)


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.binary(max_size=40),
    st.text(max_size=40),
    st.lists(st.binary(min_size=30, max_size=34), max_size=8),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=4)), max_size=4),
)


@pytest.mark.slow
@settings(max_examples=300)
@given(ANYTHING, ANYTHING, ANYTHING, ANYTHING, ANYTHING)
def test_verifiers_never_raise(a: Any, b: Any, c: Any, d: Any, e: Any) -> None:
    assert verify_inclusion(a, b, c, d, e) in (True, False)
    assert verify_consistency(a, b, c, d, e) in (True, False)
    assert verify_inclusion(GOOD_LEAVES[6], b, c, d, GOOD_ROOT) in (True, False)
    assert verify_consistency(b, c, ROOTS_64[6], GOOD_ROOT, d) in (True, False)


# --- Generators refuse bad arguments. ------------------------------------------------------


@pytest.mark.parametrize("index", [-1, 11, 12])
def test_inclusion_proof_index_out_of_range(index: int) -> None:
    with pytest.raises(ValueError, match="index"):
        inclusion_proof(GOOD_LEAVES, index)


def test_inclusion_proof_of_empty_tree() -> None:
    with pytest.raises(ValueError, match="index"):
        inclusion_proof([], 0)


@pytest.mark.parametrize("old_size", [-1, 0, 12])
def test_consistency_proof_old_size_out_of_range(old_size: int) -> None:
    with pytest.raises(ValueError, match="old_size"):
        consistency_proof(GOOD_LEAVES, old_size)


def test_generators_refuse_non_int_positions() -> None:
    with pytest.raises(TypeError):
        inclusion_proof(GOOD_LEAVES, True)
    with pytest.raises(TypeError):
        consistency_proof(GOOD_LEAVES, 3.0)  # type: ignore[arg-type]


def test_generators_refuse_malformed_leaf_hashes() -> None:
    with pytest.raises(ValueError, match="leaf hash 2"):
        root([*GOOD_LEAVES[:2], b"short", *GOOD_LEAVES[3:]])


# --- Stored subtrees, the accumulator and O(log n) lookups. --------------------------------


def test_accumulator_emits_exactly_the_perfect_nodes() -> None:
    accumulator = MerkleAccumulator()
    assert accumulator.root() == EMPTY_ROOT
    seen: dict[tuple[int, int], bytes] = {}
    for n, leaf in enumerate(LEAVES_64, start=1):
        trailing_ones = ((n - 1) ^ n).bit_length() - 1
        emitted = accumulator.append(leaf)
        assert len(emitted) == 1 + trailing_ones
        assert emitted[0] == (0, n - 1, leaf)
        for level, index, value in emitted:
            assert (level, index) not in seen
            assert value == naive_mth(LEAVES_64[index << level : (index + 1) << level])
            seen[(level, index)] = value
        assert accumulator.size == n
        assert accumulator.root() == ROOTS_64[n]
        expected = {(level, index) for level in range(7) for index in range(n >> level)}
        assert set(seen) == expected


def test_accumulator_refuses_malformed_leaf() -> None:
    with pytest.raises(ValueError):
        MerkleAccumulator().append(b"\x00" * 31)


def test_accumulator_resumes_from_stored_nodes() -> None:
    store = stored(LEAVES_64)
    for n in range(65):
        accumulator = MerkleAccumulator.resume(store, n)
        assert accumulator.size == n
        assert accumulator.root() == ROOTS_64[n]
        for extra in range(n, 64):
            accumulator.append(LEAVES_64[extra])
            assert accumulator.root() == ROOTS_64[extra + 1]


def test_source_functions_agree_with_list_functions() -> None:
    store = stored(LEAVES_64)
    for n in range(65):
        assert root_from(store, n) == root(LEAVES_64[:n])
        for m in range(n):
            assert inclusion_proof_from(store, m, n) == inclusion_proof(LEAVES_64[:n], m)
        for m in range(1, n + 1):
            assert consistency_proof_from(store, m, n) == consistency_proof(LEAVES_64[:n], m)


@settings(max_examples=50)
@given(st.integers(1, 1000), st.data())
def test_source_functions_agree_on_larger_trees(size: int, data: st.DataObject) -> None:
    leaves = make_leaves(size)
    store = stored(leaves)
    m = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    assert root_from(store, size) == root(leaves)
    assert inclusion_proof_from(store, m, size) == inclusion_proof(leaves, m)
    assert consistency_proof_from(store, old, size) == consistency_proof(leaves, old)


class SyntheticSubtrees:
    """Perfect-subtree hashes made up from (level, index), so no leaves need to exist."""

    def __init__(self, tree_size: int) -> None:
        self.tree_size = tree_size
        self.lookups = 0

    def subtree(self, start: int, size: int) -> bytes:
        level = size.bit_length() - 1
        assert size == 1 << level, f"subtree size {size} is not a power of two"
        assert start % size == 0, f"subtree at {start} is not aligned to {size}"
        assert start + size <= self.tree_size
        self.lookups += 1
        return hashlib.sha256(b"%d/%d" % (level, start >> level)).digest()


class UniformSubtrees:
    """Source for a huge tree whose leaves are all equal, so every level has one hash."""

    def __init__(self) -> None:
        self.levels = [leaf_hash(b"the same event")]
        for _ in range(64):
            self.levels.append(node_hash(self.levels[-1], self.levels[-1]))

    def subtree(self, start: int, size: int) -> bytes:
        level = size.bit_length() - 1
        assert size == 1 << level and start % size == 0
        return self.levels[level]


BIG = 10_000_000
BIG_POSITIONS = [0, 1, 2, 2**23 - 1, 2**23, 2**23 + 1, BIG // 2, BIG - 2, BIG - 1, 7_654_321]
BIG_OLD_SIZES = [1, 2, 3, 2**23 - 1, 2**23, 2**23 + 1, BIG // 2, BIG - 1, BIG, 7_654_321]


@pytest.mark.parametrize("index", BIG_POSITIONS)
def test_inclusion_proof_lookups_are_logarithmic(index: int) -> None:
    source = SyntheticSubtrees(BIG)
    proof = inclusion_proof_from(source, index, BIG)
    assert len(proof) <= BIG.bit_length()
    assert source.lookups <= 2 * BIG.bit_length() + 1 <= 2 * 64


@pytest.mark.parametrize("old_size", BIG_OLD_SIZES)
def test_consistency_proof_lookups_are_logarithmic(old_size: int) -> None:
    source = SyntheticSubtrees(BIG)
    proof = consistency_proof_from(source, old_size, BIG)
    assert len(proof) <= BIG.bit_length() + 1
    assert source.lookups <= 2 * BIG.bit_length() + 1 <= 2 * 64


def test_root_lookups_are_popcount() -> None:
    source = SyntheticSubtrees(BIG)
    root_from(source, BIG)
    assert source.lookups == BIG.bit_count()


@pytest.mark.parametrize(
    ("index", "old_size"), list(zip(BIG_POSITIONS, BIG_OLD_SIZES, strict=True))
)
def test_proofs_verify_at_ten_million_leaves(index: int, old_size: int) -> None:
    source = UniformSubtrees()
    top = root_from(source, BIG)
    proof = inclusion_proof_from(source, index, BIG)
    assert verify_inclusion(source.levels[0], index, BIG, proof, top)
    assert not verify_inclusion(source.levels[0], index, BIG, proof, flip(top, 0))
    proof = consistency_proof_from(source, old_size, BIG)
    assert verify_consistency(old_size, BIG, root_from(source, old_size), top, proof)
    assert not verify_consistency(old_size, BIG, root_from(source, old_size), flip(top, 5), proof)


def test_module_is_standard_library_only() -> None:
    # Auditors copy this one file; it must not import Brightline or third-party packages.
    source = Path(merkle.__file__).read_text(encoding="utf-8")
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == [
        "from __future__ import annotations",
        "import hashlib",
        "from collections.abc import Sequence",
        "from typing import Protocol",
    ]
