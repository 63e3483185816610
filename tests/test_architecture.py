"""The architecture as a contract: the shells reach data only through the access layer, and
the pure core imports nothing that does I/O. Run by ``make lint`` as well as by the tests."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "brightline"
SHELLS = ("api", "web")
FORBIDDEN_IN_SHELLS = ("brightline.store", "brightline.service")
PURE_CORE = (
    "acuity",
    "triage",
    "pathway",
    "vocabulary",
    "records",
    "contact_records",
    "theatre_records",
    "reasons",
    "errors",
    "timestamps",
    "problems",
    "audit.merkle",
    "fhir.codes",
    "fhir.chart",
    "fhir.observations",
    "fhir.conditions",
    "fhir.pathway",
    "fhir.places",
    "fhir.audit",
    "fhir.resources",
    "fhir.server",
)
# Standard-library modules that reach files, processes or the network.
IO_MODULES = {
    "io",
    "os",
    "pathlib",
    "shutil",
    "socket",
    "sqlite3",
    "subprocess",
    "tempfile",
    "urllib",
    "http",
    "logging",
}


def modules_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module a file imports, written as dotted names (``from x import y`` → x, x.y)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path) -> str:
    return "brightline." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


@pytest.mark.parametrize(
    "path",
    [p for shell in SHELLS for p in modules_under(PACKAGE / shell)],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_shells_reach_data_only_through_the_access_layer(path: Path) -> None:
    reached = {
        name
        for name in imported(path)
        for forbidden in FORBIDDEN_IN_SHELLS
        if name == forbidden or name.startswith(forbidden + ".")
    }
    assert not reached, f"{module_name(path)} imports {sorted(reached)}: go through Access"


def _session_uses(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "session"
    ]


@pytest.mark.parametrize(
    "path",
    [p for shell in SHELLS for p in modules_under(PACKAGE / shell)],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_shells_build_no_queries(path: Path) -> None:
    """A shell never holds the database session (it would be a road around the policy)."""
    assert _session_uses(path) == [], f"{module_name(path)} uses .session"


@pytest.mark.parametrize("name", PURE_CORE)
def test_the_pure_core_does_no_io(name: str) -> None:
    path = PACKAGE / (name.replace(".", "/") + ".py")
    pure = {f"brightline.{m}" for m in PURE_CORE}
    for module in imported(path):
        top = module.split(".")[0]
        if top == "brightline":
            owner = next((p for p in pure if module == p or module.startswith(p + ".")), None)
            assert owner is not None, f"{name} imports {module}, which is not pure"
        elif top != "__future__":
            assert top in sys.stdlib_module_names, f"{name} imports the library {module}"
            assert top not in IO_MODULES, f"{name} imports {module}, which does I/O"


def test_the_contract_sees_the_shells() -> None:
    """Guard against a contract that passes because it checks nothing."""
    assert len(modules_under(PACKAGE / "api")) > 5
    assert len(modules_under(PACKAGE / "web")) > 5
    assert "brightline.access.layer" in imported(PACKAGE / "api" / "deps.py")
