"""Passphrase-encrypted export archives: AES-256-GCM under a key derived with scrypt.

Layout: ``BLX1`` · salt (16 bytes) · nonce (12 bytes) · AES-GCM(ciphertext ‖ tag). The
header is authenticated as associated data, so a changed salt or version fails to open.
scrypt's cost (RFC 7914: N=2**15, r=8, p=1, 32 MiB) makes each guess of the passphrase
expensive; the passphrase itself is 160 random bits, shown once to the requester.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from brightline.errors import InvalidInput

MAGIC = b"BLX1"
SALT_BYTES, NONCE_BYTES = 16, 12
# RFC 7914 §2 interactive parameters, 2**15 × 8 × 128 B = 32 MiB per derivation.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


def new_passphrase() -> str:
    """Eight groups of five base-32 characters: 200 bits from the OS's secure source."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    groups = ("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(8))
    return "-".join(groups)


def _key(passphrase: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return kdf.derive(passphrase.encode("utf-8"))


def seal(plaintext: bytes, passphrase: str) -> bytes:
    """Encrypt and authenticate ``plaintext`` under the passphrase."""
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    header = MAGIC + salt + nonce
    return header + AESGCM(_key(passphrase, salt)).encrypt(nonce, plaintext, header)


def open_sealed(data: bytes, passphrase: str) -> bytes:
    """Decrypt an archive; a wrong passphrase or a changed byte is refused, nothing returned."""
    head = len(MAGIC) + SALT_BYTES + NONCE_BYTES
    if len(data) < head + 16 or not data.startswith(MAGIC):
        raise InvalidInput("this is not a Brightline export archive", field="file")
    header = data[:head]
    salt, nonce = header[len(MAGIC) : len(MAGIC) + SALT_BYTES], header[-NONCE_BYTES:]
    try:
        return AESGCM(_key(passphrase, salt)).decrypt(nonce, data[head:], header)
    except InvalidTag as exc:
        raise InvalidInput(
            "the passphrase is wrong or the file was changed", field="passphrase"
        ) from exc


def write_sealed(path: Path, plaintext: bytes, passphrase: str) -> None:
    """Write an encrypted archive readable only by its owner (0600), whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(seal(plaintext, passphrase))
    partial.replace(path)
