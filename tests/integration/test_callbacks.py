"""Provider callbacks: signed or refused, stored raw, applied idempotently in any order."""

from __future__ import annotations

import itertools
import random
from email.utils import format_datetime
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.calls.applier import APPLIER
from dialer.calls.pacer import DIALER
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.keys import CLOCK
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB, RecordingCarrier, signed
from tests.factories import Factory, row
from tests.twiml_vocabulary import check

T0 = MONDAY_10_WIB


def stamp(seconds: int) -> str:
    from datetime import timedelta

    return format_datetime(T0 + timedelta(seconds=seconds), usegmt=True)


def events(sid: str, scenario: str) -> list[tuple[str, dict[str, str]]]:
    """The callbacks Twilio posts for one call, in their natural order."""
    base = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "To": "+6281200000001"}
    flow: list[tuple[str, dict[str, str]]] = [
        ("status", base | {"CallStatus": "initiated", "Timestamp": stamp(0)}),
        ("status", base | {"CallStatus": "ringing", "Timestamp": stamp(2)}),
    ]
    if scenario == "busy":
        return [
            *flow,
            ("status", base | {"CallStatus": "busy", "Timestamp": stamp(9), "CallDuration": "0"}),
        ]
    answered_by = "human" if scenario == "human" else "machine_start"
    flow.append(("status", base | {"CallStatus": "in-progress", "Timestamp": stamp(10)}))
    if scenario == "machine":
        flow.append(("amd", base | {"CallStatus": "in-progress", "AnsweredBy": answered_by}))
    flow.append(
        (
            "status",
            base
            | {
                "CallStatus": "completed",
                "Timestamp": stamp(52),
                "CallDuration": "42",
                "AnsweredBy": answered_by,
            },
        )
    )
    return flow


FINAL_COLUMNS = [
    "state",
    "result",
    "answered_by",
    "ringing_at",
    "answered_at",
    "ended_at",
    "duration_seconds",
]
TARGET_COLUMNS = [
    "state",
    "attempts",
    "result_counts",
    "next_attempt_at",
    "done_reason",
    "last_result",
]


async def post(
    client: TestClient[Any, Any],
    settings: Settings,
    attempt: int,
    kind: str,
    params: dict[str, str],
) -> int:
    path = f"/carrier/voice/{kind}?attempt={attempt}"
    response = await client.post(path, data=params, headers=signed(settings, path, params))
    return response.status


async def _service(
    settings: Settings, pool: Pool
) -> tuple[TestClient[Any, Any], Settings, RecordingCarrier]:
    from aiohttp.test_utils import unused_port

    port = unused_port()
    settings = settings.amend(server={"public_url": f"http://127.0.0.1:{port}"})
    carrier = RecordingCarrier()
    app = create_app(settings, pool=pool, clock=FrozenClock(T0), carrier=carrier)
    client = TestClient(TestServer(app, host="127.0.0.1", port=port))
    await client.start_server()
    return client, settings, carrier


async def _one_call(client: TestClient[Any, Any], carrier: RecordingCarrier) -> tuple[int, str]:
    """Tick once; the one call placed, as (attempt id, CallSid)."""
    await client.app[DIALER].tick()  # type: ignore[index]
    ((attempt_id, sid),) = carrier.sids.items()
    return attempt_id, sid


async def test_any_order_and_repeats_reach_the_same_final_state(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    scenarios = {"human": 24, "busy": 6, "machine": 24}
    total = sum(scenarios.values())
    campaign = await factory.running_campaign(
        [row(i) for i in range(1, total + 1)], virtual_seats=total, pacing_ratio=1.0
    )
    client, settings, carrier = await _service(settings, pool)
    try:
        dialer = client.app[DIALER]  # type: ignore[index]
        assert await dialer.tick() == {campaign.name: total}
        attempt_ids = sorted(carrier.sids)
        rng = random.Random(3)
        plan: dict[str, list[int]] = {}
        it = iter(attempt_ids)
        for scenario, n in scenarios.items():
            ids = [next(it) for _ in range(n)]
            plan[scenario] = ids
            natural = events(carrier.sids[ids[0]], scenario)
            orders = list(itertools.permutations(range(len(natural))))
            rng.shuffle(orders)
            for attempt_id, order in zip(ids, orders, strict=False):
                flow = events(carrier.sids[attempt_id], scenario)
                sequence = [flow[i] for i in order]
                sequence += rng.sample(flow, k=2)  # provider retries: duplicates
                for kind, params in sequence:
                    assert await post(client, settings, attempt_id, kind, params) == 200
        # Applied in batches by the node's applier: merged in memory, in any order.
        await client.app[APPLIER].drain()  # type: ignore[index]
    finally:
        await client.close()
    for scenario, ids in plan.items():
        finals = set()
        targets = set()
        for attempt_id in ids:
            a = await conn.fetchrow("SELECT * FROM attempts WHERE id = $1", attempt_id)
            assert a is not None
            finals.add(tuple(a[c] for c in FINAL_COLUMNS))
            t = await conn.fetchrow(
                "SELECT * FROM targets WHERE campaign_id = $1 AND id = $2",
                campaign.id,
                a["target_id"],
            )
            assert t is not None
            targets.add(tuple(str(t[c]) for c in TARGET_COLUMNS))
        assert len(finals) == 1, (scenario, finals)
        assert len(targets) == 1, (scenario, targets)
        state, result = next(iter(finals))[:2]
        assert (state, result) == {
            "human": ("completed", "contacted"),
            "busy": ("busy", "busy_line"),
            "machine": ("machine", "machine"),
        }[scenario]
    stored = await conn.fetchval("SELECT count(*) FROM carrier_events")
    assert stored == sum(len(events("x", s)) * n + 2 * n for s, n in scenarios.items())


async def test_unsigned_and_forged_callbacks_get_403_and_change_nothing(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    await factory.running_campaign([row(1)], virtual_seats=1)
    client, settings, carrier = await _service(settings, pool)
    try:
        attempt_id, sid = await _one_call(client, carrier)
        params = {"CallSid": sid, "CallStatus": "busy"}
        path = f"/carrier/voice/status?attempt={attempt_id}"
        unsigned = await client.post(path, data=params)
        assert unsigned.status == 403
        body = await unsigned.json()
        assert body["error"]["id"] == "forbidden"
        forged = await client.post(path, data=params, headers={"X-Twilio-Signature": "AAAA"})
        assert forged.status == 403
        # Signed for other fields than those sent: refused too.
        tampered = await client.post(
            path, data=params | {"CallStatus": "completed"}, headers=signed(settings, path, params)
        )
        assert tampered.status == 403
        # Signed for another attempt's URL.
        other = await client.post(
            f"/carrier/voice/status?attempt={attempt_id + 1}",
            data=params,
            headers=signed(settings, path, params),
        )
        assert other.status == 403
        assert await conn.fetchval("SELECT count(*) FROM carrier_events") == 0
        assert (
            await conn.fetchval("SELECT state FROM attempts WHERE id = $1", attempt_id) == "dialing"
        )
        assert await post(client, settings, attempt_id, "status", params) == 200
        await client.app[APPLIER].drain()  # type: ignore[index]
        assert await conn.fetchval("SELECT state FROM attempts WHERE id = $1", attempt_id) == "busy"
    finally:
        await client.close()


async def test_a_callback_for_an_unknown_attempt_is_stored_not_applied(
    settings: Settings, pool: Pool, conn: asyncpg.Connection
) -> None:
    client, settings, _ = await _service(settings, pool)
    try:
        params = {"CallSid": "CA" + "f" * 32, "CallStatus": "completed"}
        assert await post(client, settings, 999, "status", params) == 200
        await client.app[APPLIER].drain()  # type: ignore[index]
    finally:
        await client.close()
    event = await conn.fetchrow("SELECT * FROM carrier_events")
    assert event is not None
    assert (event["attempt_id"], event["effect"], event["params"]["CallStatus"]) == (
        999,
        "unknown_attempt",
        "completed",
    )


async def test_the_answer_url_holds_the_call_while_machine_detection_decides(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    await factory.running_campaign([row(1)], virtual_seats=1)
    client, settings, carrier = await _service(settings, pool)
    try:
        attempt_id, sid = await _one_call(client, carrier)
        path = f"/carrier/voice/answer?attempt={attempt_id}"
        params = {"CallSid": sid, "CallStatus": "in-progress", "Timestamp": stamp(5)}
        response = await client.post(path, data=params, headers=signed(settings, path, params))
        assert response.status == 200
        assert response.content_type == "text/xml"
        twiml = await response.text()
        check(twiml)
        # The hold message in Indonesian, by a voice that speaks it, a pause, then the
        # service is asked again: the hold never ends by itself.
        assert '<Say language="id-ID" voice="Google.id-ID-Standard-A">Mohon tunggu' in twiml
        assert '<Pause length="8" />' in twiml
        redirect = f"{settings.server.public_url}/carrier/voice/hold?attempt={attempt_id}"
        assert f'<Redirect method="POST">{redirect}</Redirect>' in twiml
        unsigned = await client.post(path, data=params)
        assert unsigned.status == 403
    finally:
        await client.close()
    attempt = await conn.fetchrow(
        "SELECT state, answered_at FROM attempts WHERE id = $1", attempt_id
    )
    assert attempt["state"] == "in-progress"
    assert attempt["answered_at"] == T0.replace(second=5)


async def test_a_callback_that_fails_to_apply_is_kept_raw_and_applied_later(
    settings: Settings,
    pool: Pool,
    conn: asyncpg.Connection,
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dialer import runtime
    from dialer.calls import apply as applying

    await factory.running_campaign([row(1)], virtual_seats=1)
    client, settings, carrier = await _service(settings, pool)
    try:
        attempt_id, sid = await _one_call(client, carrier)
        real_apply = applying.apply

        async def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("a bug in applying")

        monkeypatch.setattr(applying, "apply", broken)
        params = {"CallSid": sid, "CallStatus": "busy", "Timestamp": stamp(9)}
        assert await post(client, settings, attempt_id, "status", params) == 200
        await client.app[APPLIER].drain()  # type: ignore[index]
        event = await conn.fetchrow("SELECT applied_at, params, effect FROM carrier_events")
        assert event["applied_at"] is None and event["params"]["CallStatus"] == "busy"
        assert event["effect"] == "error: a bug in applying"  # left to the reconciler
        assert await conn.fetchval("SELECT state FROM attempts") == "dialing"
        monkeypatch.setattr(applying, "apply", real_apply)
        client.app[CLOCK].advance(seconds=11)  # type: ignore[index]
        done = await runtime.reconcile(client.app)  # type: ignore[arg-type]
        assert done.events_applied == 1
    finally:
        await client.close()
    assert await conn.fetchval("SELECT result FROM attempts") == "busy_line"
    assert await conn.fetchval("SELECT effect FROM carrier_events") == "finalised"
