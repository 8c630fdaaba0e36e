"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest

from sim import examples
from sim.scenario import Scenario


@pytest.fixture(scope="session")
def pizza() -> Scenario:
    """The shipped pizza scenario (scenarios are immutable, so one serves every test)."""
    return examples.load("pizza")
