"""Seed 003 on a running node with the simulated carrier: the agent sees the category's
line, a transfer happens only after the customer's YA/Baik (refused without, and nothing
changes), it is recorded with its category and the guide's log text and confirmed by
the carrier; an "educate" category records the information given, with no transfer;
the manager sees both, in the listings and the CRM export; a campaign whose
destinations do not fit its guide is refused when applied."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any
from unittest.mock import patch

import asyncpg
import pytest

from dialer.agents import transfers
from dialer.agents.transfers import TransferForm
from dialer.auth import service as auth
from dialer.campaigns import service as campaigns
from dialer.db import Pool
from dialer.errors import Conflict, NotFound, ValidationFailed
from dialer.settings import Settings
from tests.dialing import in_conference
from tests.factories import Factory
from tests.integration.test_embedded_and_cli import dialer
from tests.integration.test_outcomes import on_a_call, target_of, transfer_state

TRANSFER_LINE = (
    "... Baik Ibu Pelanggan 2, mohon maaf saat ini Ibu terhubung dengan Contact Center PLN"
    " 123 Ketenagalistrikan, untuk informasi ICONNET, Ibu akan kami sambungkan ke Contact"
    " Center ICONNET, mohon ditunggu ya Bu ...?"
)


async def manager(conn: asyncpg.Connection) -> dict[str, str]:
    user = await auth.create_user(conn, username="mira", role="manager", password=None)
    token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
    return {"Authorization": f"Bearer {token}"}


async def test_a_transfer_without_the_customers_consent_is_refused_and_changes_nothing(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", call.attempt_id)
        await in_conference(call.node.carrier, call.agent_id, sid)
        updates: list[str] = []
        real = call.node.carrier.update

        async def spy(call_sid: str, twiml: str) -> None:
            updates.append(call_sid)
            await real(call_sid, twiml)

        call.node.carrier.update = spy  # type: ignore[method-assign]
        for consent in ({}, {"consent": ""}, {"consent": "Tidak"}):
            body = {"attempt_id": call.attempt_id, "destination": "cc-iconnet"} | consent
            resp = await call.node.client.post(
                "/api/agent/transfer", json=body, headers=call.headers
            )
            assert resp.status == 422, await resp.text()
            error = (await resp.json())["error"]
            assert error["message"].startswith("pelanggan belum menyetujui transfer")
            [detail] = error["details"]
            assert detail["field"] == "consent"
            assert "activation_trouble" in detail["reason"] and "YA" in detail["reason"]
            assert "Baik" in detail["reason"]
        # Nothing changed: no transfer, no carrier request, the customer still with the
        # agent, who still holds the call.
        assert await conn.fetchval("SELECT count(*) FROM transfers") == 0
        assert updates == []
        assert sid in call.node.carrier.switch.members(f"agent-{call.agent_id}")
        state = await conn.fetchval(
            "SELECT state FROM agent_states WHERE user_id = $1", call.agent_id
        )
        assert state == "on_call"
        assert (await target_of(conn))["state"] != "done"
        # Where the deployment calls real phones, an example destination is refused too,
        # consent or not.
        form = TransferForm(attempt_id=call.attempt_id, destination="cc-iconnet", consent="YA")
        with pytest.raises(Conflict, match="is an example \\(contoh\\)"):
            async with conn.transaction():
                await transfers.request(
                    conn, form, agent_id=call.agent_id, now=call.clock(), examples_allowed=False
                )
        assert await conn.fetchval("SELECT count(*) FROM transfers") == 0


async def test_with_consent_the_transfer_records_its_category_and_log_text_and_goes_through(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        client = call.node.client
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", call.attempt_id)
        await in_conference(call.node.carrier, call.agent_id, sid)
        # The console's guide: the apology line filled for this customer, the consent
        # words and the destination (an example) of the transferred category.
        resp = await client.get(
            "/api/agent/transfer/guide",
            params={"attempt_id": call.attempt_id},
            headers=call.headers,
        )
        assert resp.status == 200, await resp.text()
        categories = {c["key"]: c for c in (await resp.json())["guide"]["categories"]}
        trouble = categories["activation_trouble"]
        assert trouble["say"]["ibu"] == TRANSFER_LINE
        assert trouble["consent"] == ["YA", "Baik"]
        assert trouble["destinations"] == [
            {"key": "cc-iconnet", "label": "Contact Center ICONNET (contoh)", "example": True}
        ]
        assert categories["billing_info"]["destinations"] == []

        body = {"attempt_id": call.attempt_id, "destination": "cc-iconnet", "consent": "ya"}
        resp = await client.post("/api/agent/transfer", json=body, headers=call.headers)
        assert resp.status == 202, await resp.text()
        asked = (await resp.json())["transfer"]
        assert (asked["category"], asked["consent"], asked["log_text"], asked["guide"]) == (
            "activation_trouble",
            "YA",
            "ICONNET : TRANSFER CALL",
            "direct-transfer-iconnet",
        )
        # Done when the carrier says the destination answered: the customer's call was
        # dialled to the destination's number, the agent in after-call work.
        done = await transfer_state(conn, asked["id"], "done")
        assert done["number"] == "+620000000003"
        target = await target_of(conn)
        assert (target["state"], target["done_reason"]) == ("done", "transferred")
        # The transfer is one of the call's actions (the reports count it).
        action = await conn.fetchrow("SELECT kind, ref, detail FROM call_actions")
        assert tuple(action) == ("transfer", asked["id"], "activation_trouble")
        state = await conn.fetchval(
            "SELECT state FROM agent_states WHERE user_id = $1", call.agent_id
        )
        assert state == "wrap_up"
        me = await client.get("/api/agent/me", headers=call.headers)
        shown = (await me.json())["call"]["call"]["transfer"]
        assert (shown["state"], shown["log_text"]) == ("done", "ICONNET : TRANSFER CALL")

        # The manager sees the category and the log text: the listing and the CRM export.
        headers = await manager(conn)
        base = f"/api/campaigns/{call.campaign.name}"
        listed = await (await client.get(f"{base}/transfers", headers=headers)).json()
        [row] = listed["transfers"]
        assert (row["category"], row["consent"], row["log_text"]) == (
            "activation_trouble",
            "YA",
            "ICONNET : TRANSFER CALL",
        )
        resp = await client.get(f"{base}/crm.csv", headers=headers)
        [crm] = list(csv.DictReader(io.StringIO(await resp.text())))
        assert (crm["transfer_category"], crm["transfer_log_text"]) == (
            "activation_trouble",
            "ICONNET : TRANSFER CALL",
        )


async def test_an_educate_category_records_the_information_without_a_transfer(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        client = call.node.client
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", call.attempt_id)
        await in_conference(call.node.carrier, call.agent_id, sid)

        async def inform(**form: Any) -> tuple[int, Any]:
            body = {"attempt_id": call.attempt_id} | form
            resp = await client.post("/api/agent/informed", json=body, headers=call.headers)
            return resp.status, await resp.json()

        status, body = await inform(category="coverage_registration")
        assert status == 422 and body["error"]["details"][0]["field"] == "fields.area"
        status, body = await inform(category="activation_trouble")
        assert status == 409
        assert "ditransfer, bukan sekadar diinformasikan" in body["error"]["message"]
        status, body = await inform(category="nowhere")
        assert status == 422 and "coverage_registration" in body["error"]["details"][0]["reason"]

        status, body = await inform(
            category="coverage_registration", fields={"area": "Cilincing Jakarta Utara"}
        )
        assert status == 201, body
        first = body["informed"]
        assert first["log_text"] == (
            "ICONNET : INFO CAKUPAN AREA DI WILAYAH CILINCING JAKARTA UTARA, TELAH DIJELASKAN"
            " SESUAI KETENTUAN. PELANGGAN MENGETI"
        )
        # A double submit finds the first.
        status, body = await inform(
            category="coverage_registration", fields={"area": "Cilincing Jakarta Utara"}
        )
        assert status == 200 and body["informed"]["id"] == first["id"]
        assert [tuple(r) for r in await conn.fetch("SELECT kind, detail FROM call_actions")] == [
            ("informed", "coverage_registration")
        ]
        status, body = await inform(category="billing_info")
        assert status == 201, body

        # No transfer: the customer still with the agent, who still holds the call.
        assert await conn.fetchval("SELECT count(*) FROM transfers") == 0
        assert sid in call.node.carrier.switch.members(f"agent-{call.agent_id}")
        state = await conn.fetchval(
            "SELECT state FROM agent_states WHERE user_id = $1", call.agent_id
        )
        assert state == "on_call"

        headers = await manager(conn)
        base = f"/api/campaigns/{call.campaign.name}"
        listed = await (await client.get(f"{base}/informed", headers=headers)).json()
        assert [(r["category"], r["agent"]) for r in listed["informed"]] == [
            ("coverage_registration", "ani"),
            ("billing_info", "ani"),
        ]
        resp = await client.get(f"{base}/crm.csv", headers=headers)
        [crm] = list(csv.DictReader(io.StringIO(await resp.text())))
        assert crm["informed"].splitlines() == [
            f"coverage_registration: {first['log_text']}",
            "billing_info: ICONNET : INFO TAGIHAN, TELAH DIJELASKAN SESUAI KETENTUAN."
            " PELANGGAN MENGETI",
        ]
        assert crm["transfer_category"] == ""


@pytest.mark.parametrize(
    ("transfers", "field", "says"),
    [
        (
            [{"category": "gangguan teknis"}],
            "transfers.0.category",
            "'gangguan teknis' is not a category of transfer guide 'direct-transfer-iconnet'",
        ),
        (
            [{"category": "billing_info"}],
            "transfers.0.category",
            "answered by educate with no transfer",
        ),
    ],
)
async def test_a_destination_that_does_not_fit_the_guide_is_refused_at_apply(
    factory: Factory, transfers: list[dict[str, Any]], field: str, says: str
) -> None:
    seed = factory.seed_definition()["transfers"][0]
    with pytest.raises(ValidationFailed) as caught:
        await factory.create_campaign(transfers=[seed | t for t in transfers])
    assert caught.value.message.endswith(
        "the transfers do not fit transfer guide 'direct-transfer-iconnet'"
    )
    fields = {d["field"]: d["reason"] for d in caught.value.details}
    assert says in fields[field]


async def test_the_campaign_names_a_guide_that_exists_and_examples_only_on_the_simulator(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    with pytest.raises(NotFound, match="no transfer guide named 'nope'"):
        await factory.create_campaign(transfer_guide="nope")
    with pytest.raises(ValidationFailed) as caught:
        await campaigns.apply(
            conn,
            factory.seed_definition(name="real-phones"),
            actor="test",
            source="test",
            scripts_dir=factory.root / "scripts",
            examples_allowed=False,
        )
    assert "example transfer destinations" in caught.value.message
    assert caught.value.details[0]["field"] == "transfers.cc-iconnet"
    assert await conn.fetchval("SELECT count(*) FROM campaigns") == 0


def test_dialer_campaign_apply_warns_of_examples_and_refuses_them_on_twilio(
    tmp_path: Path, db_url: str
) -> None:
    seed = "campaigns/001_obc_bukalapak_voucher.toml"
    applied = dialer("campaign", "apply", seed, home=tmp_path, env_db=db_url)
    assert applied.returncode == 0, applied.stderr
    assert "warning: transfer destinations cc-iconnet are examples (contoh)" in applied.stdout
    twilio = {"DIALER_TWILIO__ACCOUNT_SID": "AC" + "0" * 32, "DIALER_TWILIO__AUTH_TOKEN": "x"}
    with patch.dict(os.environ, twilio):
        refused = dialer("campaign", "apply", seed, home=tmp_path, env_db=db_url)
    assert refused.returncode == 2
    assert "ada tujuan transfer contoh di deployment yang menelepon nomor sungguhan" in (
        refused.stderr + refused.stdout
    )
