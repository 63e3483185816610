"""The bulk export's streamed charts are exactly the charts read one person at a time: the
stream (every table once, rows read by position) and ``chart_of`` (one query per part) are
two independent readings of the same records, compared on a small demo programme."""

from __future__ import annotations

from pathlib import Path

from brightline.demo import build_demo
from brightline.fhir.resources import chart_resources
from brightline.service.fhir_charts import chart_of, directory, stream_charts
from brightline.settings import Settings
from brightline.site import Site
from tests.interop.conftest import valid_all


def test_streamed_charts_equal_the_charts_read_one_by_one(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    build_demo(settings, people=150, seed=3)
    site = Site.open(settings)
    try:
        with site.transaction() as session:
            places = directory(session)
            streamed = list(stream_charts(session))
            assert len(streamed) == 150
            assert [c.person.id for c in streamed] == sorted(c.person.id for c in streamed)
            assert sum(len(c.surgeries) for c in streamed) > 0  # the whole pathway is there
            for chart in streamed:
                assert chart == chart_of(session, chart.person.id)
            resources = [r for c in streamed for r in chart_resources(c, places)]
    finally:
        site.close()
    valid_all(resources[:400])
