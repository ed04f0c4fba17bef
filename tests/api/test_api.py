"""The JSON API through a real HTTP server and a real PostgreSQL."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from dialer.db import migration_files
from tests.factories import HEADER, Factory, row

Client = TestClient[Any, Any]


async def login(client: Client, factory: Factory, username: str, role: str) -> dict[str, str]:
    await factory.create_user(username, role, password="secret-pass")
    resp = await client.post(
        "/api/auth/login", json={"username": username, "password": "secret-pass"}
    )
    assert resp.status == 200
    client.session.cookie_jar.clear()  # each test request says who it is explicitly
    return {"Authorization": f"Bearer {(await resp.json())['token']}"}


@pytest.fixture
async def manager(client: Client, factory: Factory) -> dict[str, str]:
    return await login(client, factory, "mgr", "manager")


@pytest.fixture
async def agent(client: Client, factory: Factory) -> dict[str, str]:
    return await login(client, factory, "agt", "agent")


MANAGER_ENDPOINTS = [
    ("GET", "/api/campaigns"),
    ("POST", "/api/campaigns"),
    ("GET", "/api/campaigns/x"),
    ("PUT", "/api/campaigns/x"),
    ("POST", "/api/campaigns/x/start"),
    ("POST", "/api/campaigns/x/pause"),
    ("POST", "/api/campaigns/x/finish"),
    ("GET", "/api/campaigns/x/versions"),
    ("POST", "/api/campaigns/x/targets"),
    ("GET", "/api/campaigns/x/imports"),
    ("GET", "/api/campaigns/x/targets"),
    ("GET", "/api/imports/1"),
    ("GET", "/api/imports/1/rejected.csv"),
    ("GET", "/api/dnc"),
    ("POST", "/api/dnc"),
    ("DELETE", "/api/dnc/081200000001"),
    ("POST", "/api/dnc/import"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
]


@pytest.mark.parametrize(("method", "path"), MANAGER_ENDPOINTS)
async def test_manager_endpoints_refuse_the_anonymous_and_agents(
    client: Client, agent: dict[str, str], method: str, path: str
) -> None:
    anonymous = await client.request(method, path)
    assert anonymous.status == 401
    assert (await anonymous.json())["error"]["id"] == "unauthorized"
    as_agent = await client.request(method, path, headers=agent)
    assert as_agent.status == 403
    assert (await as_agent.json())["error"]["id"] == "forbidden"


async def test_a_forged_or_revoked_token_is_anonymous(
    client: Client, manager: dict[str, str]
) -> None:
    assert (
        await client.get("/api/campaigns", headers={"Authorization": "Bearer dl_forged"})
    ).status == 401
    assert (await client.post("/api/auth/logout", headers=manager)).status == 200
    assert (await client.get("/api/campaigns", headers=manager)).status == 401


async def test_wrong_password_gets_401_without_saying_which_part(
    client: Client, factory: Factory
) -> None:
    await factory.create_user("someone", "agent", password="right-password")
    for body in (
        {"username": "someone", "password": "wrong-password"},
        {"username": "nobody", "password": "right-password"},
    ):
        resp = await client.post("/api/auth/login", json=body)
        assert resp.status == 401
        assert (await resp.json())["error"]["message"] == "nama pengguna atau kata sandi salah"
        resp = await client.post("/api/auth/login?lang=en", json=body)
        assert (await resp.json())["error"]["message"] == "wrong username or password"


async def test_api_tokens_work_like_sessions(client: Client, manager: dict[str, str]) -> None:
    resp = await client.post("/api/auth/tokens", json={"label": "ci"}, headers=manager)
    token = (await resp.json())["token"]
    me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert (await me.json())["username"] == "mgr"


async def test_health_and_readiness(client: Client) -> None:
    assert (await (await client.get("/healthz")).json())["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["schema"] == migration_files()[-1][0]


async def test_errors_share_one_shape(client: Client, manager: dict[str, str]) -> None:
    resp = await client.post("/api/campaigns", data=b"{not json", headers=manager)
    assert resp.status == 400
    assert set((await resp.json())["error"]) == {"id", "message", "details"}
    missing = await client.get("/api/nowhere")
    assert missing.status == 404 and (await missing.json())["error"]["id"] == "not_found"


async def test_campaign_life_cycle_and_versions(
    client: Client, manager: dict[str, str], factory: Factory
) -> None:
    definition = factory.seed_definition(name="obc-test")
    created = await client.post("/api/campaigns", json=definition, headers=manager)
    assert created.status == 201
    body = await created.json()
    assert (body["state"], body["version"], body["created_by"]) == ("draft", 1, "mgr")
    again = await client.post("/api/campaigns", json=definition, headers=manager)
    assert again.status == 409

    assert (await (await client.post("/api/campaigns/obc-test/start", headers=manager)).json())[
        "state"
    ] == "running"
    definition["voucher"]["quota"] = 60
    updated = await client.put("/api/campaigns/obc-test", json=definition, headers=manager)
    body = await updated.json()
    assert (body["version"], body["outcome"], body["state"]) == (2, "updated", "running")
    assert body["changes"] == {"voucher.quota": {"from": 50, "to": 60}}
    same = await client.put("/api/campaigns/obc-test", json=definition, headers=manager)
    assert (await same.json())["outcome"] == "unchanged"

    history = await (await client.get("/api/campaigns/obc-test/versions", headers=manager)).json()
    assert [v["version"] for v in history["versions"]] == [1, 2]
    assert history["versions"][1]["changed_by"] == "mgr"
    assert [e["action"] for e in history["events"]] == ["start"]

    pause = await client.post("/api/campaigns/obc-test/pause", headers=manager)
    assert (await pause.json())["state"] == "paused"
    bad = await client.post("/api/campaigns/obc-test/pause", headers=manager)
    assert bad.status == 409 and "statusnya paused" in (await bad.json())["error"]["message"]
    assert (await (await client.post("/api/campaigns/obc-test/finish", headers=manager)).json())[
        "state"
    ] == "finished"
    frozen = await client.put("/api/campaigns/obc-test", json=definition, headers=manager)
    assert frozen.status == 409

    listing = await (await client.get("/api/campaigns", headers=manager)).json()
    assert [c["name"] for c in listing["campaigns"]] == ["obc-test"]


async def test_an_invalid_definition_changes_nothing(
    client: Client, manager: dict[str, str], factory: Factory, conn: asyncpg.Connection
) -> None:
    definition = factory.seed_definition(name="obc-test", tiers=["Gold", "Bronze"], script="nope")
    resp = await client.post("/api/campaigns", json=definition, headers=manager)
    assert resp.status == 422
    assert {
        "field": "tiers",
        "reason": "'Bronze' bukan tier (Diamond, Platinum, Gold, Silver)",
    } in (await resp.json())["error"]["details"]
    unknown_script = factory.seed_definition(name="obc-test", script="nope")
    english = {**manager, "X-Dialer-Language": "en"}  # as the pages send it
    resp = await client.post("/api/campaigns", json=unknown_script, headers=english)
    assert (
        resp.status == 404 and "no script named 'nope'" in (await resp.json())["error"]["message"]
    )
    assert await conn.fetchval("SELECT count(*) FROM campaigns") == 0


async def upload(
    client: Client,
    headers: dict[str, str],
    campaign: str,
    content: bytes,
    name: str = "list.csv",
    mapping: str | None = None,
) -> Any:
    form = FormData()
    if mapping is not None:
        form.add_field("mapping", mapping)
    form.add_field("file", content, filename=name, content_type="text/csv")
    return await client.post(f"/api/campaigns/{campaign}/targets", data=form, headers=headers)


async def test_upload_summary_rejected_csv_and_listing(
    client: Client, manager: dict[str, str], factory: Factory
) -> None:
    campaign = await factory.create_campaign(name="obc-up")
    path = factory.write_csv(
        [row(0), row(1, tier="Silver"), row(2, msisdn="12", bill_amount="x"), row(0)]
    )
    resp = await upload(client, manager, "obc-up", path.read_bytes())
    assert resp.status == 201
    summary = await resp.json()
    assert {k: summary[k] for k in ("accepted", "duplicates", "dnc", "out_of_tier")} == {
        "accepted": 1,
        "duplicates": 1,
        "dnc": 0,
        "out_of_tier": 1,
    }
    assert summary["rejected"] == [  # the reasons in the manager's language
        {
            "line": 4,
            "field": "msisdn",
            "reason": "bukan nomor ponsel Indonesia yang valid",
            "column": "msisdn",  # the file's own header of the field
        },
        {
            "line": 4,
            "field": "bill_amount",
            "reason": "bukan jumlah dalam rupiah (mis. 350000, 350.000 atau Rp 350.000)",
            "column": "bill_amount",
        },
    ]
    rejected = await client.get(summary["rejected_csv"], headers=manager)
    rows = list(csv.reader(io.StringIO(await rejected.text())))
    assert rows[0][:3] == ["line", "errors", "customer_id"]
    assert rows[1][0] == "4" and rows[1][2] == "C000002"
    # The reasons as the upload said them, in the manager's language (English if asked).
    assert rows[1][1] == (
        "msisdn: bukan nomor ponsel Indonesia yang valid; bill_amount: bukan jumlah dalam"
        " rupiah (mis. 350000, 350.000 atau Rp 350.000)"
    )
    english = await client.get(summary["rejected_csv"] + "?lang=en", headers=manager)
    rows = list(csv.reader(io.StringIO(await english.text())))
    assert rows[1][1].startswith("msisdn: is not a valid Indonesian mobile number")

    targets = await (await client.get("/api/campaigns/obc-up/targets", headers=manager)).json()
    assert [t["msisdn"] for t in targets["targets"]] == ["+6281200000000"]
    imports = await (
        await client.get(f"/api/campaigns/{campaign.id}/imports", headers=manager)
    ).json()
    assert imports["imports"][0]["uploaded_by"] == "mgr"


async def test_upload_with_a_mapping_field(
    client: Client, manager: dict[str, str], factory: Factory
) -> None:
    await factory.create_campaign(name="obc-map")
    header = list(HEADER)
    header[3] = "HP Utama"
    path = factory.write_csv([list(row(0).values())], header=header)
    resp = await upload(
        client, manager, "obc-map", path.read_bytes(), mapping='{"HP Utama": "msisdn"}'
    )
    assert resp.status == 201 and (await resp.json())["accepted"] == 1
    bad = await upload(client, manager, "obc-map", path.read_bytes(), mapping="[1]")
    assert bad.status == 400


async def test_a_broken_upload_changes_nothing(
    client: Client, manager: dict[str, str], factory: Factory, conn: asyncpg.Connection
) -> None:
    await factory.create_campaign(name="obc-broken")
    resp = await upload(client, manager, "obc-broken", b"name,msisdn\nBudi,0812\n")
    assert resp.status == 422
    assert {d["field"] for d in (await resp.json())["error"]["details"]} >= {
        "indihome_number",
        "tier",
    }
    fake_xlsx = await upload(client, manager, "obc-broken", b"PK\x03\x04garbage", name="list.xlsx")
    assert fake_xlsx.status == 422
    no_file = await client.post(
        "/api/campaigns/obc-broken/targets", data=FormData({"x": "1"}), headers=manager
    )
    assert no_file.status == 400
    assert await conn.fetchval("SELECT count(*) FROM target_imports") == 0


async def test_dnc_add_list_remove_and_import(
    client: Client, manager: dict[str, str], factory: Factory
) -> None:
    added = await client.post(
        "/api/dnc", json={"msisdn": "0812-0000-0009", "reason": "asked"}, headers=manager
    )
    assert added.status == 201 and (await added.json())["msisdn"] == "+6281200000009"
    again = await client.post("/api/dnc", json={"msisdn": "+6281200000009"}, headers=manager)
    assert again.status == 200 and (await again.json())["new"] is False
    bad = await client.post("/api/dnc", json={"msisdn": "021-555"}, headers=manager)
    assert bad.status == 422

    form = FormData()
    form.add_field(
        "file", b"msisdn,reason\n081200000001,a\nnonsense,b\n6281200000009,c\n", filename="dnc.csv"
    )
    summary = await (await client.post("/api/dnc/import", data=form, headers=manager)).json()
    assert (summary["added"], summary["already_listed"], summary["rejected"][0]["line"]) == (
        1,
        1,
        3,
    )

    listing = await (await client.get("/api/dnc", headers=manager)).json()
    assert listing["total"] == 2
    why = {"reason": "listed by mistake"}
    removed = await client.delete("/api/dnc/081200000001", json=why, headers=manager)
    assert removed.status == 200
    assert (await client.delete("/api/dnc/081200000001", json=why, headers=manager)).status == 404

    # The list scrubs every later upload.
    await factory.create_campaign(name="obc-dnc")
    path = factory.write_csv([row(9), row(1)])
    summary = await (await upload(client, manager, "obc-dnc", path.read_bytes())).json()
    assert (summary["dnc"], summary["accepted"]) == (1, 1)


async def test_managers_create_users(client: Client, manager: dict[str, str]) -> None:
    resp = await client.post(
        "/api/users",
        json={"username": "agent7", "role": "agent", "password": "long-enough"},
        headers=manager,
    )
    assert resp.status == 201
    dup = await client.post(
        "/api/users",
        json={"username": "agent7", "role": "agent", "password": "long-enough"},
        headers=manager,
    )
    assert dup.status == 409
    short = await client.post(
        "/api/users",
        json={"username": "agent8", "role": "agent", "password": "short"},
        headers=manager,
    )
    assert (
        short.status == 422 and (await short.json())["error"]["details"][0]["field"] == "password"
    )


async def test_an_upload_over_the_limit_or_cut_off_changes_nothing(
    client: Client,
    manager: dict[str, str],
    factory: Factory,
    conn: asyncpg.Connection,
    settings: Any,
) -> None:
    await factory.create_campaign(name="obc-limit")
    content = factory.write_csv([row(i) for i in range(200)]).read_bytes()
    settings.server.__dict__["max_upload_bytes"] = 1000  # the app holds this very object
    resp = await upload(client, manager, "obc-limit", content)
    assert resp.status == 413
    assert "tidak ada yang diimpor" in (await resp.json())["error"]["message"]
    settings.server.__dict__["max_upload_bytes"] = 10**9

    async def cut_off() -> Any:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="l.csv"\r\n\r\n'
        yield content[: len(content) // 2]
        raise ConnectionResetError("client went away")

    with pytest.raises(Exception):  # noqa: B017 - the client side fails; the server must not import
        await client.post(
            "/api/campaigns/obc-limit/targets",
            data=cut_off(),
            headers={**manager, "Content-Type": "multipart/form-data; boundary=b"},
        )
    assert await conn.fetchval("SELECT count(*) FROM target_imports") == 0
    assert await conn.fetchval("SELECT count(*) FROM targets") == 0


async def test_an_xlsx_upload_is_imported(
    client: Client, manager: dict[str, str], factory: Factory, tmp_path: Any
) -> None:
    import openpyxl

    await factory.create_campaign(name="obc-xlsx")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(HEADER))
    for i in range(3):
        sheet.append(list(row(i).values()))
    path = tmp_path / "daftar.xlsx"
    book.save(path)
    form = FormData()
    form.add_field("file", path.read_bytes(), filename="daftar.xlsx")
    resp = await client.post("/api/campaigns/obc-xlsx/targets", data=form, headers=manager)
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["accepted"] == 3
