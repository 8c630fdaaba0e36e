"""Scenarios: a typed, immutable description of a business, its journey and its market.

A scenario is written in TOML (see ``sim/examples/*.toml``) or built from a dict. Loading
validates everything at once and reports *every* problem with its field path, the bad value
and what is allowed::

    touchpoints[2].stages[0].resource: 'drivr' — not a resource; did you mean 'driver'?

Numbers that are durations are read in the scenario's ``time_unit`` (default hours); strings
with units ("45 min", "3 d") are always accepted. Inside the engine every time is in hours.

>>> from sim import examples
>>> pizza = examples.load("pizza")
>>> pizza.touchpoint("delivery").promise.time  # doctest: +ELLIPSIS
FixedPromise(value=0.5)
>>> slower = pizza.replace({"touchpoints.delivery.promise.time": "60 min"})
>>> slower.touchpoint("delivery").promise.time.value
1.0
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import tomli_w

from sim import distributions as dist
from sim.policies import PROMISE_POLICIES, FixedPromise
from sim.units import DurationError, parse_duration

DIMENSIONS = ("time", "cost", "service")
#: +1 where a higher delivered value is better for the customer, −1 where lower is better.
DIRECTION = {"time": -1.0, "cost": -1.0, "service": 1.0}
SERVICE_SCALE = (1.0, 5.0)
#: Limits that keep each random draw's address unique (see sim.rng.SLOTS and sim.model).
MAX_TOUCHPOINTS = 256
MAX_STAGES = 12


class ScenarioError(ValueError):
    """A scenario that cannot be run. ``problems`` lists one line per bad field."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s){where}:\n{lines}")

    def __reduce__(self):
        # rebuilt from its own arguments, so an error raised in a worker process arrives
        # whole (by default pickle would pass the message text as ``problems``)
        return (type(self), (self.problems, self.source))


# --------------------------------------------------------------------------- field specs
class _Context:
    """Collects problems while a scenario is parsed, so all are reported together."""

    def __init__(self, time_unit: str) -> None:
        self.time_unit = time_unit
        self.problems: list[str] = []

    def fail(self, path: str, value: Any, allowed: str) -> None:
        self.problems.append(f"{path}: {_show(value)} — {allowed}")


class _Missing:
    def __repr__(self) -> str:
        return "missing"


MISSING_VALUE = _Missing()


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Spec:
    """How one field is read from TOML. ``parse`` returns the value or None after failing."""

    allowed = ""

    def parse(self, value: Any, path: str, ctx: _Context) -> Any:  # pragma: no cover
        raise NotImplementedError

    def child(self, key: str, path: str):
        """The spec one level down a dotted override path (None: leaf with free keys)."""
        return None


class _Number(_Spec):
    def __init__(self, low=-math.inf, high=math.inf, *, open_low=False, integer=False) -> None:
        self.low, self.high, self.open_low, self.integer = low, high, open_low, integer
        kind = "an integer" if integer else "a number"
        if open_low and high == math.inf:
            self.allowed = f"must be {'a positive integer' if integer else 'a positive number'}"
            if low != 0:
                self.allowed = f"must be {kind} above {low:g}"
        elif low == -math.inf and high == math.inf:
            self.allowed = f"must be {kind}"
        elif high == math.inf:
            self.allowed = f"must be {kind} ≥ {low:g}"
        elif open_low:
            self.allowed = f"must be {kind} above {low:g} and at most {high:g}"
        else:
            self.allowed = f"must be {kind} between {low:g} and {high:g}"

    def _convert(self, value: Any, ctx: _Context) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError
        return float(value)

    def parse(self, value, path, ctx):
        try:
            number = self._convert(value, ctx)
        except DurationError as error:
            ctx.fail(path, value, f"{error.reason} ({self.allowed.removeprefix('must be ')})")
            return None
        except ValueError:
            ctx.fail(path, value, self.allowed)
            return None
        if self.integer and (not isinstance(value, int) or isinstance(value, bool)):
            ctx.fail(path, value, self.allowed)
            return None
        too_low = number <= self.low if self.open_low else number < self.low
        if not math.isfinite(number) or too_low or number > self.high:
            ctx.fail(path, value, self.allowed)
            return None
        return int(value) if self.integer else number


class _Duration(_Number):
    """A duration: number in the scenario's time unit, or a string with a unit."""

    def __init__(self, *, positive: bool = False) -> None:
        super().__init__(0.0, open_low=positive)
        self.allowed = (
            "must be a positive duration" if positive else "must be a duration ≥ 0"
        ) + " (a number or a string like '45 min')"

    def _convert(self, value, ctx):
        return parse_duration(value, ctx.time_unit)


class _Text(_Spec):
    def __init__(self, choices: tuple[str, ...] = ()) -> None:
        self.choices = choices
        self.allowed = f"must be one of {', '.join(choices)}" if choices else "must be text"

    def parse(self, value, path, ctx):
        if not isinstance(value, str) or (self.choices and value not in self.choices):
            hint = _suggest(value, self.choices) if isinstance(value, str) else ""
            ctx.fail(path, value, self.allowed + hint)
            return None
        return value


class _Bool(_Spec):
    allowed = "must be true or false"

    def parse(self, value, path, ctx):
        if not isinstance(value, bool):
            ctx.fail(path, value, self.allowed)
            return None
        return value


class _Table(_Spec):
    """A nested dataclass, read from a TOML table."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.allowed = "must be a table"

    def parse(self, value, path, ctx):
        return _parse_dataclass(self.cls, value, path, ctx)

    def child(self, key, path):
        specs = _field_specs(self.cls)
        if key not in specs:
            raise ScenarioError([f"{path}: unknown field {key!r}{_suggest(key, list(specs))}"])
        return specs[key]


class _Named(_Spec):
    """A list of named tables (touchpoints, resources), addressable by name or index."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.item = _Table(cls)
        self.allowed = "must be a list of tables ([[...]] in TOML)"

    def parse(self, value, path, ctx):
        if not isinstance(value, list):
            ctx.fail(path, value, self.allowed)
            return ()
        items = []
        for index, raw in enumerate(value):
            item = self.item.parse(raw, f"{path}[{index}]", ctx)
            if item is not None:
                items.append(item)
        names = [getattr(item, "name", None) for item in items]
        for name in sorted({n for n in names if n is not None and names.count(n) > 1}):
            ctx.fail(path, name, "names must be unique")
        return tuple(items)

    def child(self, key, path):
        return self.item


class _Distribution(_Spec):
    """A delivered-value distribution: a number (constant) or ``{dist = "...", ...}``."""

    KINDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "constant": ("value",),
        "exponential": ("mean",),
        "uniform": ("low", "high"),
        "triangular": ("low", "mode", "high"),
        "normal": ("mean", "sd"),
        "lognormal": ("mean", "cv"),
        "gamma": ("mean", "cv"),
    }
    OPTIONAL: ClassVar[dict[str, tuple[str, ...]]] = {"normal": ("low", "high")}

    def __init__(self, dimension: str) -> None:
        self.dimension = dimension
        self.allowed = (
            'must be a number or a table like {dist = "lognormal", mean = ..., cv = ...}; '
            f"dist is one of {', '.join(self.KINDS)}"
        )

    def _level(self, value, path, ctx, *, positive=False):
        if self.dimension == "time":
            return _Duration(positive=positive).parse(value, path, ctx)
        low = SERVICE_SCALE[0] if self.dimension == "service" else 0.0
        high = SERVICE_SCALE[1] if self.dimension == "service" else math.inf
        return _Number(low, high, open_low=positive and low == 0).parse(value, path, ctx)

    def parse(self, value, path, ctx):
        if not isinstance(value, Mapping):
            level = self._level(value, path, ctx)
            return None if level is None else dist.Constant(level)
        kind = value.get("dist", MISSING_VALUE)
        if not isinstance(kind, str) or kind not in self.KINDS:
            ctx.fail(
                f"{path}.dist",
                kind,
                f"must be one of {', '.join(self.KINDS)}"
                + (_suggest(kind, list(self.KINDS)) if isinstance(kind, str) else ""),
            )
            return None
        required, optional = self.KINDS[kind], self.OPTIONAL.get(kind, ())
        for key in value:
            if key != "dist" and key not in required + optional:
                ctx.fail(
                    f"{path}.{key}",
                    value[key],
                    f"not a parameter of {kind}; use {', '.join(required + optional)}"
                    + _suggest(key, list(required + optional)),
                )
        missing = [k for k in required if k not in value]
        for key in missing:
            ctx.fail(f"{path}.{key}", MISSING_VALUE, f"{kind} needs {', '.join(required)}")
        if missing:
            return None
        read = {}
        for key in required + optional:
            if key not in value:
                continue
            sub = f"{path}.{key}"
            if key == "cv":
                read[key] = _Number(0.0, open_low=True).parse(value[key], sub, ctx)
            elif key == "sd":
                spread = _Duration() if self.dimension == "time" else _Number(0.0)
                read[key] = spread.parse(value[key], sub, ctx)
            else:
                read[key] = self._level(
                    value[key],
                    sub,
                    ctx,
                    positive=key == "mean" and kind in ("exponential", "lognormal", "gamma"),
                )
        if any(v is None for v in read.values()):
            return None
        return self._build(kind, read, value, path, ctx)

    def _build(self, kind, p, raw, path, ctx):
        """Build the distribution from converted parameters ``p``; messages quote ``raw``."""
        if kind == "constant":
            return dist.Constant(p["value"])
        if kind == "exponential":
            return dist.Exponential(p["mean"])
        if kind == "lognormal":
            return dist.LogNormal(p["mean"], p["cv"])
        if kind == "gamma":
            return dist.Gamma(p["mean"], p["cv"])
        if kind == "uniform":
            if p["high"] < p["low"]:
                ctx.fail(f"{path}.high", raw["high"], f"must be ≥ low ({raw['low']!r})")
                return None
            return dist.Uniform(p["low"], p["high"])
        if kind == "triangular":
            if not p["low"] <= p["mode"] <= p["high"]:
                ctx.fail(
                    f"{path}.mode",
                    raw["mode"],
                    f"must lie between low ({raw['low']!r}) and high ({raw['high']!r})",
                )
                return None
            return dist.Triangular(p["low"], p["mode"], p["high"])
        # normal: truncated to the dimension's natural range unless told otherwise
        low = p.get("low", 0.0 if self.dimension != "service" else SERVICE_SCALE[0])
        high = p.get("high", math.inf if self.dimension != "service" else SERVICE_SCALE[1])
        if high <= low:
            ctx.fail(f"{path}.high", raw.get("high", high), "must be above low")
            return None
        return dist.Normal(p["mean"], p["sd"], low, high)


class _Promise(_Spec):
    """A promise: a level (fixed) or ``{policy = "quantile" | "buffer" | "fixed", ...}``."""

    def __init__(self, dimension: str) -> None:
        self.dimension = dimension
        self.level = _Distribution(dimension)
        self.allowed = (
            'must be a level (fixed promise) or a table like {policy = "quantile", q = 0.9}; '
            f"policy is one of {', '.join(PROMISE_POLICIES)}"
        )

    def parse(self, value, path, ctx):
        if not isinstance(value, Mapping):
            level = self.level._level(value, path, ctx)
            return None if level is None else FixedPromise(level)
        name = value.get("policy", MISSING_VALUE)
        if not isinstance(name, str) or name not in PROMISE_POLICIES:
            hint = _suggest(name, list(PROMISE_POLICIES))
            ctx.fail(f"{path}.policy", name, f"must be one of {', '.join(PROMISE_POLICIES)}{hint}")
            return None
        difference = _Duration() if self.dimension == "time" else _Number(0.0)
        specs: dict[str, _Spec] = {
            "fixed": {"value": _LevelOf(self.level)},
            "quantile": {"q": _Probability(strict=True)},
            "buffer": {"add": difference, "percent": _Number(0.0)},
            "dynamic": {"q": _Probability(strict=True)},
            "match": {"offset": _Duration() if self.dimension == "time" else _Number()},
        }[name]
        if name == "dynamic" and self.dimension != "time":
            ctx.fail(f"{path}.policy", name, "a dynamic quote reads queues: time only")
            return None
        read = {}
        for key, raw in value.items():
            if key == "policy":
                continue
            if key not in specs:
                ctx.fail(
                    f"{path}.{key}",
                    raw,
                    f"not a parameter of {name}; use {', '.join(specs)}{_suggest(key, list(specs))}",
                )
                continue
            read[key] = specs[key].parse(raw, f"{path}.{key}", ctx)
        needed = {"fixed": "value", "quantile": "q"}.get(name)
        if needed and needed not in value:
            ctx.fail(f"{path}.{needed}", MISSING_VALUE, f"{name} needs {needed}")
            return None
        if any(v is None for v in read.values()):
            return None
        return PROMISE_POLICIES[name](**read)


class _LevelOf(_Spec):
    """A level on a dimension's scale (hours, currency, 1–5 points), via its distribution spec."""

    def __init__(self, distribution: _Distribution) -> None:
        self.distribution = distribution
        self.allowed = "must be a level on the dimension's scale"

    def parse(self, value, path, ctx):
        return self.distribution._level(value, path, ctx)


class _Probability(_Number):
    """A probability; ``strict`` excludes 0 and 1 (a quantile promise kept with certainty
    would be infinite)."""

    def __init__(self, *, strict: bool = False) -> None:
        super().__init__(0.0, 1.0)
        self.strict = strict
        if strict:
            self.allowed = "must be a probability strictly between 0 and 1"

    def parse(self, value, path, ctx):
        number = super().parse(value, path, ctx)
        if number is not None and self.strict and number in (0.0, 1.0):
            ctx.fail(path, value, self.allowed)
            return None
        return number


class _Dimensions(_Spec):
    """One value per dimension (``{time = ..., cost = ..., service = ...}``)."""

    def __init__(self, make_spec, dimensions=DIMENSIONS) -> None:
        self.make_spec = make_spec
        self.dimensions = dimensions
        self.allowed = f"must be a table with keys among {', '.join(dimensions)}"

    def parse(self, value, path, ctx):
        if not isinstance(value, Mapping):
            ctx.fail(path, value, self.allowed)
            return None
        read = {}
        for key, raw in value.items():
            if key not in self.dimensions:
                hint = " (delivered time comes from stages)" if key == "time" else ""
                ctx.fail(
                    f"{path}.{key}",
                    raw,
                    f"unknown dimension; use {', '.join(self.dimensions)}"
                    + _suggest(key, list(self.dimensions))
                    + hint,
                )
                continue
            read[key] = self.make_spec(key).parse(raw, f"{path}.{key}", ctx)
        return ByDimension(**read)

    def child(self, key, path):
        if key not in self.dimensions:
            raise ScenarioError(
                [
                    f"{path}: unknown dimension {key!r}; use "
                    f"{', '.join(self.dimensions)}{_suggest(key, list(self.dimensions))}"
                ]
            )
        return self.make_spec(key)


class _Routes(_Spec):
    allowed = "must be a table of next touchpoint = probability, summing to 1"

    def parse(self, value, path, ctx):
        if not isinstance(value, Mapping):
            ctx.fail(path, value, self.allowed)
            return ()
        routes = []
        for key, raw in value.items():
            p = _Number(0.0, 1.0).parse(raw, f"{path}.{key}", ctx)
            if p is not None:
                routes.append((key, p))
        total = sum(p for _, p in routes)
        if routes and abs(total - 1.0) > 1e-9:
            ctx.fail(path, dict(value), f"probabilities sum to {total:g}; they must sum to 1")
        return tuple(routes)


def _suggest(word: Any, options: list[str] | tuple[str, ...]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def param(default: Any = MISSING, spec: _Spec | None = None, doc: str = "") -> Any:
    """A scenario field: its default (already in engine units), how to read it, what it is."""
    kwargs: dict[str, Any] = {"metadata": {"spec": spec, "doc": doc}}
    if isinstance(default, list | dict):
        kwargs["default_factory"] = lambda: copy.deepcopy(default)
    elif default is not MISSING:
        kwargs["default"] = default
    return field(**kwargs)


def _field_specs(cls: type) -> dict[str, _Spec]:
    return {f.name: f.metadata["spec"] for f in fields(cls) if f.metadata.get("spec")}


def _parse_dataclass(cls: type, data: Any, path: str, ctx: _Context) -> Any:
    if not isinstance(data, Mapping):
        ctx.fail(path or "scenario", data, "must be a table")
        return None
    specs = _field_specs(cls)
    prefix = f"{path}." if path else ""
    for key in data:
        if key not in specs:
            ctx.problems.append(
                f"{prefix}{key}: unknown field{_suggest(key, list(specs))}"
                f" (allowed: {', '.join(specs)})"
            )
    values = {}
    for f in fields(cls):
        if f.name not in specs:
            continue
        if f.name in data:
            parsed = specs[f.name].parse(data[f.name], prefix + f.name, ctx)
            if parsed is not None:
                values[f.name] = parsed
        elif f.default is MISSING and f.default_factory is MISSING:
            ctx.fail(prefix + f.name, MISSING_VALUE, "is required")
    try:
        return cls(**values)
    except TypeError:  # a required field failed to parse; already reported
        return None


# --------------------------------------------------------------------------- the schema
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


_LEVEL_SPECS = {
    "time": lambda: _Duration(),
    "cost": lambda: _Number(0.0),
    "service": lambda: _Number(*SERVICE_SCALE),
}


@dataclass(frozen=True, kw_only=True)
class Resource:
    """A capacity-limited process (kitchen, drivers, call centre): a ``simpy.Resource``."""

    name: str = param(spec=_Text(), doc="identifier used by stages")
    capacity: int = param(1, _Number(0, open_low=True, integer=True), "servers working in parallel")
    cost_per_hour: float = param(0.0, _Number(0.0), "currency per server-hour, paid all horizon")


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One step of a touchpoint's delivered time: wait for ``resource`` (if any), then work."""

    duration: dist.Distribution = param(spec=_Distribution("time"), doc="work time, hours")
    resource: str = param("", _Text(), "resource to queue for; empty = no queue")


@dataclass(frozen=True, kw_only=True)
class Failure:
    """Something going wrong at the touchpoint (wrong order, lost bag)."""

    probability: float = param(0.0, _Number(0.0, 1.0), "chance per visit")
    service_drop: float = param(2.0, _Number(0.0, 4.0), "service points lost when it happens")
    delay: float = param(0.0, _Duration(), "extra time to put it right, hours")


@dataclass(frozen=True, kw_only=True)
class Touchpoint:
    """A moment of the journey where something is promised and something delivered.

    Delivered **time** is the sum of the stages (queue wait + work); delivered **cost** and
    **service** come from ``delivered``. A dimension is part of the touchpoint when it is
    delivered; ``promise``, ``norm``, ``weight``, ``competitor`` are per dimension.
    """

    name: str = param(spec=_Text(), doc="identifier, used in routes and overrides")
    stages: tuple[Stage, ...] = param((), _Named(Stage), "steps making up delivered time")
    delivered: ByDimension = param(
        ByDimension(),
        _Dimensions(_Distribution, ("cost", "service")),
        "distributions of delivered cost (currency) and service (1–5)",
    )
    promise: ByDimension = param(ByDimension(), _Dimensions(_Promise), "what the firm promises")
    norm: ByDimension = param(
        ByDimension(),
        _Dimensions(lambda d: _LEVEL_SPECS[d]()),
        "market norm: a newcomer's prior and the yardstick of quality (default: mean delivered)",
    )
    competitor: ByDimension = param(
        ByDimension(),
        _Dimensions(lambda d: _LEVEL_SPECS[d]()),
        "the rival's promise, compared by prospects choosing where to buy",
    )
    weight: ByDimension = param(
        ByDimension(),
        _Dimensions(lambda d: _Number(0.0)),
        "importance of each dimension here (default 1)",
    )
    importance: float = param(1.0, _Number(0.0), "weight of this touchpoint in the episode")
    failure: Failure = param(Failure(), _Table(Failure), "what can go wrong")
    routes: tuple[tuple[str, float], ...] = param(
        (), _Routes(), "branching: next touchpoint = probability ('end' ends the journey)"
    )
    only_after_failure: bool = param(False, _Bool(), "visited only if something failed earlier")

    def dimensions(self) -> list[str]:
        """The dimensions delivered at this touchpoint, in canonical order."""
        present = {
            "time": bool(self.stages),
            "cost": self.delivered.cost is not None,
            "service": self.delivered.service is not None,
        }
        return [d for d in DIMENSIONS if present[d]]


@dataclass(frozen=True, kw_only=True)
class Market:
    """Where prospects come from and how they choose (logit on the promised offer)."""

    prospects_per_day: float = param(20.0, _Number(0.0), "paid prospects per day (Poisson)")
    population: int = param(0, _Number(0, integer=True), "potential customers; 0 = unlimited")
    brand_preference: float = param(0.0, _Number(), "logit utility of us over the competitor")
    promise_sensitivity: float = param(
        0.002,
        _Number(0.0),
        "logit utility per jnd of promised advantage over the competitor (fitted to Cui et "
        "al. 2024)",
    )
    sensitivity_cv: float = param(
        0.0,
        _Number(0.0, 3.0),
        "spread (cv) of each prospect's promise sensitivity around the mean; 0 = all alike",
    )
    wom_positive_lift: float = param(1.0, _Number(0.0), "logit lift after hearing praise")
    wom_negative_lift: float = param(2.0, _Number(0.0), "logit drop after hearing complaints")
    ad_spend_per_day: float = param(0.0, _Number(0.0), "currency per day for paid prospects")


@dataclass(frozen=True, kw_only=True)
class Perception:
    """How gaps are felt: expectation-disconfirmation with prospect-theory value."""

    jnd: ByDimension = param(
        ByDimension(time=0.25, cost=10.0, service=0.5),
        _Dimensions(
            lambda d: _Duration(positive=True) if d == "time" else _Number(0.0, open_low=True)
        ),
        "just-noticeable difference per dimension (time in hours)",
    )
    tolerance: float = param(1.0, _Number(0.0), "zone of tolerance half-width, in jnd")
    gain_slope: float = param(
        0.10,
        _Number(0.0),
        "k⁺: value per jnd of exceeding (set so exceeding ≈ keeping, Gneezy & Epley)",
    )
    loss_aversion: float = param(2.25, _Number(1.0), "λ (Tversky & Kahneman 1992)")
    gain_curvature: float = param(0.88, _Number(0.0, 1.0, open_low=True), "α")
    loss_curvature: float = param(0.88, _Number(0.0, 1.0, open_low=True), "β")
    quality_weight: float = param(
        0.15, _Number(0.0), "γ: value per jnd of delivered quality vs norm"
    )
    kept_credit: float = param(
        1.0, _Number(0.0), "κ: credit when every promise at a touchpoint is kept"
    )
    kept_fade: float = param(
        1.0,
        _Number(0.0, open_low=True),
        "jnd beyond the zone of tolerance over which a promise goes from kept to broken",
    )
    satisfaction_scale: float = param(
        2.5, _Number(0.0, open_low=True), "utility mapped to tanh(±1)"
    )
    episode: str = param("mean", _Text(("mean", "peak_end")), "how touchpoints combine")
    prior_weight: float = param(
        0.3, _Number(0.0, 1.0), "ω: weight of the latest experience in the prior"
    )
    ltr_neutral: float = param(7.5, _Number(0.0, 10.0), "likelihood-to-recommend at satisfaction 0")
    ltr_slope: float = param(4.0, _Number(0.0), "LTR points per unit of attitude")

    def __post_init__(self) -> None:
        # A partial table (jnd = {time = "5 min"}) keeps the defaults of the dimensions it
        # leaves out; without this they would be missing and every gap NaN.
        default = type(self).__dataclass_fields__["jnd"].default
        given = {d: getattr(self.jnd, d) for d in DIMENSIONS}
        filled = {d: getattr(default, d) if v is None else v for d, v in given.items()}
        object.__setattr__(self, "jnd", ByDimension(**filled))


@dataclass(frozen=True, kw_only=True)
class Trust:
    """Beta(a, b) belief that promises are kept; τ = a / (a + b)."""

    prior_kept: float = param(3.0, _Number(0.0, open_low=True), "a₀")
    prior_broken: float = param(1.0, _Number(0.0, open_low=True), "b₀")
    kept_weight: float = param(1.0, _Number(0.0), "added to a per kept promise")
    broken_weight: float = param(2.0, _Number(0.0), "added to b per broken promise")


@dataclass(frozen=True, kw_only=True)
class Wom:
    """Word of mouth from surprise and advocacy: a U in felt surprise, heavier on the
    negative side (Anderson 1998), plus recommendations that grow with attitude."""

    base: float = param(0.01, _Number(0.0, 1.0), "talk probability when nothing was surprising")
    positive_slope: float = param(
        0.35, _Number(0.0, 1.0), "extra talk probability at surprise +1 (delight)"
    )
    negative_slope: float = param(
        0.608, _Number(0.0, 1.0), "extra talk probability at surprise −1 (outrage; fitted)"
    )
    curvature: float = param(1.0, _Number(0.0, open_low=True), "exponent on |surprise|")
    advocacy: float = param(
        1.0,
        _Number(0.0, 1.0),
        "extra praise probability at attitude +1: satisfied customers recommend (fitted)",
    )
    reach: float = param(
        0.5, _Number(0.0), "mean people per talk who come to shop (Poisson; a placeholder)"
    )
    delay: float = param(48.0, _Duration(positive=True), "mean time until a listener shops, hours")
    referral_bonus: float = param(
        0.0, _Number(0.0, 1.0), "extra positive talk from a referral programme"
    )


@dataclass(frozen=True, kw_only=True)
class Complaints:
    """Voicing dissatisfaction and the support queue that handles it."""

    threshold: float = param(
        -0.2, _Number(-1.0, 1.0), "episode satisfaction below which customers may complain"
    )
    probability: float = param(
        0.32,
        _Number(0.0, 1.0),
        "chance a dissatisfied customer complains (channel ease; 32% in Customer in Context 2018)",
    )
    resource: str = param("", _Text(), "resource that handles complaints; empty = no queue")
    handle_time: dist.Distribution = param(
        dist.Exponential(0.5), _Distribution("time"), "work per complaint, hours"
    )
    patience: float = param(
        72.0, _Duration(positive=True), "unresolved if not handled within this, hours"
    )
    unvoiced_multiplier: float = param(
        1.5,
        _Number(1.0),
        "negative talk and churn hazard × this when a dissatisfied customer is not heard "
        "(did not complain, or gave up waiting)",
    )


@dataclass(frozen=True, kw_only=True)
class Recovery:
    """What a handled complaint gives back (Smith, Bolton & Wagner 1999)."""

    apology: float = param(0.2, _Number(0.0, 1.0), "share of the loss offset by an apology")
    compensation: float = param(0.0, _Number(0.0), "currency paid per handled complaint")
    compensation_half: float = param(
        50.0, _Number(0.0, open_low=True), "compensation that buys half its effect"
    )
    compensation_weight: float = param(
        0.6, _Number(0.0), "share of the loss offset by generous compensation"
    )
    speed_weight: float = param(0.3, _Number(0.0), "share of the loss offset by an instant fix")
    speed_scale: float = param(
        4.0, _Duration(positive=True), "resolution time at which speed's effect falls to 1/e"
    )
    paradox_cap: float = param(
        1.2, _Number(1.0), "max recovered share for mild first failures (recovery paradox)"
    )
    proactive: float = param(
        0.0,
        _Number(0.0, 1.0),
        "chance the firm spots a bad episode and fixes it before any complaint",
    )
    credit: float = param(
        0.0, _Number(0.0), "apology points (currency) credited on the next purchase"
    )
    credit_value: float = param(
        0.7, _Number(0.0, 1.0), "how much a point is worth to the customer, per currency"
    )
    mild_loss: float = param(
        1.5, _Number(0.0), "loss (utility) up to which a failure counts as mild"
    )


@dataclass(frozen=True, kw_only=True)
class Retention:
    """Churn hazard h = h₀·exp(−β·S_cum + shock·σ·max(−s, 0)), habit, and the repurchase cycle."""

    churn_a: float = param(
        1.0, _Number(0.0, open_low=True), "Beta(a, b) of baseline churn propensity h₀"
    )
    churn_b: float = param(
        29.0, _Number(0.0, open_low=True), "Beta(a, b) of baseline churn propensity h₀"
    )
    satisfaction_effect: float = param(
        3.33, _Number(0.0), "β: hazard falls by exp(−β·S_cum) (fitted: docs/calibration.md)"
    )
    bad_episode_shock: float = param(
        9.27, _Number(0.0), "hazard × exp(shock·σ·|s|) after a bad episode (fitted)"
    )
    shock_cv: float = param(
        1.821,
        _Number(0.0, 3.0),
        "spread (cv) of each customer's sensitivity to a bad episode; 0 = all alike",
    )
    habit: float = param(
        10.0,
        _Number(0.0),
        "habit: an episode's pull on behaviour is divided by 1 + habit × good episodes so far",
    )
    memory_floor: float = param(
        0.1,
        _Number(0.0, 1.0, open_low=True),
        "least weight of a new episode in S_cum (Bolton 1998)",
    )
    interval: float = param(
        168.0, _Duration(positive=True), "mean time between purchases at neutral attitude, hours"
    )
    attitude_effect: float = param(
        0.5, _Number(0.0), "interval × exp(−effect·cumulative satisfaction)"
    )
    basket_effect: float = param(0.3, _Number(0.0), "basket × (1 + effect·max(attitude, 0))")


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A kind of customer: a share of prospects whose traits multiply the scenario's.

    Traits are drawn once per prospect from its own random numbers, so a policy change
    never changes who is in which segment (common random numbers).
    """

    name: str = param(spec=_Text(), doc="identifier shown in the report")
    share: float = param(spec=_Number(0.0, 1.0), doc="share of prospects in this segment")
    promise_sensitivity: float = param(
        1.0, _Number(0.0), "× market.promise_sensitivity: how much the promise sways choice"
    )
    shock: float = param(1.0, _Number(0.0), "× retention.bad_episode_shock")
    habit: float = param(1.0, _Number(0.0), "× retention.habit")
    interval: float = param(
        1.0, _Number(0.0, open_low=True), "× retention.interval: time between purchases"
    )


@dataclass(frozen=True, kw_only=True)
class Expedite:
    """Exceed on time: expedited orders jump every queue of the touchpoint and are worked
    faster (a dedicated fast lane), at a cost."""

    share: float = param(0.0, _Number(0.0, 1.0), "share of orders expedited")
    speedup: float = param(0.25, _Number(0.0, 0.9), "work time cut by this fraction")
    cost: float = param(0.0, _Number(0.0), "currency per expedited order")


@dataclass(frozen=True, kw_only=True)
class Discount:
    """Exceed on cost: the final bill comes in below the estimate (the promise)."""

    share: float = param(0.0, _Number(0.0, 1.0), "share of bills cut")
    discount: float = param(0.1, _Number(0.0, 1.0), "fraction knocked off the bill")


@dataclass(frozen=True, kw_only=True)
class Upgrade:
    """Exceed on service: an unannounced upgrade (economy taxi → business class)."""

    share: float = param(0.0, _Number(0.0, 1.0), "probability of an upgrade")
    points: float = param(1.0, _Number(0.0, 4.0), "service points added (capped at 5)")
    cost: float = param(0.0, _Number(0.0), "currency per upgrade")


@dataclass(frozen=True, kw_only=True)
class Bonus:
    """A surprise gift: small delight, at a cost."""

    probability: float = param(0.0, _Number(0.0, 1.0), "chance per purchase")
    effect: float = param(0.5, _Number(0.0), "utility added to the episode")
    cost: float = param(0.0, _Number(0.0), "currency per bonus")


@dataclass(frozen=True, kw_only=True)
class OverDelivery:
    """Exceeding the promise at one touchpoint, on time, cost or service (practitioner
    advice: pick one, not all three; docs/sources.md §15), plus an optional surprise bonus."""

    touchpoint: str = param("", _Text(), "where the firm over-delivers (empty: nowhere)")
    time: Expedite = param(Expedite(), _Table(Expedite), "expedite")
    cost: Discount = param(Discount(), _Table(Discount), "bill below the estimate")
    service: Upgrade = param(Upgrade(), _Table(Upgrade), "upgrade")
    bonus: Bonus = param(Bonus(), _Table(Bonus), "surprise bonus")


@dataclass(frozen=True, kw_only=True)
class FollowUp:
    """Contact after the purchase: reassurance in the remorse window, thanks, and marketing
    contacts that annoy when there are too many (Customer in Context 2018: 23% feel stalked)."""

    remorse_cancel: float = param(
        0.0, _Number(0.0, 1.0), "chance a purchase is cancelled in the 24 h remorse window"
    )
    reassurance: bool = param(False, _Bool(), "contact every buyer within 24 h (remorse window)")
    reassurance_effect: float = param(0.5, _Number(0.0, 1.0), "share of cancellations it prevents")
    thank_you: bool = param(False, _Bool(), "send a thank-you after each purchase")
    thank_you_effect: float = param(0.2, _Number(0.0), "utility a thank-you adds")
    contacts: int = param(0, _Number(0, integer=True), "marketing contacts per purchase cycle")
    tolerated_contacts: int = param(1, _Number(0, integer=True), "contacts nobody minds")
    stalked_share: float = param(
        0.23,
        _Number(0.0, 1.0),
        "chance each extra contact annoys (Customer in Context 2018: 23% feel stalked)",
    )
    annoyance: float = param(1.0, _Number(0.0), "utility an annoyed customer loses")
    contact_lift: float = param(
        0.1, _Number(0.0, 0.9), "next purchase comes this much sooner per tolerated contact"
    )
    contact_cost: float = param(
        0.0, _Number(0.0), "currency per contact (reassurance, thanks, marketing)"
    )


@dataclass(frozen=True, kw_only=True)
class Returns:
    """Returns: lenient (always accept) or strict (receipt required) — practitioner advice:
    rules built against the rare cheat punish the honest majority (docs/sources.md §15)."""

    rate: float = param(0.0, _Number(0.0, 1.0), "share of purchases an honest customer returns")
    policy: str = param("lenient", _Text(("lenient", "strict")), "what the firm accepts")
    fraud_rate: float = param(0.0, _Number(0.0, 1.0), "fraudulent return requests per purchase")
    no_receipt: float = param(0.3, _Number(0.0, 1.0), "share of honest returners without a receipt")
    refusal_penalty: float = param(
        2.0, _Number(0.0), "utility an honest customer loses when refused"
    )
    handling_cost: float = param(0.0, _Number(0.0), "currency per accepted return")


@dataclass(frozen=True, kw_only=True)
class Economics:
    """Money: revenue is the delivered bill (cost dimension) × basket."""

    currency: str = param("THB", _Text(), "label for reports")
    unit_cost: float = param(0.0, _Number(0.0), "variable cost per basket")
    discount_rate: float = param(0.10, _Number(0.0, 1.0), "annual discount rate for CLV")


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A whole business: journey, resources, market, behaviour and economics.

    Build one with :meth:`load`, :meth:`from_dict` or :func:`sim.examples.load`; change it
    with :meth:`replace`. Scenarios are immutable and hashable by content
    (:attr:`fingerprint`).
    """

    name: str = param("scenario", _Text(), "short identifier")
    description: str = param("", _Text(), "the question this scenario answers")
    time_unit: str = param(
        "h", _Text(("s", "min", "h", "d")), "unit of bare numbers that are durations"
    )
    horizon: float = param(180 * 24.0, _Duration(positive=True), "default run length, hours")
    touchpoints: tuple[Touchpoint, ...] = param(
        spec=_Named(Touchpoint), doc="the journey, in order"
    )
    resources: tuple[Resource, ...] = param((), _Named(Resource), "capacity-limited processes")
    segments: tuple[Segment, ...] = param(
        (), _Named(Segment), "kinds of customer with their shares; none = one kind"
    )
    market: Market = param(Market(), _Table(Market), "acquisition")
    perception: Perception = param(Perception(), _Table(Perception), "how gaps feel")
    trust: Trust = param(Trust(), _Table(Trust), "trust in promises")
    wom: Wom = param(Wom(), _Table(Wom), "word of mouth")
    complaints: Complaints = param(Complaints(), _Table(Complaints), "complaints")
    recovery: Recovery = param(Recovery(), _Table(Recovery), "service recovery")
    retention: Retention = param(Retention(), _Table(Retention), "churn and repurchase")
    economics: Economics = param(Economics(), _Table(Economics), "money")
    overdelivery: OverDelivery = param(OverDelivery(), _Table(OverDelivery), "exceeding promises")
    followup: FollowUp = param(FollowUp(), _Table(FollowUp), "after the purchase")
    returns: Returns = param(Returns(), _Table(Returns), "returns policy")
    _raw: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "") -> Scenario:
        """Validate ``data`` (as read from TOML) and build a scenario.

        Raises :class:`ScenarioError` listing every problem.

        >>> Scenario.from_dict({"touchpoints": [{"name": "visit", "stages": [{"duration": "10 min"}]}]}).name
        'scenario'
        """
        if not isinstance(data, Mapping):
            raise ScenarioError([f"scenario: {_show(data)} — must be a table"], source)
        unit = data.get("time_unit", "h")
        ctx = _Context(unit if unit in ("s", "min", "h", "d") else "h")
        scenario = _parse_dataclass(cls, data, "", ctx)
        if scenario is not None and not ctx.problems:
            # Cross-field checks only make sense once every field parsed: a stage that failed
            # to parse would otherwise look like a missing stage and suggest the wrong fix.
            _check_references(scenario, data, ctx)
        if ctx.problems:
            raise ScenarioError(ctx.problems, source)
        object.__setattr__(scenario, "_raw", copy.deepcopy(dict(data)))
        return scenario

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read a scenario from a TOML file.

        >>> from sim.examples import path_of
        >>> Scenario.load(path_of("pizza")).name
        'pizza'
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ScenarioError([f"{path}: no such file"]) from None
        except IsADirectoryError:
            raise ScenarioError([f"{path}: is a folder, not a scenario file"]) from None
        except UnicodeDecodeError as error:
            raise ScenarioError(
                [f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8"]
            ) from None
        except OSError as error:
            raise ScenarioError([f"{path}: cannot be read ({error.strerror})"]) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ScenarioError([f"not valid TOML: {error}"], str(path)) from None
        return cls.from_dict(data, source=str(path))

    def save(self, path: str | Path) -> None:
        """Write the scenario as TOML, exactly as it was written (units and all).

        >>> import tempfile, os
        >>> from sim import examples
        >>> target = os.path.join(tempfile.mkdtemp(), "copy.toml")
        >>> examples.load("pizza").save(target)
        >>> Scenario.load(target) == examples.load("pizza")
        True
        """
        header = "".join(f"# {line}\n" for line in self.description.splitlines())
        Path(path).write_text(header + tomli_w.dumps(self._raw), encoding="utf-8")

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (what :meth:`from_dict` accepts)."""
        return copy.deepcopy(self._raw)

    # ------------------------------------------------------------------ overrides
    def replace(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new scenario with dotted-path fields replaced; the original is unchanged.

        Paths follow the TOML structure; list items are addressed by ``name`` or ``[index]``:
        ``"touchpoints.delivery.promise.time"``, ``"resources.driver.capacity"``,
        ``"touchpoints[0].stages[1].duration.mean"``. Unknown paths are errors with a
        suggestion.

        Values are as in a scenario file, or policy objects:

        >>> from sim import examples
        >>> from sim.policies import QuantilePromise
        >>> examples.load("pizza").replace({"resources.driver.capacity": 6}).resource("driver").capacity
        6
        >>> careful = examples.load("pizza").replace(
        ...     {"touchpoints.delivery.promise.time": QuantilePromise(0.9)})
        >>> careful.touchpoint("delivery").promise.time
        QuantilePromise(q=0.9)
        """
        if not isinstance(overrides, Mapping):
            raise ScenarioError(
                [f"overrides: {_show(overrides)} — must be a mapping of dotted path to value"]
            )
        raw = copy.deepcopy(self._raw)
        problems = []
        for path, value in overrides.items():
            try:
                if not isinstance(path, str):
                    raise ScenarioError([f"{path!r}: override paths are dotted strings"])
                _assign(raw, path, _as_raw(path, value))
            except ScenarioError as error:
                problems.extend(error.problems)
        try:  # report bad values too, not only bad paths, so one round of fixes is enough
            scenario = Scenario.from_dict(raw, source="overrides")
        except ScenarioError as error:
            problems.extend(error.problems)
        if problems:
            raise ScenarioError(problems, "overrides")
        return scenario

    # ------------------------------------------------------------------ lookups
    def touchpoint(self, name: str) -> Touchpoint:
        """The touchpoint called ``name``."""
        return _by_name(self.touchpoints, name, "touchpoint")

    def resource(self, name: str) -> Resource:
        """The resource called ``name``."""
        return _by_name(self.resources, name, "resource")

    @cached_property  # computed once: the scenario is immutable
    def fingerprint(self) -> str:
        """Content hash (12 hex digits) of the validated input: same scenario, same hash."""
        canonical = json.dumps(self._raw, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _as_raw(path: str, value: Any) -> Any:
    """Policy objects become their scenario-file tables (``promise.time = QuantilePromise(.9)``)."""
    if not hasattr(value, "as_table"):
        return value
    dimension = path.rsplit(".", 1)[-1]
    if dimension not in DIMENSIONS:
        raise ScenarioError(
            [
                f"{path}: a policy object goes on a dimension path like "
                f"'touchpoints.delivery.promise.time'"
            ]
        )
    return value.as_table(dimension)


def _by_name(items, name, what):
    for item in items:
        if item.name == name:
            return item
    names = [item.name for item in items]
    raise KeyError(f"no {what} {name!r}{_suggest(name, names)} (have: {', '.join(names)})")


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in _SEGMENT.findall(path):
        parts.append(int(index) if index else name)
    return parts


def _assign(raw: dict, path: str, value: Any) -> None:
    """Set ``value`` at dotted ``path`` in the raw scenario dict, checking the path."""
    parts = _split_path(path)
    if not parts:
        raise ScenarioError([f"{path!r}: empty override path"])
    spec: _Spec = _Table(Scenario)
    node: Any = raw
    walked = ""
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if isinstance(spec, _Named):
            items = node if isinstance(node, list) else []
            index = _find_item(items, part, walked)
            if last:
                raise ScenarioError(
                    [f"{path}: replace a field of {walked}[{index}], not the whole item"]
                )
            node, spec = items[index], spec.item
            walked += f"[{index}]"
            continue
        if isinstance(part, int):
            raise ScenarioError([f"{path}: {walked or 'scenario'} is not a list"])
        child = spec.child(part, walked or "scenario")
        walked = f"{walked}.{part}" if walked else part
        if last:
            node[part] = value
            return
        nxt = node.get(part) if isinstance(node, dict) else None
        if not isinstance(child, _Table | _Named | _Dimensions):
            # A leaf whose value may itself be a table (a distribution, a promise policy):
            # allow one more key into what the file already has there.
            rest = parts[position + 1 :]
            if not isinstance(nxt, dict) or len(rest) != 1 or isinstance(rest[0], int):
                raise ScenarioError(
                    [f"{path}: {walked} is {_show(nxt)}; replace {walked} as a whole"]
                )
            nxt[rest[0]] = value
            return
        if nxt is None:
            nxt = [] if isinstance(child, _Named) else {}
            node[part] = nxt
        node, spec = nxt, child


def _find_item(items: list, key: str | int, where: str) -> int:
    if isinstance(key, int):
        if 0 <= key < len(items):
            return key
        raise ScenarioError([f"{where}[{key}]: no such item (there are {len(items)})"])
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if key in names:
        return names.index(key)
    if not any(isinstance(n, str) for n in names):
        raise ScenarioError(
            [f"{where}.{key}: these items have no names; use an index like {where}[0]"]
        )
    raise ScenarioError(
        [
            f"{where}.{key}: no item named {key!r}"
            f"{_suggest(key, [n for n in names if isinstance(n, str)])}"
            f" (have: {', '.join(map(str, names))})"
        ]
    )


def _check_references(scenario: Scenario, data: Mapping[str, Any], ctx: _Context) -> None:
    """Cross-field checks: names that refer to other parts of the scenario."""
    resources = [r.name for r in scenario.resources]
    names = [t.name for t in scenario.touchpoints]
    if not scenario.touchpoints:
        ctx.fail("touchpoints", [], "the journey needs at least one touchpoint")
    if len(scenario.touchpoints) > MAX_TOUCHPOINTS:
        ctx.fail(
            "touchpoints",
            f"{len(scenario.touchpoints)} touchpoints",
            f"at most {MAX_TOUCHPOINTS} are supported",
        )
    for i, tp in enumerate(scenario.touchpoints):
        where = f"touchpoints[{i}]"
        if len(tp.stages) > MAX_STAGES:
            ctx.fail(
                f"{where}.stages",
                f"{len(tp.stages)} stages",
                f"at most {MAX_STAGES} per touchpoint; split it into several touchpoints",
            )
        for j, stage in enumerate(tp.stages):
            if stage.resource and stage.resource not in resources:
                ctx.fail(
                    f"{where}.stages[{j}].resource",
                    stage.resource,
                    f"not a resource{_suggest(stage.resource, resources)}"
                    f" (have: {', '.join(resources) or 'none'})",
                )
        present = tp.dimensions()
        for label in ("promise", "norm", "competitor", "weight"):
            for dim, _ in getattr(tp, label).items():
                if dim not in present:
                    how = "add stages" if dim == "time" else f"add delivered.{dim}"
                    ctx.fail(
                        f"{where}.{label}.{dim}",
                        data["touchpoints"][i][label][dim],  # as written, not converted
                        f"{tp.name!r} delivers no {dim}; {how} or remove it",
                    )
        if not present:
            ctx.fail(
                where, tp.name, "delivers nothing; give it stages (time) or delivered cost/service"
            )
        for target, _ in tp.routes:
            if target != "end" and target not in names:
                ctx.fail(
                    f"{where}.routes.{target}",
                    target,
                    f"not a touchpoint{_suggest(target, names)} (or 'end')",
                )
            elif target in names and names.index(target) <= i:
                ctx.fail(
                    f"{where}.routes.{target}",
                    target,
                    "routes must point forward in the journey (no loops)",
                )
    od = scenario.overdelivery
    if od.touchpoint and od.touchpoint not in names:
        ctx.fail(
            "overdelivery.touchpoint",
            od.touchpoint,
            f"not a touchpoint{_suggest(od.touchpoint, names)} (have: {', '.join(names)})",
        )
    elif od.touchpoint:
        tp = scenario.touchpoint(od.touchpoint)
        for dim, table, field_name in (
            ("time", od.time, "share"),
            ("cost", od.cost, "share"),
            ("service", od.service, "share"),
        ):
            if getattr(table, field_name) > 0 and dim not in tp.dimensions():
                ctx.fail(
                    f"overdelivery.{dim}.share",
                    getattr(table, field_name),
                    f"{od.touchpoint!r} delivers no {dim}; exceed on a dimension it delivers",
                )
    if scenario.complaints.resource and scenario.complaints.resource not in resources:
        ctx.fail(
            "complaints.resource",
            scenario.complaints.resource,
            f"not a resource{_suggest(scenario.complaints.resource, resources)}"
            f" (have: {', '.join(resources) or 'none'})",
        )
    if scenario.segments:
        total = sum(segment.share for segment in scenario.segments)
        if abs(total - 1.0) > 1e-9:
            ctx.fail(
                "segments",
                f"shares summing to {total:g}",
                "segment shares must add up to 1",
            )
    for name in resources:
        used = any(s.resource == name for t in scenario.touchpoints for s in t.stages)
        if not used and scenario.complaints.resource != name:
            ctx.fail(f"resources.{name}", name, "is never used by a stage or complaints.resource")


def parameter_reference() -> str:
    """Markdown table of every scenario field: path, default, what is allowed, meaning.

    Generated from the schema, so it cannot drift from the code (``docs/model.md`` embeds it
    and a test checks they match).

    >>> "| `market.prospects_per_day` |" in parameter_reference()
    True
    """
    rows = ["| field | default | allowed | meaning |", "|---|---|---|---|"]

    def walk(cls: type, prefix: str) -> None:
        for f in fields(cls):
            spec = f.metadata.get("spec")
            if spec is None:
                continue
            path = f"{prefix}{f.name}"
            if isinstance(spec, _Table):
                walk(spec.cls, path + ".")
                continue
            item = "[]" if isinstance(spec, _Named) else ""
            meaning = f.metadata["doc"].replace("|", "\\|")
            rows.append(
                f"| `{path}{item}` | {_default_text(f)} | {_allowed_text(spec)} | {meaning} |"
            )
            if isinstance(spec, _Named):
                walk(spec.cls, f"{path}[].")

    walk(Scenario, "")
    return "\n".join(rows)


def _default_text(f) -> str:
    if f.default is MISSING and f.default_factory is MISSING:
        return "required"
    value = f.default if f.default is not MISSING else f.default_factory()
    if isinstance(value, ByDimension):
        value = {d: v for d, v in value.items()}
        return ", ".join(f"{d}={v:g}" for d, v in value.items()) or "—"
    if isinstance(value, tuple) and not value:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"' if value else '""'
    return str(value)


def _allowed_text(spec: _Spec) -> str:
    return spec.allowed.removeprefix("must be ").replace("|", "\\|")
