"""Child process of the ingest benchmark: import one file, print a JSON report."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path

from dialer.db import connect
from dialer.targets.service import import_targets


async def main(url: str, path: Path) -> dict[str, float]:
    conn = await connect(url)
    try:
        campaign_id = await conn.fetchval(
            "INSERT INTO campaigns (name, product, tiers, voucher_quota, voucher_expires_at,"
            " script_name, definition, created_by, updated_by)"
            " VALUES ('bench', 'internet', '{Platinum,Gold}', 50, now(), 'bench', '{}',"
            " 'bench', 'bench') RETURNING id"
        )
        started = time.perf_counter()
        summary = await import_targets(
            conn,
            campaign_id=campaign_id,
            tiers=["Platinum", "Gold"],
            path=path,
            filename=path.name,
            actor="bench",
        )
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "seconds": seconds,
        "accepted": summary.accepted,
        "rows": summary.rows,
        "peak_rss_mb": max(own, workers) / 1024,
    }


if __name__ == "__main__":
    report = asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
    print(json.dumps(report))
