"""The three dimensions of a promise (time, cost, service) and a value per dimension."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DIMENSIONS = ("time", "cost", "service")
#: +1 where a higher delivered value is better for the customer, −1 where lower is better.
DIRECTION = {"time": -1.0, "cost": -1.0, "service": 1.0}
SERVICE_SCALE = (1.0, 5.0)


@dataclass(frozen=True, kw_only=True)
class ByDimension:
    """One optional value per dimension: ``time`` (hours), ``cost`` (currency), ``service``
    (points on 1–5)."""

    time: Any = None
    cost: Any = None
    service: Any = None

    def items(self):
        """(dimension, value) pairs for the dimensions that are set."""
        return [(d, getattr(self, d)) for d in DIMENSIONS if getattr(self, d) is not None]
