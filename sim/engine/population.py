"""The model's population: every acquired customer, live ones as objects, churned ones as
compact rows.

>>> from sim import examples
>>> from sim.engine.customer import Newcomers
>>> from sim.engine.draws import ProspectDraws
>>> newcomers, book = Newcomers(examples.load("pizza")), CustomerBook()
>>> draws = ProspectDraws(key=7)
>>> alice = newcomers.customer(book.count, draws, "paid", 0.0, [0.5], newcomers.traits(draws))
>>> book.open(alice)
>>> alice.leave(now=48.0)
>>> book.close(alice)
>>> book.columns()["churned_at"].tolist(), book.count
([48.0], 1)
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine.customer import Customer


class CustomerBook:
    """Every acquired customer: live ones as objects, churned ones as compact rows.

    A churned customer's state is copied into typed arrays (about 100 bytes a row) and the
    object is let go, so memory grows with the customers still active plus a small row per
    customer who left, not with whole objects for everyone ever acquired.
    """

    FLOATS = (
        "acquired_at",
        "churned_at",
        "attitude",
        "trust",
        "cumulative",
        "last_satisfaction",
        "revenue",
        "discounted_margin",
        "baseline_churn",
        "sensitivity",
    )
    INTEGERS = ("id", "episodes", "complaints", "paid", "segment")

    def __init__(self) -> None:
        self.count = 0  # customers ever acquired; the next id
        self.active: dict[int, Customer] = {}
        self.closed = {name: array("d") for name in self.FLOATS}
        self.closed.update({name: array("q") for name in self.INTEGERS})

    def open(self, customer: Customer) -> None:
        self.active[customer.id] = customer
        self.count += 1

    def close(self, customer: Customer) -> None:
        """Keep the churned customer's final state as a row; forget the object."""
        for name, values in _row(customer).items():
            self.closed[name].append(values)
        del self.active[customer.id]

    def columns(self) -> dict[str, np.ndarray]:
        """All customers, in id order, as arrays named like :attr:`FLOATS` and :attr:`INTEGERS`."""
        live = [_row(c) for c in self.active.values()]
        columns = {
            name: np.concatenate([np.asarray(values), [row[name] for row in live]])
            for name, values in self.closed.items()
        }
        order = np.argsort(columns["id"], kind="stable")
        return {name: values[order] for name, values in columns.items()}


def _row(c: Customer) -> dict[str, float | int]:
    return {
        "acquired_at": c.acquired_at,
        "churned_at": c.churned_at,
        "attitude": c.attitude,
        "trust": c.trust,
        "cumulative": c.cumulative,
        "last_satisfaction": c.last_satisfaction,
        "revenue": c.revenue,
        "discounted_margin": c.discounted_margin,
        "baseline_churn": c.baseline_churn,
        "id": c.id,
        "episodes": c.episodes,
        "complaints": c.complaints,
        "paid": c.source == "paid",
        "sensitivity": c.sensitivity,
        "segment": c.segment,
    }
