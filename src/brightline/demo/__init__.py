"""The synthetic demo programme: ``model`` draws it, ``build`` writes it, ``files`` marks it.

The public calls (``build_demo``, ``discard_demo``, the marker and accounts files) are
re-exported here; docs/demo.md describes the programme and its parameters.
"""

from brightline.demo.build import DemoReport, build_demo
from brightline.demo.files import (
    ACCOUNTS_FILE,
    MARKER_FILE,
    DemoAccount,
    DemoMarker,
    DemoRefused,
    demo_password,
    discard_demo,
    installed_demo,
    read_accounts,
    read_marker,
    store_contents,
)

__all__ = [
    "ACCOUNTS_FILE",
    "MARKER_FILE",
    "DemoAccount",
    "DemoMarker",
    "DemoRefused",
    "DemoReport",
    "build_demo",
    "demo_password",
    "discard_demo",
    "installed_demo",
    "read_accounts",
    "read_marker",
    "store_contents",
]
