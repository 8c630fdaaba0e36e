"""Capacity-limited stages: a ``simpy.Resource`` a journey can take and give back with
fewer SimPy events, and exactly the same queue.

SimPy's ``with resource.request() as req: yield req`` schedules two events per service that
change nothing when the queue is empty: the request's grant, when a server is free (the
process is resumed at the same instant), and the release, which hands the server to the
next in the queue (there is none). :meth:`Servers.take` and :meth:`Servers.give_back` skip
exactly those two and do everything else as SimPy does — a customer who must wait still
yields a ``Request``, and a server freed while others wait is released through SimPy's
``Release`` event — so who is served when, and every result, stays the same.

>>> import simpy
>>> env = simpy.Environment()
>>> desk = Servers(env, capacity=1)
>>> first = desk.take()  # a free server: held at once, no event
>>> second = desk.take()  # busy: a request to wait for
>>> first is None, second.triggered, desk.count, len(desk.queue)
(True, False, 1, 1)
>>> desk.give_back(first)  # the waiting request gets the server
>>> env.run()
>>> second.triggered, desk.count
(True, 1)
"""

from __future__ import annotations

import simpy

#: What stands in the users list for a server taken at once (no ``Request`` was made).
HELD = object()


class Servers(simpy.Resource):
    """A ``simpy.Resource`` with :meth:`take` and :meth:`give_back` (see the module)."""

    def take(self, priority: int | None = None) -> simpy.resources.resource.Request | None:
        """A server for the caller: None when one is free and nobody waits (held from now);
        otherwise the request to ``yield`` until a server is handed over (``priority``:
        lower goes first, on a :class:`PriorityServers`)."""
        if not self.put_queue and len(self.users) < self.capacity:
            self.users.append(HELD)
            return None
        return self.request() if priority is None else self.request(priority=priority)

    def give_back(self, request: simpy.resources.resource.Request | None) -> None:
        """Free the server held through ``request`` (None: taken at once by :meth:`take`)."""
        held = HELD if request is None else request
        if self.put_queue:  # others wait: SimPy's release event hands the server over
            self.release(held)
        else:
            self.users.remove(held)


class PriorityServers(Servers, simpy.PriorityResource):
    """:class:`Servers` whose queue is ordered by priority (an expedited lane)."""
