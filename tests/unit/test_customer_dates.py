"""Every date a customer hears or reads is the campaign's date as written: the seed
voucher is valid until "30 September 2022" (2022-09-30T23:59:59+07:00, end of day WIB)
for a customer in WIB, WITA or WIT alike, though for WITA and WIT that instant is
already 1 October. Enforcement stays at the instant (the pop hides the offer then)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from dialer.agents.screen_pop import render
from dialer.rules.zones import zone_info
from dialer.vouchers.outbox import draft
from tests.unit.test_screen_pop import EXPIRY, SEED, facts, step

WHATSAPP = SEED.whatsapp.model_dump(mode="json")


def late_on_the_last_day(zone: str) -> datetime:
    """22:00 local on 30 September 2022."""
    return datetime(2022, 9, 30, 22, 0, tzinfo=zone_info(zone))


@pytest.mark.parametrize("zone", ["WIB", "WITA", "WIT"])
def test_the_script_and_the_whatsapp_message_state_the_campaigns_date(zone: str) -> None:
    now = late_on_the_last_day(zone)
    pop = render(facts(now, zone=zone))
    notes = "\n".join(step(pop, "voucher_offer")["notes"])
    assert "Masa berlaku kode voucher 30 September 2022" in notes
    assert "Oktober" not in notes
    customer: dict[str, Any] = {"name": "Budi", "bill_amount": 350_000, "zone": zone}
    message = draft(WHATSAPP, customer, SEED.voucher.expires)
    assert message["variables"]["3"] == "30 September 2022"


def test_the_offer_still_ends_at_the_instant() -> None:
    # 22:00 WIT is 20:00 WIB: still offered; from the instant on, no longer, in any zone.
    assert render(facts(late_on_the_last_day("WIT"), zone="WIT"))["voucher"]["available"]
    after = EXPIRY + timedelta(seconds=1)
    for zone in ("WIB", "WITA", "WIT"):
        pop = render(facts(after, zone=zone))
        assert not pop["voucher"]["available"] and not step(pop, "voucher_offer")["shown"]
