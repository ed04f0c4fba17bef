"""The latency histograms of ``dialer serve --workers N``: each worker process writes
its own, and a scrape answered by any one of them sums them all (``dialer/metrics.py``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

OBSERVE = """
import sys
from pathlib import Path
from dialer import metrics
metrics.share(Path(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    metrics.observe_callback("/carrier/voice/status", 0.003)
metrics.observe_claim(0.02)
"""
SCRAPE = """
import sys
from pathlib import Path
from dialer import metrics
metrics.share(Path(sys.argv[1]))
sys.stdout.write(metrics.exposition().decode())
"""


def _run(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def _counts(text: str) -> dict[str, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_count"):
                found[sample.name + str(sorted(sample.labels.items()))] = sample.value
    return found


def test_a_scrape_in_one_process_sums_every_worker_s_histograms(tmp_path: Path) -> None:
    _run(OBSERVE, str(tmp_path), "3")
    _run(OBSERVE, str(tmp_path), "4")
    counts = _counts(_run(SCRAPE, str(tmp_path)))
    assert counts["dialer_callback_seconds_count[('route', '/carrier/voice/status')]"] == 7
    assert counts["dialer_claim_seconds_count[]"] == 2
    assert counts["dialer_pop_seconds_count[]"] == 0


def test_clear_forgets_an_earlier_run(tmp_path: Path) -> None:
    from dialer import metrics

    _run(OBSERVE, str(tmp_path), "5")
    assert list(tmp_path.glob("*.db"))
    metrics.clear(tmp_path)
    assert not list(tmp_path.glob("*.db"))
    counts = _counts(_run(SCRAPE, str(tmp_path)))
    assert counts["dialer_claim_seconds_count[]"] == 0
