"""Rate limits and quotas in fixed windows, counted in the database so every process agrees.

A limit is written like "600/minute"; several are joined with ";" ("600/minute;20000/day": the
second is a daily quota). A request over any limit gets 429 with Retry-After.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from clearinghouse import db
from clearinghouse.identity.models import RateCounter

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")


@dataclass(frozen=True)
class Limit:
    count: int
    period: int  # seconds

    def __str__(self) -> str:
        name = next(k for k, v in PERIODS.items() if v == self.period)
        return f"{self.count}/{name}"


def parse_limits(text: str) -> tuple[Limit, ...]:
    """Parse "600/minute;20000/day"; an empty string means no limit."""
    limits = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = _LIMIT.match(part)
        if not match:
            raise ValueError(
                f"{part!r} is not a limit like 600/minute (periods: {', '.join(PERIODS)})"
            )
        count = int(match.group(1))
        if count < 1:
            raise ValueError(f"{part!r}: the count must be at least 1")
        limits.append(Limit(count, PERIODS[match.group(2)]))
    return tuple(limits)


@dataclass(frozen=True)
class Exceeded:
    key: str
    limit: Limit
    retry_after: int  # seconds until the window ends


def _increment(session: Session, key: str, window_start: int) -> int:
    upsert = db.upsert(
        session, RateCounter, ("key", "window_start"), {"count": RateCounter.count + 1}
    )
    counted = upsert.values(key=key, window_start=window_start, count=1)
    return int(session.execute(counted.returning(RateCounter.count)).scalar_one())


def hit(
    session: Session, key: str, limits: tuple[Limit, ...], now: float | None = None
) -> Exceeded | None:
    """Count one request against every limit of `key`; say which limit it exceeds, if any.

    Runs in the caller's transaction; commit it for the count to stick.
    """
    now = time.time() if now is None else now
    worst: Exceeded | None = None
    for limit in limits:
        window_start = int(now // limit.period * limit.period)
        window_key = f"{key}@{limit.period}"
        count = _increment(session, window_key, window_start)
        if count == 1:
            # First hit of a new window: the previous windows of this key are history.
            session.execute(
                delete(RateCounter).where(
                    RateCounter.key == window_key, RateCounter.window_start < window_start
                )
            )
        if count > limit.count:
            retry_after = max(1, int(window_start + limit.period - now + 0.999))
            if worst is None or retry_after > worst.retry_after:
                worst = Exceeded(key, limit, retry_after)
    return worst
