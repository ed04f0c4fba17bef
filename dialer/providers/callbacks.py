"""How the simulators call the service back: as Twilio does."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)


async def post_callback(
    session: aiohttp.ClientSession,
    validator: RequestValidator,
    url: str,
    params: dict[str, str],
    **context: str,
) -> None:
    """POST a callback signed as Twilio signs it, form-encoded, retrying a refused
    connection, a timeout or a 5xx a few times with back-off, as Twilio does; a 4xx is
    the service's answer, logged. For the simulated carrier and WhatsApp alike."""
    headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
    for attempt in range(4):
        try:
            async with session.post(url, data=params, headers=headers) as response:
                await response.read()
                if response.status < 500:
                    if response.status >= 400:
                        log.warning(
                            "simulated callback refused",
                            extra={"status": response.status, "url": url} | context,
                        )
                    return
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning(
                "simulated callback failed",
                extra={"error": str(exc), "url": url, "try": attempt + 1} | context,
            )
        await asyncio.sleep(0.2 * 2**attempt)
