"""The claim: a target on a live call keeps its state, is never claimed again, and is
counted once when the call ends; a claim that loses a number to another campaign's
claim gives way."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg

from dialer.calls.applier import APPLIER
from dialer.calls.pacer import DIALER
from dialer.calls.progress import campaign_progress
from dialer.calls.why import why_not_summary, why_target
from dialer.campaigns import service as campaigns
from dialer.db import Pool
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB
from tests.factories import Factory, row
from tests.integration.test_callbacks import T0, _service, post

LIVE = "('queued', 'dialing', 'ringing', 'in-progress')"


async def test_a_target_on_a_call_is_not_claimed_again_and_is_counted_when_it_ends(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1), row(2)], virtual_seats=4)
    client, settings, carrier = await _service(settings, pool)
    try:
        dialer = client.app[DIALER]  # type: ignore[index]
        assert await dialer.tick() == {campaign.name: 2}
        # Four free seats, but both targets are on a call: nothing more is claimed.
        assert await dialer.tick() == {campaign.name: 0}
        targets = await conn.fetch(
            "SELECT id, state, attempts FROM targets WHERE campaign_id = $1 ORDER BY id",
            campaign.id,
        )
        assert [(t["state"], t["attempts"]) for t in targets] == [("ready", 0), ("ready", 0)]
        progress = await campaign_progress(
            conn, campaign, now=MONDAY_10_WIB, abandon_window=timedelta(minutes=15)
        )
        assert progress["targets"] == {"total": 2, "dialing": 2}
        why = await why_target(conn, campaign, "122000000001", now=MONDAY_10_WIB)
        assert [r["code"] for r in why["reasons"]] == ["dialing"] and why["state"] == "dialing"
        summary = await why_not_summary(conn, campaign, now=MONDAY_10_WIB)
        assert summary["reasons"] == {"dialing": 2} and summary["dialable_now"] == 0

        first, second = sorted(carrier.sids)
        # During the second call, something else decides the target's next step (an
        # agent's "call me back tomorrow"): the end of the call counts the attempt
        # and leaves that step alone.
        tomorrow = T0 + timedelta(days=1)
        await conn.execute(
            "UPDATE targets SET state = 'scheduled', callback = true, next_attempt_at = $2"
            " WHERE id = (SELECT target_id FROM attempts WHERE id = $1)",
            second,
            tomorrow,
        )
        for attempt_id, status in ((first, "busy"), (second, "no-answer")):
            params = {"CallSid": carrier.sids[attempt_id], "CallStatus": status}
            assert await post(client, settings, attempt_id, "status", params) == 200
        await client.app[APPLIER].drain()  # type: ignore[index]
    finally:
        await client.close()
    ended = {
        a["id"]: a
        for a in await conn.fetch(
            "SELECT a.id, a.created_at, t.state, t.attempts, t.result_counts, t.last_result,"
            " t.last_attempt_at, t.callback, t.next_attempt_at"
            " FROM attempts a JOIN targets t ON t.id = a.target_id WHERE a.campaign_id = $1",
            campaign.id,
        )
    }
    busy = ended[first]
    assert (busy["state"], busy["attempts"], busy["result_counts"]) == (
        "scheduled",
        1,
        {"busy_line": 1},
    )
    assert busy["next_attempt_at"] == T0 + timedelta(minutes=15)  # the policy's busy delay
    assert busy["last_attempt_at"] == busy["created_at"] and not busy["callback"]
    kept = ended[second]
    assert (kept["state"], kept["callback"], kept["next_attempt_at"]) == (
        "scheduled",
        True,
        tomorrow,
    )
    assert (kept["attempts"], kept["last_result"]) == (1, "no_answer")


async def test_a_claim_that_loses_a_number_to_another_campaign_gives_way(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, db_url: str
) -> None:
    # The same customer is on two campaigns' lists.
    ours = await factory.running_campaign([row(1)], name="ours", virtual_seats=1)
    theirs = await factory.create_campaign(name="theirs", virtual_seats=1)
    await factory.create_targets(theirs, [row(1)])
    their_target = await conn.fetchval("SELECT id FROM targets WHERE campaign_id = $1", theirs.id)
    client, settings, carrier = await _service(settings, pool)
    other = await asyncpg.connect(db_url)
    try:
        dialer = client.app[DIALER]  # type: ignore[index]
        # Their claim has inserted its attempt and not committed yet when ours runs.
        tx = other.transaction()
        await tx.start()
        await other.execute(
            "INSERT INTO attempts (campaign_id, target_id, number, carrier, node, created_at,"
            " updated_at) VALUES ($1, $2, '+6281200000001', 'simulated', 'other', $3, $3)",
            theirs.id,
            their_target,
            T0,
        )
        claim = asyncio.create_task(dialer.dial_campaign(await campaigns.get(conn, ours.id)))
        for _ in range(500):  # ours waits on theirs for the number's live-call index
            waiting = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND wait_event = 'transactionid' AND datname = current_database()",
            )
            if waiting or claim.done():
                break
            await asyncio.sleep(0.01)
        assert waiting == 1
        await tx.commit()
        assert await claim == 0  # gave way: no error, nothing claimed, no call placed
        assert carrier.sids == {}
        live = await conn.fetch(f"SELECT campaign_id FROM attempts WHERE state IN {LIVE}")
        assert [a["campaign_id"] for a in live] == [theirs.id]
        # Their call ends; our next tick dials the customer.
        await other.execute("UPDATE attempts SET state = 'busy', result = 'busy_line'")
        assert await dialer.tick() == {ours.name: 1}
    finally:
        await other.close()
        await client.close()
