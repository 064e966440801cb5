"""The demo's generated ids (its commissions come from the engine, tested in tests/conversions)."""
from __future__ import annotations

import random
from datetime import UTC, datetime

from portal.demo.traffic import uuid7_at


def test_uuid7_carries_the_click_time_and_sorts_by_it():
    rng = random.Random(1)
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    a, b = uuid7_at(late, rng), uuid7_at(early, rng)
    assert a.version == 7 and b.version == 7
    assert b < a
    assert int(a.int >> 80) == int(late.timestamp() * 1000)
