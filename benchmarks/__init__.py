"""Performance benchmarks for promise-gap: ``python benchmarks/run.py`` (see ``run.py``).

Not part of the test suite (pytest collects tests/, sim/ and notebooks/ only): the figures
depend on the machine, and missed targets fail the benchmark script, never the unit tests.

Modules, one job each:

* :mod:`benchmarks.common` — timing, event counting, the stationary pizza variant;
* :mod:`benchmarks.skeleton` — the bare-SimPy skeleton with the model's event structure;
* :mod:`benchmarks.engine` — engine ratio: full model against the skeleton, alternately;
* :mod:`benchmarks.throughput` — events/s and customer-episodes/s per shipped scenario;
* :mod:`benchmarks.memory` — peak RSS per customer (fresh processes) and growth with horizon;
* :mod:`benchmarks.scaling` — wall time against horizon and against arrival rate;
* :mod:`benchmarks.sweeps` — one sweep with 1 and with 2 worker processes;
* :mod:`benchmarks.report` — tables, the TARGETS table, JSON output.
"""
