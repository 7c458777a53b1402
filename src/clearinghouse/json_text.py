"""How a value is written in a JSON column: one function, so bulk writers store what the ORM does.

Its own module, free of the database layer, so that a parsing worker can serialize without
importing SQLAlchemy and Alembic.
"""

from __future__ import annotations

from typing import Any

import orjson


def json_text(value: Any) -> str:
    """orjson: several times faster than json on the large advisory documents we store."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
