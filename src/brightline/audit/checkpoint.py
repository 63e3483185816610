"""Signed audit-log tree heads as C2SP checkpoints in Ed25519-signed notes.

Formats: https://c2sp.org/tlog-checkpoint (the body) and https://c2sp.org/signed-note (the
signatures), with key strings as in golang.org/x/mod/sumdb/note, so the log's checkpoints can
be checked and co-signed with the standard transparency-log tools.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

__all__ = [
    "Checkpoint",
    "NoteSigner",
    "NoteVerifier",
    "add_cosignature",
    "ed25519_key_id",
    "open_note",
    "sign_note",
]

ED25519_SIGNATURE_TYPE = b"\x01"  # c2sp.org/signed-note, "Signature types"
SIGNATURE_LINE_PREFIX = "\u2014 "  # EM DASH, SPACE
ROOT_HASH_SIZE = 32
# c2sp.org/signed-note: verifiers must accept at least 16 signatures and should cap the count;
# 100 is the cap golang.org/x/mod/sumdb/note applies.
MAX_SIGNATURES = 100
# RFC 9162 §4.1 tree sizes are uint64.
MAX_TREE_SIZE = 2**64 - 1

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_KEY_ID_HEX = re.compile(r"[0-9a-fA-F]{8}")
_PRIVATE_KEY_PREFIX = "PRIVATE+KEY+"


def _b64decode(text: str, what: str) -> bytes:
    """Decode standard base64 strictly, refusing stray characters and non-canonical padding."""
    try:
        decoded = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise ValueError(f"{what} is not valid base64: {text[:60]!r}") from None
    # Re-encoding catches non-zero padding bits, which would let one value have two spellings.
    if base64.b64encode(decoded).decode("ascii") != text:
        raise ValueError(f"{what} is not canonical base64: {text[:60]!r}")
    return decoded


def _b64encode(data: bytes) -> str:
    """Encode bytes as standard, padded base64 (RFC 4648 §4)."""
    return base64.b64encode(data).decode("ascii")


def _find_control_character(text: str) -> int | None:
    """Return the position of the first control character other than newline, if any."""
    for position, character in enumerate(text):
        if character < " " and character != "\n":
            return position
    return None


def _check_key_name(name: str) -> None:
    """Refuse key names that c2sp.org/signed-note forbids: empty, spaces or plus signs."""
    if not isinstance(name, str) or not name:
        raise ValueError("key name must be a non-empty string")
    if any(character.isspace() or character == "+" for character in name):
        raise ValueError(f"key name {name!r} must not contain spaces or '+'")
    if _find_control_character(name) is not None:
        raise ValueError(f"key name {name!r} must not contain control characters")


def _note_text(body: bytes) -> str:
    """Return body as note text after the checks c2sp.org/signed-note places on it."""
    if not isinstance(body, bytes):
        raise TypeError(f"note body must be bytes, not {type(body).__name__}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("note body is not valid UTF-8") from None
    if not text.endswith("\n"):
        raise ValueError("note body must be non-empty and end with a newline")
    position = _find_control_character(text)
    if position is not None:
        raise ValueError(f"note body has a control character at offset {position}")
    return text


def ed25519_key_id(name: str, public_key: bytes) -> bytes:
    """Return the 4-byte key ID, SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4] (c2sp.org/signed-note)."""
    material = name.encode("utf-8") + b"\n" + ED25519_SIGNATURE_TYPE + public_key
    return hashlib.sha256(material).digest()[:4]


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: log origin, tree size and RFC 9162 root hash (c2sp.org/tlog-checkpoint)."""

    origin: str
    size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        """Refuse values that could not be written as a checkpoint body."""
        if not isinstance(self.origin, str) or not self.origin:
            raise ValueError("checkpoint origin must be a non-empty string")
        if "\n" in self.origin or _find_control_character(self.origin) is not None:
            raise ValueError(f"checkpoint origin {self.origin!r} must be one line of text")
        if not isinstance(self.size, int) or isinstance(self.size, bool):
            raise ValueError(f"checkpoint tree size must be an int, not {self.size!r}")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise ValueError(f"checkpoint tree size must be in 0..2**64-1, got {self.size}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != ROOT_HASH_SIZE:
            raise ValueError(f"checkpoint root hash must be {ROOT_HASH_SIZE} bytes")

    def body(self) -> bytes:
        """Return the note text: origin, size and base64 root, one per line (tlog-checkpoint)."""
        return f"{self.origin}\n{self.size}\n{_b64encode(self.root_hash)}\n".encode()

    @classmethod
    def parse(cls, body: bytes) -> Checkpoint:
        """Parse a checkpoint body strictly, naming the first thing wrong (tlog-checkpoint)."""
        if not isinstance(body, bytes):
            raise TypeError(f"checkpoint body must be bytes, not {type(body).__name__}")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("checkpoint is not valid UTF-8") from None
        if not text.endswith("\n"):
            raise ValueError("checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise ValueError(
                f"checkpoint needs 3 lines (origin, tree size, root hash), found {len(lines)}"
            )
        if len(lines) > 3:
            # Extension lines are optional in the spec and not auditable; Brightline writes
            # none, so one here means the body is not what this log signed.
            raise ValueError(f"checkpoint has {len(lines) - 3} extension line(s); expected none")
        origin, size_line, root_line = lines
        if not origin:
            raise ValueError("checkpoint origin (line 1) is empty")
        if not _DECIMAL.fullmatch(size_line):
            raise ValueError(
                f"checkpoint tree size (line 2) {size_line!r} is not a decimal number"
                " without sign or leading zeros"
            )
        size = int(size_line)
        if size > MAX_TREE_SIZE:
            raise ValueError(f"checkpoint tree size (line 2) {size} exceeds 2**64-1")
        root_hash = _b64decode(root_line, "checkpoint root hash (line 3)")
        if len(root_hash) != ROOT_HASH_SIZE:
            raise ValueError(
                f"checkpoint root hash (line 3) is {len(root_hash)} bytes,"
                f" expected {ROOT_HASH_SIZE}"
            )
        return cls(origin=origin, size=size, root_hash=root_hash)


@dataclass
class NoteSigner:
    """An Ed25519 note-signing key under a name, for the log or a witness (signed-note)."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        """Refuse names that could not appear on a signature line."""
        _check_key_name(self.name)

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        """Create a signer with a fresh random Ed25519 key."""
        return cls(name=name, private_key=Ed25519PrivateKey.generate())

    @classmethod
    def from_key_string(cls, key: str) -> NoteSigner:
        """Load a signer from PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ seed)> (sumdb/note)."""
        if not isinstance(key, str) or not key.startswith(_PRIVATE_KEY_PREFIX):
            raise ValueError("signer key must start with 'PRIVATE+KEY+'")
        parts = key[len(_PRIVATE_KEY_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise ValueError("signer key must be PRIVATE+KEY+<name>+<key id>+<key>")
        name, key_id_hex, encoded = parts
        _check_key_name(name)
        material = _b64decode(encoded, "signer key")
        if len(material) != 33 or material[:1] != ED25519_SIGNATURE_TYPE:
            raise ValueError("signer key is not an Ed25519 key (0x01 followed by a 32-byte seed)")
        signer = cls(name=name, private_key=Ed25519PrivateKey.from_private_bytes(material[1:]))
        _check_key_id(key_id_hex, signer.key_id, name)
        return signer

    def to_key_string(self) -> str:
        """Return PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ seed)>; keep it secret (sumdb/note)."""
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        encoded = _b64encode(ED25519_SIGNATURE_TYPE + seed)
        return f"{_PRIVATE_KEY_PREFIX}{self.name}+{self.key_id.hex()}+{encoded}"

    @property
    def public_key_bytes(self) -> bytes:
        """The raw 32-byte Ed25519 public key (RFC 8032)."""
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID that tags this key's signatures (c2sp.org/signed-note)."""
        return ed25519_key_id(self.name, self.public_key_bytes)

    def verifier_key(self) -> str:
        """Return the public key string <name>+<key id>+<base64(0x01 ‖ key)> (sumdb/note)."""
        encoded = _b64encode(ED25519_SIGNATURE_TYPE + self.public_key_bytes)
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def sign(self, body: bytes) -> str:
        """Return the signature line, newline included, for a note body (c2sp.org/signed-note)."""
        _note_text(body)
        signature = self.private_key.sign(body)
        return f"{SIGNATURE_LINE_PREFIX}{self.name} {_b64encode(self.key_id + signature)}\n"


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted Ed25519 public key under a name, as published by a log or witness (signed-note)."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey = field(repr=False)

    @classmethod
    def from_key_string(cls, key: str) -> NoteVerifier:
        """Load a verifier from <name>+<key id>+<base64(0x01 ‖ key)> (sumdb/note)."""
        if not isinstance(key, str):
            raise ValueError("verifier key must be a string")
        parts = key.split("+", 2)
        if len(parts) != 3:
            raise ValueError("verifier key must be <name>+<key id>+<key>")
        name, key_id_hex, encoded = parts
        _check_key_name(name)
        material = _b64decode(encoded, "verifier key")
        if len(material) != 33 or material[:1] != ED25519_SIGNATURE_TYPE:
            raise ValueError("verifier key is not an Ed25519 key (0x01 followed by 32 bytes)")
        key_id = ed25519_key_id(name, material[1:])
        _check_key_id(key_id_hex, key_id, name)
        return cls(
            name=name, key_id=key_id, public_key=Ed25519PublicKey.from_public_bytes(material[1:])
        )

    def to_key_string(self) -> str:
        """Return this verifier as <name>+<key id>+<base64(0x01 ‖ key)> (sumdb/note)."""
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return f"{self.name}+{self.key_id.hex()}+{_b64encode(ED25519_SIGNATURE_TYPE + raw)}"

    def verify_signature(self, body: bytes, signature: bytes) -> bool:
        """Tell whether signature is this key's Ed25519 signature over body (RFC 8032)."""
        try:
            self.public_key.verify(signature, body)
        except InvalidSignature:
            return False
        return True

    def verify(self, note_text: str) -> bool:
        """Tell whether note_text is well formed and validly signed by this key (signed-note)."""
        try:
            open_note(note_text, [self])
        except ValueError:
            return False
        return True


def _check_key_id(key_id_hex: str, key_id: bytes, name: str) -> None:
    """Refuse a key string whose stated key ID does not match its name and key."""
    if not _KEY_ID_HEX.fullmatch(key_id_hex):
        raise ValueError(f"key ID {key_id_hex!r} for {name!r} is not 8 hex digits")
    if bytes.fromhex(key_id_hex) != key_id:
        raise ValueError(
            f"key ID {key_id_hex} for {name!r} does not match the key (expected {key_id.hex()})"
        )


@dataclass(frozen=True)
class _SignatureLine:
    """One parsed signature line: key name, key ID and raw signature."""

    name: str
    key_id: bytes
    signature: bytes


def _split_note(text: str) -> tuple[str, list[_SignatureLine]]:
    """Split a signed note into its text and parsed signature lines (c2sp.org/signed-note)."""
    if not isinstance(text, str):
        raise ValueError(f"signed note must be text, not {type(text).__name__}")
    position = _find_control_character(text)
    if position is not None:
        raise ValueError(f"signed note has a control character at offset {position}")
    if not text.endswith("\n"):
        raise ValueError("signed note must end with a newline")
    # The text may itself contain blank lines; the signatures start after the last one.
    split = text.rfind("\n\n")
    if split < 0:
        raise ValueError("signed note has no blank line between its text and its signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block:
        raise ValueError("signed note has no signature lines after the blank line")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise ValueError(f"signed note has {len(lines)} signatures; at most {MAX_SIGNATURES}")
    return body, [_parse_signature_line(number, line) for number, line in enumerate(lines, 1)]


def _parse_signature_line(number: int, line: str) -> _SignatureLine:
    """Parse '— <name> <base64(key id ‖ signature)>' (c2sp.org/signed-note)."""
    if not line.startswith(SIGNATURE_LINE_PREFIX):
        raise ValueError(
            f"signature line {number} must start with an em dash (U+2014) and a space,"
            f" found {line[:12]!r}"
        )
    name, space, encoded = line[len(SIGNATURE_LINE_PREFIX) :].partition(" ")
    if not space:
        raise ValueError(f"signature line {number} must be '— <key name> <base64 signature>'")
    try:
        _check_key_name(name)
    except ValueError as error:
        raise ValueError(f"signature line {number}: {error}") from None
    decoded = _b64decode(encoded, f"signature on line {number}")
    if len(decoded) < 5:
        raise ValueError(f"signature on line {number} is too short to hold a key ID and signature")
    return _SignatureLine(name=name, key_id=decoded[:4], signature=decoded[4:])


def sign_note(body: bytes, signers: Iterable[NoteSigner]) -> str:
    """Return body as a signed note with one signature line per signer (c2sp.org/signed-note)."""
    text = _note_text(body)
    lines = [signer.sign(body) for signer in signers]
    if not lines:
        raise ValueError("a signed note needs at least one signer")
    return text + "\n" + "".join(lines)


def open_note(text: str, verifiers: Iterable[NoteVerifier]) -> tuple[bytes, list[str]]:
    """Return a note's body and the names of known keys that signed it (c2sp.org/signed-note)."""
    body, signatures = _split_note(text)
    known = {(verifier.name, verifier.key_id): verifier for verifier in verifiers}
    body_bytes = body.encode("utf-8")
    verified: list[str] = []
    for signature in signatures:
        # Signatures by keys we do not hold are ignored: witnesses and rotated keys add them.
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        if not verifier.verify_signature(body_bytes, signature.signature):
            # A known key whose signature fails means the text or line was altered: reject
            # the whole note rather than trust it on the strength of another signature.
            raise ValueError(f"signature by {signature.name!r} does not verify")
        if signature.name not in verified:
            verified.append(signature.name)
    if not verified:
        raise ValueError("signed note carries no signature from a known key")
    return body_bytes, verified


def add_cosignature(note_text: str, signer: NoteSigner) -> str:
    """Append signer's signature over the same note body, as a witness does (signed-note)."""
    # This is a plain Ed25519 note signature, not a c2sp.org/tlog-cosignature timestamped one.
    # The witness must have checked the log's signature and consistency before calling this.
    body, signatures = _split_note(note_text)
    if any((line.name, line.key_id) == (signer.name, signer.key_id) for line in signatures):
        raise ValueError(f"note already carries a signature by {signer.name!r}")
    if len(signatures) >= MAX_SIGNATURES:
        raise ValueError(f"note already has the maximum of {MAX_SIGNATURES} signatures")
    return note_text + signer.sign(body.encode("utf-8"))
