"""Programme settings versions on SQLite and PostgreSQL: migration 0019, append-only storage,
a change seen by every process at its next transaction, stale changes and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError

from brightline.access.operator import acting_as_account
from brightline.errors import Conflict, Forbidden
from brightline.problems import Problems
from brightline.programme import ProgrammeError, load_programme, programme_from_toml
from brightline.programme.operational import OperationalSettings, checked_settings
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.db import alembic_config, engine_for, migrate
from tests.conftest import STAFF

REASON = "The regional office moved the follow-up visit to three months"


def _written(**changes: str) -> dict[str, str]:
    return {**OperationalSettings.of(load_programme()).written(), **changes}


def test_migration_0019_adds_the_versions_table_and_downgrade_removes_it(
    tmp_path: Path, database_url: str | None
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    settings.home.mkdir(parents=True)
    engine: Engine = engine_for(settings)
    try:
        migrate(engine, "0018")
        migrate(engine)
        assert "programme_setting_versions" in sa.inspect(engine).get_table_names()
        command.downgrade(alembic_config(engine), "0018")
        assert "programme_setting_versions" not in sa.inspect(engine).get_table_names()
        migrate(engine)
    finally:
        engine.dispose()


def test_a_change_is_seen_by_another_process_and_kept_append_only(site: Site) -> None:
    other = Site.open(site.settings)
    try:
        with acting_as_account(site, None) as access:
            stored = access.change_programme_settings(
                _written(window_first_day="30", window_last_day="95"), REASON, seen=0
            )
        assert stored.version == 1 and stored.changed == ("window_first_day", "window_last_day")
        assert other.programme.follow_up_window_days == (28, 84)  # not asked yet
        with other.transaction():
            assert other.programme.follow_up_window_days == (30, 95)
        assert other.programme.triage == other.programme_file.triage
        with acting_as_account(other, None) as access:
            access.change_programme_settings(_written(name="Eye Programme 2"), REASON, seen=1)
            view = access.programme_settings()
        assert [v.version for v in view.history] == [2, 1]
        assert view.history[0].changed == ("name", "window_first_day", "window_last_day")
        assert view.history[0].changed_by == "admin" and view.history[1].reason == REASON
        with site.transaction():
            assert site.programme.name == "Eye Programme 2"
        for statement in (
            "UPDATE programme_setting_versions SET reason = 'x'",
            "DELETE FROM programme_setting_versions",
        ):
            with pytest.raises(DatabaseError), site.transaction() as session:
                session.execute(sa.text(statement))
        with site.transaction() as session:
            count = session.scalar(sa.text("SELECT count(*) FROM programme_setting_versions"))
        assert count == 2
    finally:
        other.close()


def test_a_stale_change_and_bad_values_are_refused_whole(site: Site) -> None:
    with acting_as_account(site, None) as access:
        access.change_programme_settings(_written(not_attended_days="20"), REASON, seen=0)
    stale = pytest.raises(Conflict, match="changed since you opened them")
    with stale, acting_as_account(site, None) as access:
        access.change_programme_settings(_written(not_attended_days="9"), REASON, seen=0)
    with pytest.raises(Problems) as refused, acting_as_account(site, None) as access:
        access.change_programme_settings(
            _written(window_first_day="0", turnaround_target_days="x"), "why", seen=1
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("turnaround_target_days", "setting_optional_days"),
        ("window_first_day", "setting_days"),
        ("reason", "setting_reason"),
    ]
    with site.transaction():
        assert site.in_force is not None and site.in_force[0] == 1
        assert site.programme.worklist_not_attended_days == 20


def test_only_an_admin_may_change_the_settings(seeded_site: Site) -> None:
    assert STAFF["manager"][0] == "manager"
    with pytest.raises(Forbidden), acting_as_account(seeded_site, "manager") as access:
        access.change_programme_settings(_written(), REASON, seen=0)
    with seeded_site.transaction():
        assert seeded_site.in_force == (0, seeded_site.programme_file)


@given(first=st.integers(-5, 400), last=st.integers(-5, 400))
def test_the_page_accepts_a_follow_up_window_exactly_when_the_file_does(
    first: int, last: int
) -> None:
    """One rule for both: the page's check is the programme file's check."""
    file_text = (
        '[programme]\nname = "P"\n[triage]\nversion = "who-default-1"\n[follow_up]\n'
        f"window_first_day = {first}\nwindow_last_day = {last}\n"
    )
    try:
        from_file: tuple[int, int] | None = programme_from_toml(
            file_text, source="t"
        ).follow_up_window_days
    except ProgrammeError:
        from_file = None
    try:
        typed = checked_settings(_written(window_first_day=str(first), window_last_day=str(last)))
        from_page: tuple[int, int] | None = (typed.window_first_day, typed.window_last_day)
    except Problems:
        from_page = None
    assert from_page == from_file


@given(st.text(max_size=6).filter(lambda t: not (t.strip().isascii() and t.strip().isdigit())))
def test_days_written_other_than_in_digits_are_refused(written: str) -> None:
    with pytest.raises(Problems) as refused:
        checked_settings(_written(not_attended_days=written))
    assert [p.field for p in refused.value.problems] == ["not_attended_days"]
