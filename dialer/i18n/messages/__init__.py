"""The catalog: each English message template to its Indonesian, one module per room
(the room that raises it), merged here.

To add a message: write it in English where it is raised, run
``pytest tests/unit/test_translations.py``, and paste the template the failure names
(``{expressions}`` exactly as printed) into the room's module with its Indonesian,
using the same ``{placeholders}``.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

# Every room's module here, found by its file: a new room needs no list to join.
ROOMS = tuple(import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))
MESSAGES: dict[str, str] = {}
for _room in ROOMS:
    MESSAGES |= _room.MESSAGES
