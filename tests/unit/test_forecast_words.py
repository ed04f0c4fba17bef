"""``dialer forecast`` in words: each figure's case said plainly, in Indonesian or
English, times in the zone asked."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from dialer.cli.forecast import describe
from dialer.forecast.service import forecast
from tests.unit.test_forecast import MONDAY, QUICK, observed, ready

WIB = ZoneInfo("Asia/Jakarta")


def test_a_forecast_under_way_says_each_figure_and_its_inputs() -> None:
    lines = describe(forecast(observed(MONDAY, (ready(300),)), **QUICK), "id")
    assert (
        lines[0]
        == "obc: perkiraan per Senin, 5 September 2022 08.00 WIB dengan 10 agen (yang masuk)"
    )
    text = "\n".join(lines)
    assert "  daftar habis: " in text and "(rentang " in text
    assert "  kuota voucher (0 dari 50 terpakai) habis: " in text
    assert "peluang selesai sebelum akhir kampanye (Jumat, 30 September 2022 18.00 WIB)" in text
    assert "agen yang dibutuhkan (peluang selesai ≥ 80%): " in text
    assert "    300 target tersisa (300 siap, 0 terjadwal, 0 sedang ditelepon) dari 400" in text
    assert "    peluang kontak 40,0% dari 10.000 panggilan: WIB 40,0% (10.000)" in text
    english = "\n".join(describe(forecast(observed(MONDAY, (ready(300),)), **QUICK), "en", "WIT"))
    assert "forecast as of Mon 5 Sep 2022 10:00 WIT with 10 agents (logged in)" in english
    assert "contact odds 40.0% from 10,000 calls" in english


def test_never_a_period_run_out_and_a_finished_campaign_are_said_plainly() -> None:
    never = "\n".join(describe(forecast(observed(MONDAY, (ready(10),), agents=0), **QUICK), "id"))
    assert "daftar habis: tidak pernah: tidak ada agen yang masuk (coba --agents N)" in never
    late = datetime(2022, 9, 30, 17, 30, tzinfo=WIB)
    out = "\n".join(describe(forecast(observed(late, (ready(500),)), **QUICK), "en"))
    assert "list exhausted: not by the campaign's end (Fri 30 Sep 2022 18:00 WIB): about" in out
    assert "agents needed: no number suffices" in out
    finished = replace(observed(MONDAY, (ready(10),)), state="finished")
    done = "\n".join(describe(forecast(finished, **QUICK), "id"))
    assert "daftar habis: kampanye sudah diakhiri: tidak ada lagi yang ditelepon" in done
    assert "agen yang dibutuhkan: tidak ada, kampanye sudah diakhiri" in done
    paused = replace(observed(MONDAY, (ready(10),)), state="paused")
    said = describe(forecast(paused, **QUICK), "id")
    assert said[1] == (
        "  kampanye sedang dijeda: perkiraan ini menganggap kampanye berjalan mulai sekarang"
    )
