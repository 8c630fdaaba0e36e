"""The workshop page (Solara): levers on the left; on the right the KPI tiles against the
pinned baseline, "How robust is this?" (the setting against the baseline in every plausible
world), the gap map, why customers left, when promises break (for a scenario with a
calendar), the capacity queues and the snapshots.

Solara components also render inside a notebook (``Page()`` in a cell shows the same page),
which is why the app is built on it. :func:`sim.app.server.serve` serves this module; the
numbers come from :mod:`sim.app.workshop`, the handout from :mod:`sim.app.handout`.
"""

from __future__ import annotations

import functools
import html
import io
import json
import math
import os
import threading

import matplotlib.pyplot as plt
import solara

from sim import examples, plot
from sim.app import robust as robustness
from sim.app.handout import BREAKS_NOTE, handout
from sim.app.workshop import Answer, Tile, Workshop, comparison_table, when_promises_break
from sim.kpis import KPIS
from sim.scenario import Scenario
from sim.units import format_duration

#: The environment variable through which :func:`sim.app.server.serve` passes the options.
OPTIONS = "PROMISE_GAP_APP"

_CSS = """
.pg-tiles { display: grid; grid-template-columns: repeat(3, minmax(14em, 1fr)); gap: 0.8em; }
.tile { border: 1px solid #ccc; border-radius: 6px; padding: 0.6em 0.8em; background: #fff; }
.tile-label { font-size: 1.05em; color: #444; }
.tile-value { font-size: 1.9em; font-weight: 600; }
.tile-ci, .tile-change { font-size: 0.95em; color: #555; }
.tile-change.better { color: #0072B2; font-weight: 600; }
.tile-change.worse { color: #D55E00; font-weight: 600; }
.pg-table table { border-collapse: collapse; font-size: 0.95em; }
.pg-table th, .pg-table td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
.pg-table th:first-child, .pg-table td:first-child { text-align: left; }
.lever-label { font-size: 1.05em; margin-top: 0.6em; }
.lever-value { font-weight: 600; }
"""


@functools.cache
def workshop() -> Workshop:
    """The app's :class:`Workshop`, from the options :func:`sim.app.server.serve` set (the
    shipped pizza scenario when opened another way, e.g. in a notebook)."""
    options = json.loads(os.environ.get(OPTIONS, "{}"))
    source = options.pop("scenario", "pizza")
    scenario = Scenario.load(source) if source.endswith(".toml") else examples.load(source)
    shop = Workshop(scenario, **options)
    threading.Thread(target=shop.warm_up, daemon=True).start()
    return shop


settings = solara.reactive(None)  # lever path → value; None: the shipped settings
current = solara.reactive(None)  # the Answer shown
baseline = solara.reactive(None)  # the pinned Answer (the shipped scenario at first)
snapshots = solara.reactive({})  # name → Answer
charts = solara.reactive({})  # the current answer's charts, PNG, by name (see _charts)
problem = solara.reactive("")
robust_asked = solara.reactive(None)  # (settings, baseline settings) the facilitator asked about
robust = solara.reactive(None)  # the RobustAnswer so far


def _tile_html(tile: Tile, currency: str) -> str:
    spec = KPIS[tile.kpi]
    ci = (
        f"95% CI {spec.number(tile.low)} … {spec.number(tile.high)}"
        if not math.isnan(tile.low)
        else "95% CI after two replications"
    )
    if math.isnan(tile.change):
        change, tone = "no baseline pinned", ""
    else:
        change = f"Δ {spec.format(tile.change, currency, signed=True)} vs baseline"
        if not math.isnan(tile.change_low):
            change += (
                f" [{spec.number(tile.change_low, signed=True)}, "
                f"{spec.number(tile.change_high, signed=True)}]"
            )
        better = tile.better()
        tone = "" if better is None or not tile.significant else ("better" if better else "worse")
    return (
        f'<div class="tile" data-kpi="{tile.kpi}" title="{html.escape(spec.meaning)}">'
        f'<div class="tile-label">{html.escape(spec.label)}</div>'
        f'<div class="tile-value">{html.escape(spec.format(tile.value, currency))}</div>'
        f'<div class="tile-ci">{html.escape(ci)}</div>'
        f'<div class="tile-change {tone}">{html.escape(change)}</div></div>'
    )


def _table_html(frame, css_class: str) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in ["", *frame.columns])
    body = "".join(
        f"<tr><td>{html.escape(str(i))}</td>"
        + "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
        + "</tr>"
        for i, row in zip(frame.index, frame.to_numpy(), strict=True)
    )
    return f'<div class="pg-table {css_class}"><table><tr>{head}</tr>{body}</table></div>'


def _capacity_html(answer: Answer) -> str:
    rows = []
    for row in answer.resources.itertuples():
        wait = "—" if math.isnan(row.mean_wait) else format_duration(row.mean_wait)
        flag = "queue keeps growing" if row.overloaded >= 0.5 else "keeps up"
        rows.append(
            f"<tr><td>{html.escape(row.resource)}</td><td>{row.capacity}</td>"
            f"<td>{row.utilisation:.0%}</td><td>{html.escape(wait)}</td>"
            f"<td>{row.queue_at_end:,.1f}</td><td>{flag}</td></tr>"
        )
    head = (
        "<tr><th>resource</th><th>working at once</th><th>busy</th><th>mean wait</th>"
        "<th>queue at the end</th><th>verdict</th></tr>"
    )
    return f'<div class="pg-table capacity"><table>{head}{"".join(rows)}</table></div>'


@solara.component
def Lever(lever, value, on_value):
    """One lever: its name and setting in words above a slider that cannot snap it."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<span class="lever-label">{html.escape(lever.label)}: '
        f'<span class="lever-value">{html.escape(lever.text(value))}</span></span>',
        attributes={"title": lever.help},
    )
    if lever.whole:
        solara.SliderInt(
            "",
            value=int(value),
            min=int(lever.low),
            max=int(lever.high),
            step=int(lever.step),
            on_value=on_value,
        )
    else:
        solara.SliderFloat(
            "",
            value=float(value),
            min=lever.low,
            max=lever.high,
            step=lever.step,
            on_value=on_value,
        )


@solara.component
def Page():
    """The workshop page."""
    shop = workshop()
    values = settings.value or shop.shipped
    currency = shop.scenario.economics.currency
    key = json.dumps(values, sort_keys=True)

    def simulate(cancel: threading.Event):
        try:
            problem.set("")
            if baseline.value is None and values != shop.shipped:
                baseline.set(next(shop.stream(shop.shipped)))  # one replication: fast
            for answer in shop.stream(values, cancel):
                if cancel.is_set():  # a lever moved on while this batch ran
                    return
                current.set(answer)  # the tiles first, then the charts drawn from it
                charts.set(_charts(answer))
                pinned = baseline.value
                if pinned is None or (pinned.settings == values and pinned.done < answer.done):
                    baseline.set(answer)  # the shipped scenario, until another is pinned
            pinned = baseline.value
            if not cancel.is_set() and pinned.done < shop.reps:  # finish it (mostly stored)
                baseline.set(shop.answer(pinned.settings))
        except Exception as error:  # shown in words, never as a traceback
            problem.set(f"The simulation failed: {type(error).__name__}: {error}")

    solara.use_thread(
        simulate, dependencies=[key], intrusive_cancel=False
    )  # no tracing: full speed
    answer = current.value
    solara.Style(_CSS)
    solara.Title(f"{shop.scenario.name} · promise-gap workshop")
    with solara.Column(style={"padding": "0.5em 1.5em", "font-size": "16px"}):
        solara.HTML(tag="h2", unsafe_innerHTML=html.escape(shop.scenario.description))
        with solara.Columns([1, 3]):
            with solara.Column():
                for lever in shop.levers:
                    Lever(
                        lever,
                        values[lever.path],
                        lambda v, path=lever.path: settings.set({**values, path: v}),
                    )
                solara.HTML(
                    tag="p",
                    unsafe_innerHTML=f"Each setting: {shop.reps} runs of "
                    f"{format_duration(shop.hours)}, the same customers in each (seed "
                    f"{shop.seed}).",
                )
                solara.Button("Reset to the shipped scenario", on_click=_reset, outlined=True)
            with solara.Column():
                if problem.value:
                    solara.Error(problem.value)
                if answer is None:
                    solara.ProgressLinear(True)
                    solara.Text("Simulating the first run …")
                else:
                    _Results(shop, answer, currency, answer.settings != values)


def _reset():
    settings.set(None)


@solara.component
def _Results(shop: Workshop, answer: Answer, currency: str, stale: bool):
    values = answer.settings
    done = answer.done
    if stale:  # a lever moved: the numbers below are the previous setting's, for a moment
        solara.ProgressLinear(True)
        status = "simulating the new setting …"
    else:
        if done < answer.reps:
            solara.ProgressLinear(100 * done / answer.reps)
        status = f"replications {done} of {answer.reps}" + (
            " — intervals tighten as more come in" if done < answer.reps else " — all in"
        )
    solara.HTML(tag="div", unsafe_innerHTML=status, attributes={"class": "progress-text"})
    tiles = shop.tiles(answer, baseline.value)
    solara.HTML(
        tag="div",
        unsafe_innerHTML="".join(_tile_html(t, currency) for t in tiles),
        classes=["pg-tiles"],
    )
    with solara.Row():
        solara.Button("Pin as baseline", on_click=lambda: baseline.set(answer), color="primary")
        solara.Button(
            "Save snapshot",
            on_click=lambda: snapshots.set(
                {**snapshots.value, f"snapshot {len(snapshots.value) + 1}": answer}
            ),
        )
        solara.FileDownload(
            lambda: _handout(shop, answer).encode(),
            filename=f"{shop.scenario.name}-handout.html",
            label="Export handout",
        )
        pinned = baseline.value
        if pinned is not None and shop.overrides(pinned.settings) != shop.overrides(values):
            solara.Button(
                "How robust is this?",
                on_click=lambda: robust_asked.set((dict(values), dict(pinned.settings))),
                outlined=True,
            )
    _Robust(shop, values)
    if snapshots.value:
        solara.HTML(tag="h3", unsafe_innerHTML="Snapshots")
        table = comparison_table(shop, _named(answer), "baseline")
        solara.HTML(tag="div", unsafe_innerHTML=_table_html(table, "snapshots"))
    images = charts.value  # drawn once per answer, in the simulation's thread
    for name in ("gap", "left"):
        if name in images:
            solara.Image(images[name])
    if "breaks" in images:  # only a scenario with a calendar has hours that differ
        solara.HTML(tag="h3", unsafe_innerHTML="When promises break")
        solara.HTML(tag="p", unsafe_innerHTML=BREAKS_NOTE)
        solara.Image(images["breaks"])
    solara.HTML(tag="h3", unsafe_innerHTML="Capacity and queues")
    solara.HTML(tag="div", unsafe_innerHTML=_capacity_html(answer))


@solara.component
def _Robust(shop: Workshop, values: dict[str, float]):
    """The robustness study the facilitator asked for, streamed as its worlds double; shown
    while the setting and the baseline are the ones it compares."""
    asked = robust_asked.value

    def study(cancel: threading.Event):
        if asked is None:
            return
        try:
            robust.set(None)
            for found in robustness.study(shop, *asked, cancel=cancel):
                if cancel.is_set():
                    return
                robust.set(found)
        except Exception as error:  # shown in words, never as a traceback
            robust_asked.set(None)
            problem.set(f"How robust is this? failed: {type(error).__name__}: {error}")

    solara.use_thread(study, dependencies=[json.dumps(asked, sort_keys=True)])
    found = _robust_for(values)
    if asked is None or (asked[0], asked[1]) != _compared(values):
        return
    solara.HTML(tag="h3", unsafe_innerHTML="How robust is this?")
    if found is None or not found.done:
        worlds = 0 if found is None else found.worlds
        solara.ProgressLinear(100 * worlds / robustness.WORLDS)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"plausible worlds {worlds} of {robustness.WORLDS} …",
            attributes={"class": "robust-progress"},
        )
    if found is not None:
        solara.HTML(
            tag="p", unsafe_innerHTML=html.escape(found.sentence()), classes=["robust-sentence"]
        )
        solara.HTML(tag="div", unsafe_innerHTML=_table_html(found.shares(), "robust"))
        solara.HTML(tag="p", unsafe_innerHTML=html.escape(f"This study: {found.design()}"))


def _compared(values: dict[str, float]) -> tuple[dict[str, float], dict[str, float] | None]:
    """The setting shown and the pinned baseline's settings."""
    pinned = baseline.value
    return values, None if pinned is None else pinned.settings


def _robust_for(values: dict[str, float]):
    """The robustness study of this setting against the pinned baseline, if one is in."""
    found = robust.value
    if found is None or (found.settings, found.baseline) != _compared(values):
        return None
    return found


def _charts(answer: Answer) -> dict[str, bytes]:
    """The charts of an answer as PNG: the gap map ("gap"), why they left ("left") and, for
    a scenario with a calendar, when promises break ("breaks")."""
    figures = {"gap": plot.gap_map(answer), "left": plot.why_they_left(answer)}
    breaks = when_promises_break(answer)
    if breaks is not None:
        figures["breaks"] = breaks
    images = {}
    for name, figure in figures.items():
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        plt.close(figure)
        images[name] = buffer.getvalue()
    return images


def _named(answer: Answer) -> dict[str, Answer]:
    """Now, the baseline and the snapshots, by name."""
    named = {"now": answer}
    if baseline.value is not None:
        named["baseline"] = baseline.value
    return {**named, **snapshots.value}


def _handout(shop: Workshop, answer: Answer) -> str:
    named = _named(answer)
    found = _robust_for(answer.settings)
    done = found if found is not None and found.done else None  # a finished study only
    return handout(shop, named, "baseline" if "baseline" in named else None, "now", done)
