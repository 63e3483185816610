"""Direct identifiers encrypted per person (envelope encryption) and keyed pseudonyms.

Every person has their own random 256-bit data key. It is stored *wrapped*: ``key version
(1 byte) ‖ nonce (12 bytes) ‖ AES-GCM(installation key, person key)`` with the person's id as
associated data, so a wrapped key copied to another person fails to unwrap. Their fields are
``0x00 ‖ nonce ‖ AES-GCM(person key, value)`` with ``table:record id:field`` as associated
data, so a ciphertext copied to another record or field fails to decrypt. Destroying the
wrapped key destroys every copy of the fields at once (crypto-shredding, NIST SP 800-88), and
rotating the installation key rewraps 61-byte keys instead of re-encrypting fields. National
IDs are de-duplicated through HMAC-SHA256 under a separate key, so the database can tell
"same person" without holding the ID.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

IDENTIFIER_FIELDS = ("name", "phone", "national_id", "address")
NONCE_BYTES = 12
PERSON_KEY_BYTES = 32
# First byte of a field sealed under its person's key; installation key versions start at 1,
# so a field sealed the old way (directly under an installation key) is told apart and refused.
PERSON_SEALED = 0


class KeyFileError(RuntimeError):
    """A key file is missing, unreadable or malformed."""


class DecryptionError(RuntimeError):
    """A ciphertext does not belong to this record/field or its key is gone."""


def write_secret_file(path: Path, content: bytes) -> None:
    """Create ``path`` readable by its owner only (0600), refusing to overwrite a key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_EXCL: never silently replace a key, which would make every ciphertext unreadable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


@dataclass
class IdentifierKeys:
    """The versioned AES keys (newest encrypts, all decrypt) and the pseudonym HMAC key."""

    aes_keys: dict[int, bytes]
    pseudonym_key: bytes
    current_version: int = field(init=False)
    # One cipher object per key version: building it costs as much as sealing a short field.
    ciphers: dict[int, AESGCM] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.aes_keys:
            raise KeyFileError("the identifier key file holds no key")
        self.current_version = max(self.aes_keys)
        self.ciphers = {version: AESGCM(key) for version, key in self.aes_keys.items()}

    @classmethod
    def generate(cls) -> IdentifierKeys:
        """Fresh random keys (256-bit AES, 256-bit HMAC)."""
        return cls({1: AESGCM.generate_key(bit_length=256)}, secrets.token_bytes(32))

    def aes_key_file(self) -> bytes:
        """Content of the AES key file: every key version, base64."""
        payload = {str(v): base64.b64encode(k).decode() for v, k in sorted(self.aes_keys.items())}
        return json.dumps({"aes_keys": payload}, indent=2).encode()

    def pseudonym_key_file(self) -> bytes:
        """Content of the separately held pseudonym (HMAC) key file."""
        return base64.b64encode(self.pseudonym_key) + b"\n"

    @classmethod
    def load(cls, aes_path: Path, pseudonym_path: Path) -> IdentifierKeys:
        """Keys from their two files (created by ``brightline init``); errors name the file."""
        try:
            aes_payload = json.loads(_read_key(aes_path))["aes_keys"]
            aes = {int(v): base64.b64decode(k) for v, k in aes_payload.items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyFileError(f"{aes_path} is not a Brightline identifier key file") from exc
        try:
            pseudonym = base64.b64decode(_read_key(pseudonym_path), validate=True)
        except ValueError as exc:
            raise KeyFileError(f"{pseudonym_path} is not a Brightline pseudonym key file") from exc
        if any(len(k) != 32 for k in aes.values()):
            raise KeyFileError(f"{aes_path}: every key must be 32 bytes")
        if len(pseudonym) != 32:
            raise KeyFileError(f"{pseudonym_path}: the key must be 32 bytes")
        return cls(aes, pseudonym)

    def with_new_version(self) -> IdentifierKeys:
        """A copy with one more AES key, which becomes the one that encrypts."""
        aes = dict(self.aes_keys)
        aes[self.current_version + 1] = AESGCM.generate_key(bit_length=256)
        return IdentifierKeys(aes, self.pseudonym_key)


def _read_key(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except OSError as exc:
        raise KeyFileError(
            f"key file {path} cannot be read; run 'brightline init' or set the key file setting"
        ) from exc


def _associated_data(table: str, record_id: str, field_name: str) -> bytes:
    return f"brightline:{table}:{record_id}:{field_name}".encode()


def _wrapping_data(person_id: str) -> bytes:
    return f"brightline:person-key:{person_id}".encode()


@dataclass(frozen=True)
class PersonKey:
    """One person's data key, unwrapped: seals and opens that person's identifier fields."""

    person_id: str
    cipher: AESGCM = field(repr=False)

    def seal(self, field_name: str, value: str) -> bytes:
        """Encrypt one identifier value for one field of this person."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self.cipher.encrypt(
            nonce, value.encode("utf-8"), _associated_data("people", self.person_id, field_name)
        )
        return bytes([PERSON_SEALED]) + nonce + sealed

    def open(self, field_name: str, ciphertext: bytes) -> str:
        """Decrypt one identifier; a ciphertext of another person or field is refused."""
        if ciphertext[0] != PERSON_SEALED:
            raise DecryptionError(f"people.{field_name}: not sealed under the person's key")
        nonce, sealed = ciphertext[1 : 1 + NONCE_BYTES], ciphertext[1 + NONCE_BYTES :]
        try:
            plain = self.cipher.decrypt(
                nonce, sealed, _associated_data("people", self.person_id, field_name)
            )
        except InvalidTag as exc:
            raise DecryptionError(f"people.{field_name}: ciphertext does not match record") from exc
        return plain.decode("utf-8")


def new_person_key(keys: IdentifierKeys, person_id: str) -> tuple[PersonKey, bytes]:
    """A fresh random data key for one person, and its wrapped form to store."""
    data_key = secrets.token_bytes(PERSON_KEY_BYTES)
    return PersonKey(person_id, AESGCM(data_key)), wrap_person_key(keys, person_id, data_key)


def wrap_person_key(keys: IdentifierKeys, person_id: str, data_key: bytes) -> bytes:
    """``data_key`` sealed under the current installation key, bound to ``person_id``."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = keys.ciphers[keys.current_version].encrypt(nonce, data_key, _wrapping_data(person_id))
    return bytes([keys.current_version]) + nonce + sealed


def unwrap_data_key(keys: IdentifierKeys, person_id: str, wrapped: bytes) -> bytes:
    """The raw data key inside ``wrapped``; refused for another person or a missing key."""
    version, nonce, sealed = wrapped[0], wrapped[1 : 1 + NONCE_BYTES], wrapped[1 + NONCE_BYTES :]
    cipher = keys.ciphers.get(version)
    if cipher is None:
        raise DecryptionError(f"person key: installation key version {version} is not available")
    try:
        return cipher.decrypt(nonce, sealed, _wrapping_data(person_id))
    except InvalidTag as exc:
        raise DecryptionError("person key: does not unwrap with this installation key") from exc


def open_person_key(keys: IdentifierKeys, person_id: str, wrapped: bytes) -> PersonKey:
    """Unwrap a stored person key, ready to open that person's fields."""
    return PersonKey(person_id, AESGCM(unwrap_data_key(keys, person_id, wrapped)))


def rewrap_person_key(keys: IdentifierKeys, person_id: str, wrapped: bytes) -> bytes:
    """The same person key wrapped under the current installation key version."""
    return wrap_person_key(keys, person_id, unwrap_data_key(keys, person_id, wrapped))


# Bound into the key check's ciphertext and HMAC: never equal to a person key's wrapping data.
_KEY_CHECK = b"brightline:key-check"


def make_key_check(keys: IdentifierKeys) -> tuple[bytes, str]:
    """What an installation stores to recognise its own keys, even before it holds anyone.

    A random value wrapped under the current installation key (checked by unwrapping it) and
    the HMAC of a fixed text under the pseudonym key (checked by recomputing it): neither
    reveals anything about the keys.
    """
    nonce = secrets.token_bytes(NONCE_BYTES)
    value = secrets.token_bytes(PERSON_KEY_BYTES)
    sealed = keys.ciphers[keys.current_version].encrypt(nonce, value, _KEY_CHECK)
    return bytes([keys.current_version]) + nonce + sealed, _pseudonym_check(keys)


def check_key_check(keys: IdentifierKeys, wrapped: bytes, pseudonym_check: str) -> None:
    """Refuse keys that did not make this key check, naming which of the two files is wrong."""
    version, nonce, sealed = wrapped[0], wrapped[1 : 1 + NONCE_BYTES], wrapped[1 + NONCE_BYTES :]
    cipher = keys.ciphers.get(version)
    if cipher is None:
        raise DecryptionError(f"the identifier key file lacks installation key version {version}")
    try:
        cipher.decrypt(nonce, sealed, _KEY_CHECK)
    except InvalidTag as exc:
        raise DecryptionError("the identifier key file is not this installation's") from exc
    if not hmac.compare_digest(_pseudonym_check(keys), pseudonym_check):
        raise DecryptionError("the pseudonym key file is not this installation's")


def rewrap_key_check(keys: IdentifierKeys, wrapped: bytes, pseudonym_check: str) -> bytes:
    """The key check sealed under the current installation key version (key rotation)."""
    check_key_check(keys, wrapped, pseudonym_check)
    return make_key_check(keys)[0]


def _pseudonym_check(keys: IdentifierKeys) -> str:
    return hmac.new(keys.pseudonym_key, _KEY_CHECK, hashlib.sha256).hexdigest()


def wrapped_key_version(wrapped: bytes) -> int:
    """The installation key version that wrapped a person key."""
    return wrapped[0]


def normalise_national_id(value: str) -> str:
    """Canonical form of a national ID: NFKC, no spaces or dashes, upper case."""
    text = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in text if ch.isalnum()).upper()


def national_id_pseudonym(keys: IdentifierKeys, national_id: str) -> str:
    """HMAC-SHA256 pseudonym of a national ID, for de-duplication without the ID."""
    digest = hmac.new(
        keys.pseudonym_key, normalise_national_id(national_id).encode(), hashlib.sha256
    )
    return digest.hexdigest()


def normalise_phone(value: str) -> str:
    """Canonical form of a phone number: NFKC digits only ("0871-234 567" = "0871234567")."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isdigit())


def phone_pseudonym(keys: IdentifierKeys, phone: str) -> str | None:
    """HMAC-SHA256 pseudonym of a phone number (kept apart from the national ID's by a label),
    for exact search without the number; None when it has no digits."""
    digits = normalise_phone(phone)
    if not digits:
        return None
    return hmac.new(keys.pseudonym_key, b"phone:" + digits.encode(), hashlib.sha256).hexdigest()


def random_pseudonym() -> str:
    """A random 128-bit pseudonym for a person or a staff account (analytics and audit)."""
    return secrets.token_hex(16)
