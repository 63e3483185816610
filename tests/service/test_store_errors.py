"""A failed statement's error names the statement, never its parameters (names, phones)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from brightline.site import Site

SECRET = "Wang Lan 13800001111"


def test_a_failing_statement_shows_no_parameter_value(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy")
    with pytest.raises(DBAPIError) as failed, site.engine.connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table WHERE name = :name"), {"name": SECRET})
    shown = str(failed.value)
    assert "no_such_table" in shown  # the statement is still there to debug with
    assert SECRET not in shown and SECRET not in repr(failed.value)
    assert "hidden due to hide_parameters" in shown
    assert SECRET not in caplog.text
