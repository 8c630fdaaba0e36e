"""The workshop app: ``python -m sim app [SCENARIO]`` serves a page a facilitator puts on the
projector — levers in business words, KPI tiles with paired 95% CIs against a pinned
baseline, the gap map, why customers left, the capacity queues, snapshots, and a handout to
print. Built on Solara (:mod:`sim.app.page`); what it computes lives in
:mod:`sim.app.workshop` and :mod:`sim.app.handout`, testable without a browser.
"""
