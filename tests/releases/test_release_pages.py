"""The published release pages over HTTP: the index, one release in plain words, its files."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.analytics.helpers import DUCKDB_DEPRECATION
from tests.releases.conftest import token
from tests.releases.test_release_workflow import propose

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
CHINESE = {"Accept-Language": "zh-CN"}


def published(client: TestClient, **extra: Any) -> dict[str, Any]:
    """A release proposed by the manager and approved by the privacy officer."""
    release: dict[str, Any] = propose(client, **extra).json()
    approved = client.post(
        f"/api/v1/releases/{release['id']}/approve", json={}, headers=token(client, "privacy")
    )
    assert approved.status_code == 200, approved.text
    return dict(approved.json())


def test_the_index_is_a_page_anyone_reads_listing_only_published_releases(
    client: TestClient,
) -> None:
    empty = client.get("/public/releases")
    assert empty.status_code == 200 and empty.headers["content-type"].startswith("text/html")
    assert "Nothing has been published yet." in empty.text
    release = published(client)
    waiting = propose(client, title="Still waiting", tables={"screened": 0.1}).json()
    page = client.get("/public/releases")
    assert page.status_code == 200
    assert f'href="/public/releases/{release["id"]}"' in page.text
    assert f'href="/public/releases/{release["id"]}.csv"' in page.text
    assert "First half of 2025" in page.text and "Still waiting" not in page.text
    assert waiting["id"] not in page.text
    assert "ε = 1.50" in page.text
    # The JSON index stays on the API.
    assert [r["id"] for r in client.get("/api/v1/public/releases").json()] == [release["id"]]


def test_a_release_page_says_what_the_figures_are_and_how_large_the_noise_is(
    client: TestClient,
) -> None:
    release = published(client)
    result = client.get(f"/api/v1/public/releases/{release['id']}.json").json()
    page = client.get(f"/public/releases/{release['id']}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "2025-01-01 – 2025-06-30" in html  # the last day of [from, to)
    assert "differential privacy, ε = 1.50 in total" in html
    for name, table in result["tables"].items():
        section = html.split(f'id="table-{name}"')[1].split("</section>")[0]
        assert (
            f"Counts of one county are within ±{table['within_95']} of the true count 95% of "
            "the time." in section
        )
        # Every published count of the table is in its section, as published.
        shown = re.findall(r'<td class="num">([\d,]+)</td>', section)
        assert sorted(int(n.replace(",", "")) for n in shown) == sorted(
            c["count"] for c in table["counts"]
        )
    # Regions by name and code, the programme's total, the rates with their interval.
    assert "Whole programme" in html and re.search(r"\(LS01\)", html)
    assert 'id="rates"' in html and "Cataract surgical rate" in html


def test_the_files_are_the_stored_release_and_the_same_as_the_apis(client: TestClient) -> None:
    release = published(client)
    for suffix, kind in (("csv", "text/csv"), ("json", "application/json")):
        web = client.get(f"/public/releases/{release['id']}.{suffix}")
        api = client.get(f"/api/v1/public/releases/{release['id']}.{suffix}")
        assert web.status_code == 200 and web.headers["content-type"].startswith(kind)
        assert web.content == api.content == client.get(web.url).content


def test_unpublished_and_unknown_releases_are_not_found(client: TestClient) -> None:
    waiting = propose(client).json()
    refused = propose(client, title="Refused").json()
    client.post(
        f"/api/v1/releases/{refused['id']}/refuse", json={}, headers=token(client, "privacy")
    )
    for release_id in (waiting["id"], refused["id"], "no-such-release"):
        for suffix in ("", ".csv", ".json"):
            answer = client.get(f"/public/releases/{release_id}{suffix}")
            assert answer.status_code == 404, (release_id, suffix)


def test_the_pages_in_chinese(client: TestClient) -> None:
    release = published(client)
    index = client.get("/public/releases", headers=CHINESE)
    assert '<html lang="zh-Hans">' in index.text and "已发布的统计数据" in index.text
    page = client.get(f"/public/releases/{release['id']}", headers=CHINESE).text
    within = result_within(client, release["id"], "screened")
    assert f"一个县的计数有 95% 的时候与真实计数相差不超过 ±{within}" in page
    assert "差分隐私" in page and "全项目" in page


def result_within(client: TestClient, release_id: str, table: str) -> int:
    result = client.get(f"/api/v1/public/releases/{release_id}.json").json()
    return int(result["tables"][table]["within_95"])
