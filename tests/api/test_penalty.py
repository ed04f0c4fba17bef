"""The penalty quote from the command line and the API: the seed's schedule or a
campaign's, a clear error where the schedule defines nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from dialer.rules.zones import zone_info
from tests.api.test_api import agent, manager  # noqa: F401  (fixtures)
from tests.factories import Factory
from tests.integration.test_embedded_and_cli import dialer

Client = TestClient[Any, Any]
QUOTE = ("--product", "internet", "--total", "350000", "--bill-month", "2022-09")


def test_the_command_prints_the_quote_as_json(tmp_path: Path) -> None:
    done = dialer(
        "penalty", *QUOTE, "--paid-on", "2022-09-21", "--json", home=tmp_path, env_db=None
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "penalty": 17500,
        "rule": "5% dari Rp 350.000 (Rp 17.500, dibulatkan setengah ke atas),"
        " minimal Rp 5.000, untuk pembayaran 21–30 September 2022",
        "minipack": False,
    }
    early = dialer(
        "penalty", *QUOTE, "--paid-on", "2022-09-10", "--json", home=tmp_path, env_db=None
    )
    assert json.loads(early.stdout) == {
        "penalty": 0,
        "rule": "tanpa denda untuk pembayaran 5–20 September 2022",
        "minipack": True,
    }
    # Before the 5th: payable already, no penalty, the minipack applies.
    first = dialer("penalty", *QUOTE, "--paid-on", "2022-09-01", home=tmp_path, env_db=None)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "denda: Rp 0 (tanpa denda untuk pembayaran 1–4 September 2022 (tagihan sudah bisa"
        " dibayarkan; jadwal denda mulai 5 September 2022))",
        "total bayar: Rp 350.000",
        "gratis minipack: ya",
    ]
    human = dialer("penalty", *QUOTE, "--paid-on", "2022-10-02", home=tmp_path, env_db=None)
    assert human.returncode == 0
    assert "denda: Rp 35.000" in human.stdout and "total bayar: Rp 385.000" in human.stdout
    assert "untuk pembayaran 1–31 Oktober 2022" in human.stdout


@pytest.mark.parametrize(
    ("paid_on", "message", "pesan"),
    [
        (
            "2022-11-01",
            "defines nothing for a payment on 2022-11-01 after 31 October 2022",
            "tidak mengatur pembayaran pada 2022-11-01",
        ),
        (
            "2022-08-31",
            "not billed before 1 September 2022",
            "belum ditagih sebelum 1 September 2022",
        ),
    ],
)
def test_the_command_fails_plainly_where_the_schedule_is_silent(
    tmp_path: Path, paid_on: str, message: str, pesan: str
) -> None:
    """In English with DIALER_UI__LANGUAGE=en, in Indonesian by default."""
    done = dialer(
        "penalty", *QUOTE, "--paid-on", paid_on, "--json", home=tmp_path, env_db=None, language="en"
    )
    assert done.returncode == 2
    error = json.loads(done.stdout)["error"]
    assert error["id"] == "no_penalty_rule" and message in error["message"]
    plain = dialer("penalty", *QUOTE, "--paid-on", paid_on, home=tmp_path, env_db=None)
    assert plain.returncode == 2 and pesan in plain.stderr and plain.stdout == ""


def test_the_command_refuses_bad_input(tmp_path: Path) -> None:
    for args, message in [
        (("--product", "mobile", "--total", "1", "--bill-month", "2022-09"), "produk 'mobile'"),
        (("--product", "internet", "--total", "12,5", "--bill-month", "2022-09"), "--total"),
        (("--product", "internet", "--total", "1", "--bill-month", "09-2022"), "2022-09"),
    ]:
        done = dialer("penalty", *args, "--paid-on", "2022-09-21", home=tmp_path, env_db=None)
        assert done.returncode == 2 and message in done.stderr, done.stderr


async def test_the_api_quotes_by_the_seed_or_the_campaign_schedule(
    client: Client,
    factory: Factory,
    manager: dict[str, str],  # noqa: F811
    agent: dict[str, str],  # noqa: F811
    db_url: str,
    tmp_path: Path,
) -> None:
    query = "product=telephone&total=Rp%20200.000&bill_month=2022-09&paid_on=2022-10-03"
    for who in (manager, agent):
        resp = await client.get(f"/api/penalty?{query}", headers=who)
        assert resp.status == 200
        body = await resp.json()
        assert (body["penalty"], body["to_pay"], body["minipack"]) == (20000, 220000, False)
        assert [line["penalty"] for line in body["schedule"]] == [0, 10000, 20000, 30000]
        assert body["schedule"][3] | {"rule": ""} == {
            "from": "2022-11-01",
            "to": None,
            "percent": 15,
            "minimum": 15000,
            "penalty": 30000,
            "rule": "",
        }
    assert (await client.get(f"/api/penalty?{query}")).status == 401
    silent = await client.get(
        "/api/penalty?product=internet&total=1&bill_month=2022-09&paid_on=2022-12-01",
        headers=agent,
    )
    assert silent.status == 422 and (await silent.json())["error"]["id"] == "no_penalty_rule"
    for bad, where in [
        ("product=internet&bill_month=2022-09", "'total'"),
        ("product=internet&total=-5&bill_month=2022-09", "total '-5'"),
        ("product=internet&total=5&bill_month=2022-09&paid_on=21-09-2022", "paid_on"),
        ("product=internet&total=5&bill_month=2022-09&zone=CET", "zona 'CET'"),
    ]:
        resp = await client.get(f"/api/penalty?{bad}", headers=manager)
        assert resp.status == 400 and where in (await resp.json())["error"]["message"]

    # A campaign with its own schedule: 7% from the 21st; its product by default.
    definition = factory.seed_definition()
    penalty = definition["penalty"]
    penalty["internet"][1] = {"start": "N/21", "end": "N/last", "percent": 7, "minimum": 0}
    campaign = await factory.create_campaign(name="own-schedule", penalty=penalty)
    own = await client.get(
        f"/api/campaigns/{campaign.name}/penalty?total=100000&bill_month=2022-09"
        "&paid_on=2022-09-25",
        headers=agent,
    )
    assert own.status == 200 and (await own.json())["penalty"] == 7000
    # Without paid_on: today, in the customer's zone.
    before = datetime.now(UTC).astimezone(zone_info("WIT")).date()
    today = await client.get(
        f"/api/campaigns/{campaign.name}/penalty?product=telephone&total=100000"
        "&bill_month=2022-09&zone=WIT",
        headers=agent,
    )
    after = datetime.now(UTC).astimezone(zone_info("WIT")).date()
    assert today.status == 200
    assert (await today.json())["paid_on"] in {before.isoformat(), after.isoformat()}
    # The command line reads the same campaign's schedule.
    done = dialer(
        "penalty",
        "--product",
        "internet",
        "--total",
        "100000",
        "--bill-month",
        "2022-09",
        "--paid-on",
        "2022-09-25",
        "--campaign",
        campaign.name,
        "--json",
        home=tmp_path,
        env_db=db_url,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["penalty"] == 7000


def test_the_command_speaks_english_when_the_ui_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIALER_UI__LANGUAGE", "en")
    done = dialer("penalty", *QUOTE, "--paid-on", "2022-10-02", home=tmp_path, env_db=None)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "penalty: Rp 35.000 (10% of Rp 350.000 (Rp 35.000, rounded half up), at least"
        " Rp 10.000, for a payment 1–31 October 2022)",
        "to pay: Rp 385.000",
        "free minipack: no",
    ]
