"""The catalog: each English message template to its Indonesian, one module per room
(the room that raises it), merged here.

To add a message: write it in English where it is raised, run
``pytest tests/unit/test_translations.py``, and paste the template the failure names
(``{expressions}`` exactly as printed) into the room's module with its Indonesian,
using the same ``{placeholders}``.
"""

from __future__ import annotations

from dialer.i18n.messages import (
    agents,
    auth,
    billing,
    calls,
    campaigns,
    cli,
    core,
    dnc,
    pages,
    providers,
    reports,
    rules,
    targets,
    vouchers,
)

ROOMS = (
    agents,
    auth,
    billing,
    calls,
    campaigns,
    cli,
    core,
    dnc,
    pages,
    providers,
    reports,
    rules,
    targets,
    vouchers,
)
MESSAGES: dict[str, str] = {}
for _room in ROOMS:
    MESSAGES |= _room.MESSAGES
