"""``dialer demo``: the whole dialer on the simulators, headless, to the end."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.integration.test_embedded_and_cli import dialer


@pytest.mark.slow
def test_the_demo_runs_the_seed_campaign_to_the_end(tmp_path: Path, demo_db_url: str) -> None:
    done = dialer(
        "demo",
        "--targets",
        "40",
        "--seats",
        "4",
        "--speed",
        "400",
        "--until-done",
        "--json",
        home=tmp_path,
        env_db=demo_db_url,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    demo, summary = result["demo"], result["summary"]
    assert demo["finished_because"] == "every target finished"
    assert demo["shifted"] is None
    # Inside the seed campaign's period: its first opening, 08:00 WIT on 1 Sep 2022.
    assert datetime.fromisoformat(demo["started_at"]) == datetime.fromisoformat(
        "2022-09-01T08:00:00+09:00"
    )
    targets = summary["targets"]
    assert targets["total"] > 0 and targets.get("done") == targets["total"]
    attempts = summary["attempts"]
    assert attempts["total"] >= targets["total"]
    assert sum(summary["finished"].values()) == targets["total"]
    # Bot agents took every answered call and recorded its outcome; a target finished
    # by an outcome is finished with that code (a busy customer is called back).
    outcomes = result["outcomes"]
    assert sum(outcomes.values()) == attempts.get("contacted", 0) > 0
    for code, count in summary["finished"].items():
        if code in outcomes and code != "customer_busy":
            assert count == outcomes[code], code
    assert summary["live"] == {"on_seat": 0, "in_flight": 0}


@pytest.mark.slow
def test_a_start_outside_the_period_shifts_it_and_says_so(tmp_path: Path, demo_db_url: str) -> None:
    done = dialer(
        "demo",
        "--targets",
        "10",
        "--seats",
        "2",
        "--speed",
        "400",
        "--hours",
        "1",
        "--start",
        "2026-11-23T08:00:00+07:00",
        "--json",
        home=tmp_path,
        env_db=demo_db_url,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    demo = json.loads(done.stdout)["demo"]
    assert demo["shifted"]["period"] == ["2026-11-23", "2026-12-22"]
    assert demo["shifted"]["by_days"] == (datetime(2026, 11, 23) - datetime(2022, 9, 1)).days
    assert "outside the seed period" in demo["shifted"]["why"]
    assert demo["finished_because"] == "1 virtual hours passed"


@pytest.mark.slow
def test_a_start_written_in_a_zone_runs_as_the_same_moment(
    tmp_path: Path, demo_db_url: str
) -> None:
    """09:00 WIB written with its zone, as the help invites: the calls run (the
    simulator stamped each callback from a clock in +07:00, which the e-mail time format
    refuses — every call failed, the demo exited 0 with its calls stuck)."""
    done = dialer(
        "demo",
        "--targets",
        "10",
        "--seats",
        "2",
        "--speed",
        "400",
        "--until-done",
        "--start",
        "2022-09-05T09:00:00+07:00",
        "--json",
        home=tmp_path,
        env_db=demo_db_url,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "usegmt" not in done.stderr
    result = json.loads(done.stdout)
    assert datetime.fromisoformat(result["demo"]["started_at"]) == datetime.fromisoformat(
        "2022-09-05T02:00:00+00:00"
    )
    assert result["demo"]["finished_because"] == "every target finished"
    summary = result["summary"]
    assert summary["targets"].get("done") == summary["targets"]["total"] > 0
    assert summary["live"] == {"on_seat": 0, "in_flight": 0}
