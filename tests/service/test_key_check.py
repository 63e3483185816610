"""The key check: an installation recognises its own key files, even before anyone is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select

from brightline.identifiers import (
    DecryptionError,
    IdentifierKeys,
    KeyFileError,
    check_key_check,
    make_key_check,
)
from brightline.service.key_rotation import rotate_identifier_key
from brightline.settings import Settings
from brightline.site import Site, initialise
from brightline.store.security_models import KeyCheck
from tests.conftest import World
from tests.service.test_shredding import _register


def _stranger(tmp_path: Path) -> Settings:
    other = Settings(home=tmp_path / "other")
    initialise(other)
    return other


def _stored_check(site: Site) -> tuple[bytes, str]:
    with site.transaction() as session:
        check = session.scalars(select(KeyCheck)).one()
        return check.wrapped, check.pseudonym_check


def test_a_key_check_opens_only_with_the_keys_that_made_it() -> None:
    keys, other = IdentifierKeys.generate(), IdentifierKeys.generate()
    wrapped, pseudonym_check = make_key_check(keys)
    check_key_check(keys, wrapped, pseudonym_check)
    with pytest.raises(DecryptionError, match="identifier key file"):
        check_key_check(
            IdentifierKeys(other.aes_keys, keys.pseudonym_key), wrapped, pseudonym_check
        )
    with pytest.raises(DecryptionError, match="pseudonym key file"):
        check_key_check(
            IdentifierKeys(keys.aes_keys, other.pseudonym_key), wrapped, pseudonym_check
        )
    tampered = wrapped[:-1] + bytes([wrapped[-1] ^ 1])
    with pytest.raises(DecryptionError):
        check_key_check(keys, tampered, pseudonym_check)
    # The check names the key version it needs when the key file lacks it.
    with pytest.raises(DecryptionError, match="version 1"):
        check_key_check(
            IdentifierKeys({2: bytes(32)}, keys.pseudonym_key), wrapped, pseudonym_check
        )


def test_an_installation_with_no_one_stored_refuses_another_installations_keys(
    site: Site, tmp_path: Path
) -> None:
    other = _stranger(tmp_path)
    for setting, path, which in (
        ("key_file", other.resolved_key_file, "identifier key file"),
        ("pseudonym_key_file", other.resolved_pseudonym_key_file, "pseudonym key file"),
    ):
        wrong = site.settings.model_copy(update={setting: path})
        with pytest.raises(KeyFileError, match=which) as refused:
            Site.open(wrong)
        assert str(path) in str(refused.value) and str(site.settings.home) in str(refused.value)
        # 'brightline init' with the wrong keys refuses too, and changes nothing.
        with pytest.raises(KeyFileError, match=which):
            initialise(wrong)
    Site.open(site.settings).close()


def test_init_writes_the_key_check_once_and_only_after_checking_the_stored_people(
    site: Site, world: World, tmp_path: Path
) -> None:
    _register(site, world, "Ma Long", "ML-1")
    first = _stored_check(site)
    initialise(site.settings)  # a re-run keeps the check it wrote
    assert _stored_check(site) == first
    # An installation from before key checks: init checks a stored person's key first.
    with site.transaction() as session:
        session.execute(delete(KeyCheck))
    wrong = site.settings.model_copy(update={"key_file": _stranger(tmp_path).resolved_key_file})
    with pytest.raises(KeyFileError):
        initialise(wrong)
    with site.transaction() as session:
        assert session.scalars(select(KeyCheck)).first() is None
    initialise(site.settings)
    check_key_check(site.keys, *_stored_check(site))


def test_key_rotation_rewraps_the_key_check(site: Site) -> None:
    before = _stored_check(site)
    report = rotate_identifier_key(site)
    after = _stored_check(site)
    assert report.retired_versions == (1,) and after[0][0] == report.new_version == 2
    assert after[1] == before[1]  # the pseudonym key does not rotate
    check_key_check(site.keys, *after)
    Site.open(site.settings).close()
