"""Tests for C2SP checkpoints and Ed25519 signed notes."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from brightline.audit.checkpoint import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    add_cosignature,
    ed25519_key_id,
    open_note,
    sign_note,
)
from brightline.audit.merkle import leaf_hash, root

ORIGIN = "brightline.example/audit"
ROOT = root([leaf_hash(b"event %d" % i) for i in range(5)])

# Reference key and note from golang.org/x/mod/sumdb/note (also used by other implementations).
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    b"If you think cryptography is the answer to your problem,\n"
    b"then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT.decode()
    + "\n"
    + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqd"
    + "ngotpRZb6KE6RyyBwJnAM=\n"
)


@pytest.fixture(scope="module")
def log_signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture(scope="module")
def witness() -> NoteSigner:
    return NoteSigner.generate("witness.example/w1")


def checkpoint_note(signer: NoteSigner) -> str:
    return sign_note(Checkpoint(ORIGIN, 5, ROOT).body(), [signer])


# --- Checkpoint bodies. --------------------------------------------------------------------


def test_checkpoint_body_format() -> None:
    body = Checkpoint(ORIGIN, 5, ROOT).body()
    assert body == f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode()}\n".encode()
    assert body.count(b"\n") == 3


@given(
    st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), min_size=1, max_size=30),
    st.integers(0, 2**64 - 1),
    st.binary(min_size=32, max_size=32),
)
def test_checkpoint_round_trip(origin: str, size: int, root_hash: bytes) -> None:
    checkpoint = Checkpoint(origin, size, root_hash)
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


def test_empty_tree_checkpoint() -> None:
    checkpoint = Checkpoint.parse(b"o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
    assert checkpoint.size == 0
    assert checkpoint.root_hash == hashlib.sha256(b"").digest()


ROOT_LINE = base64.b64encode(ROOT)


def non_canonical(line: bytes) -> bytes:
    """Set an unused padding bit: a second spelling of the same 32 bytes."""
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(line[-2:-1])
    altered = line[:-2] + alphabet[last | 1 : (last | 1) + 1] + b"="
    assert altered != line and base64.b64decode(altered) == base64.b64decode(line)
    return altered


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"o\n-1\n" + ROOT_LINE + b"\n", "line 2"),
        (b"o\n+5\n" + ROOT_LINE + b"\n", "line 2"),
        (b"o\n05\n" + ROOT_LINE + b"\n", "leading zeros"),
        (b"o\n 5\n" + ROOT_LINE + b"\n", "line 2"),
        (b"o\n5 \n" + ROOT_LINE + b"\n", "line 2"),
        (b"o\n\n" + ROOT_LINE + b"\n", "line 2"),
        (b"o\n0x10\n" + ROOT_LINE + b"\n", "not a decimal"),
        (b"o\n1e3\n" + ROOT_LINE + b"\n", "not a decimal"),
        (b"o\n5.0\n" + ROOT_LINE + b"\n", "not a decimal"),
        ("o\n\u0665\n".encode() + ROOT_LINE + b"\n", "not a decimal"),  # Arabic-Indic five
        (b"o\n18446744073709551616\n" + ROOT_LINE + b"\n", "exceeds"),
        (b"o\n5\n" + base64.b64encode(ROOT[:31]) + b"\n", "31 bytes, expected 32"),
        (b"o\n5\n" + base64.b64encode(ROOT + b"\x00") + b"\n", "33 bytes, expected 32"),
        (b"o\n5\n\n", "line 3"),
        (b"o\n5\n" + ROOT.hex().encode() + b"\n", "line 3"),
        (b"o\n5\n" + ROOT_LINE.rstrip(b"=") + b"\n", "not valid base64"),
        (b"o\n5\n" + non_canonical(ROOT_LINE) + b"\n", "not canonical"),
        (b"o\n5\n" + ROOT_LINE, "end with a newline"),
        (b"o\n5\n", "needs 3 lines"),
        (b"", "end with a newline"),
        (b"o\n5\n" + ROOT_LINE + b"\nextra\n", "extension line"),
        (b"\n5\n" + ROOT_LINE + b"\n", "origin"),
        (b"\xffo\n5\n" + ROOT_LINE + b"\n", "UTF-8"),
    ],
)
def test_checkpoint_parse_rejects(body: bytes, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Checkpoint.parse(body)


@pytest.mark.parametrize(
    ("origin", "size", "root_hash"),
    [
        ("", 1, ROOT),
        ("two\nlines", 1, ROOT),
        (ORIGIN, -1, ROOT),
        (ORIGIN, 2**64, ROOT),
        (ORIGIN, True, ROOT),
        (ORIGIN, 1, ROOT[:31]),
        (ORIGIN, 1, ROOT + b"\x00"),
        (ORIGIN, 1, ROOT.hex()),
    ],
)
def test_checkpoint_refuses_unwritable_values(origin: str, size: int, root_hash: bytes) -> None:
    with pytest.raises(ValueError):
        Checkpoint(origin, size, root_hash)


# --- Keys. ---------------------------------------------------------------------------------


def test_key_id_matches_independent_computation() -> None:
    private = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    expected = hashlib.sha256(ORIGIN.encode() + bytes([0x0A, 0x01]) + public).digest()[:4]
    signer = NoteSigner(ORIGIN, private)
    assert ed25519_key_id(ORIGIN, public) == expected
    assert signer.key_id == expected
    assert signer.verifier_key().split("+")[1] == expected.hex()


def test_reference_keys_and_signature() -> None:
    signer = NoteSigner.from_key_string(GO_SIGNER_KEY)
    assert signer.to_key_string() == GO_SIGNER_KEY
    assert signer.verifier_key() == GO_VERIFIER_KEY
    verifier = NoteVerifier.from_key_string(GO_VERIFIER_KEY)
    assert verifier.to_key_string() == GO_VERIFIER_KEY
    # Ed25519 is deterministic, so the reference note is reproduced byte for byte.
    assert sign_note(GO_TEXT, [signer]) == GO_NOTE
    assert open_note(GO_NOTE, [verifier]) == (GO_TEXT, ["PeterNeumann"])


def test_key_strings_round_trip(log_signer: NoteSigner) -> None:
    again = NoteSigner.from_key_string(log_signer.to_key_string())
    assert again.verifier_key() == log_signer.verifier_key()
    verifier = NoteVerifier.from_key_string(log_signer.verifier_key())
    assert verifier.name == ORIGIN
    assert verifier.key_id == log_signer.key_id


def test_private_key_is_not_in_repr(log_signer: NoteSigner) -> None:
    # PRIVATE+KEY+<name>+<key id>+<base64>: split from the left, as base64 may hold "+" itself.
    seed = log_signer.to_key_string().split("+", 4)[4]
    assert len(seed) == 44  # base64 of 0x01 and the 32-byte seed (33 bytes: no padding)
    assert seed not in repr(log_signer)


@pytest.mark.parametrize(
    ("key", "complaint"),
    [
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
        ("PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits"),
        ("PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "base64"),
        ("PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not an Ed25519"),
        ("PeterNeumann+c74f20a3", "must be <name>"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "spaces"),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "non-empty"),
    ],
)
def test_verifier_key_rejects(key: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        NoteVerifier.from_key_string(key)


@pytest.mark.parametrize(
    ("key", "complaint"),
    [
        (GO_SIGNER_KEY.replace("c74f20a3", "c74f20a4"), "does not match"),
        (GO_SIGNER_KEY.replace("PRIVATE+KEY+", "PRIVATE+"), "PRIVATE\\+KEY\\+"),
        (GO_VERIFIER_KEY, "PRIVATE\\+KEY\\+"),
        ("PRIVATE+KEY+PeterNeumann", "PRIVATE\\+KEY\\+<name>"),
    ],
)
def test_signer_key_rejects(key: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        NoteSigner.from_key_string(key)


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "tab\there", "nbsp\u00a0"])
def test_signer_refuses_bad_names(name: str) -> None:
    with pytest.raises(ValueError):
        NoteSigner.generate(name)


# --- Signed notes. -------------------------------------------------------------------------


def test_round_trip(log_signer: NoteSigner) -> None:
    note = checkpoint_note(log_signer)
    verifier = NoteVerifier.from_key_string(log_signer.verifier_key())
    body, names = open_note(note, [verifier])
    assert names == [ORIGIN]
    assert Checkpoint.parse(body) == Checkpoint(ORIGIN, 5, ROOT)
    assert verifier.verify(note)
    line = note.splitlines()[-1]
    assert line.startswith("\u2014 " + ORIGIN + " ")
    assert len(base64.b64decode(line.split(" ")[-1])) == 4 + 64


def test_tampered_body_rejected(log_signer: NoteSigner) -> None:
    note = checkpoint_note(log_signer)
    tampered = note.replace("\n5\n", "\n6\n", 1)
    verifier = NoteVerifier.from_key_string(log_signer.verifier_key())
    with pytest.raises(ValueError, match="does not verify"):
        open_note(tampered, [verifier])
    assert not verifier.verify(tampered)


def test_tampered_signature_rejected(log_signer: NoteSigner) -> None:
    note = checkpoint_note(log_signer)
    prefix, encoded = note[:-1].rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 0x01
    tampered = f"{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    verifier = NoteVerifier.from_key_string(log_signer.verifier_key())
    with pytest.raises(ValueError, match="does not verify"):
        open_note(tampered, [verifier])
    assert not verifier.verify(tampered)


def test_truncated_signature_from_known_key_rejected(log_signer: NoteSigner) -> None:
    note = checkpoint_note(log_signer)
    prefix, encoded = note[:-1].rsplit(" ", 1)
    short = base64.b64encode(base64.b64decode(encoded)[:20]).decode()
    verifier = NoteVerifier.from_key_string(log_signer.verifier_key())
    with pytest.raises(ValueError, match="does not verify"):
        open_note(f"{prefix} {short}\n", [verifier])


def test_unknown_keys_are_ignored(log_signer: NoteSigner) -> None:
    stranger = NoteSigner.generate("stranger.example/key")
    same_name_other_key = NoteSigner.generate(ORIGIN)
    body = Checkpoint(ORIGIN, 5, ROOT).body()
    note = sign_note(body, [stranger, same_name_other_key, log_signer])
    verifier = NoteVerifier.from_key_string(log_signer.verifier_key())
    assert open_note(note, [verifier]) == (body, [ORIGIN])


def test_note_without_known_signature_rejected(log_signer: NoteSigner) -> None:
    stranger = NoteSigner.generate("stranger.example/key")
    note = sign_note(Checkpoint(ORIGIN, 5, ROOT).body(), [stranger])
    verifier = NoteVerifier.from_key_string(log_signer.verifier_key())
    with pytest.raises(ValueError, match="no signature from a known key"):
        open_note(note, [verifier])
    with pytest.raises(ValueError, match="no signature from a known key"):
        open_note(note, [])
    assert not verifier.verify(note)


def test_text_may_contain_blank_lines(log_signer: NoteSigner) -> None:
    body = b"first\n\nthird\n"
    note = sign_note(body, [log_signer])
    verifier = NoteVerifier.from_key_string(log_signer.verifier_key())
    assert open_note(note, [verifier]) == (body, [ORIGIN])


def test_cosignature_adds_a_verifiable_line(log_signer: NoteSigner, witness: NoteSigner) -> None:
    note = checkpoint_note(log_signer)
    cosigned = add_cosignature(note, witness)
    assert cosigned.startswith(note)
    assert cosigned.count("\n\u2014 ") == 2
    log_key = NoteVerifier.from_key_string(log_signer.verifier_key())
    witness_key = NoteVerifier.from_key_string(witness.verifier_key())
    body, names = open_note(cosigned, [log_key, witness_key])
    assert body == Checkpoint(ORIGIN, 5, ROOT).body()
    assert names == [ORIGIN, witness.name]
    assert open_note(cosigned, [witness_key])[1] == [witness.name]
    assert log_key.verify(cosigned)
    with pytest.raises(ValueError, match="already carries"):
        add_cosignature(cosigned, witness)


def test_cosignature_refuses_malformed_note(witness: NoteSigner) -> None:
    with pytest.raises(ValueError, match="blank line"):
        add_cosignature("o\n5\nroot\n", witness)


BODY = Checkpoint(ORIGIN, 5, ROOT).body().decode()


@pytest.mark.parametrize(
    ("mutate", "complaint"),
    [
        (lambda note: note.replace("\n\n", "\n", 1), "no blank line"),
        (lambda note: note.replace("\u2014 ", "-- ", 1), "em dash"),
        (lambda note: note.replace("\u2014 ", "\u2013 ", 1), "em dash"),  # en dash
        (lambda note: note.replace("\u2014 ", "\u2014", 1), "em dash"),
        (lambda note: note[:-1], "end with a newline"),
        (lambda note: note[:-2] + "!\n", "not valid base64"),
        (lambda note: note[:-1] + " extra\n", "not valid base64"),
        (lambda note: note.rsplit(" ", 1)[0] + "\n", "<key name> <base64 signature>"),
        (lambda note: note + "\n", "no signature lines"),
        (lambda note: note + "— x AAAA\n", "too short"),
        (lambda note: note.replace("\n5\n", "\n5\r\n", 1), "control character"),
        (lambda note: note + "\n".join(["— x AAAAAAAA"] * 100) + "\n", "at most 100"),
    ],
)
def test_malformed_notes_rejected(
    log_signer: NoteSigner, mutate: Callable[[str], str], complaint: str
) -> None:
    note = mutate(sign_note(BODY.encode(), [log_signer]))
    verifier = NoteVerifier.from_key_string(log_signer.verifier_key())
    with pytest.raises(ValueError, match=complaint):
        open_note(note, [verifier])
    assert not verifier.verify(note)


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"", "end with a newline"),
        (b"no newline", "end with a newline"),
        (b"\xff\n", "UTF-8"),
        (b"bell\x07\n", "control character"),
    ],
)
def test_sign_note_refuses_bad_bodies(log_signer: NoteSigner, body: bytes, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        sign_note(body, [log_signer])


def test_sign_note_needs_a_signer() -> None:
    with pytest.raises(ValueError, match="at least one signer"):
        sign_note(BODY.encode(), [])
