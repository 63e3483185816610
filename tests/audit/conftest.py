"""The audit tests start from an empty log (see ``empty_the_log``)."""

from __future__ import annotations

import pytest

from brightline.site import Site
from tests.audit.helpers import empty_the_log


@pytest.fixture
def site(site: Site) -> Site:
    """An initialised installation whose log holds no leaves yet."""
    empty_the_log(site)
    return site
