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
import os
import re
import stat
import tomllib
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import tomli_w

from sim import distributions as dist
from sim.policies import PROMISE_POLICIES, FixedPromise, MatchCompetitor
from sim.units import DurationError, format_duration, parse_duration, shown

DIMENSIONS = ("time", "cost", "service")
#: +1 where a higher delivered value is better for the customer, −1 where lower is better.
DIRECTION = {"time": -1.0, "cost": -1.0, "service": 1.0}
SERVICE_SCALE = (1.0, 5.0)
#: Limits that keep each random draw's address unique (see sim.rng.SLOTS and sim.model).
MAX_TOUCHPOINTS = 256
MAX_STAGES = 12
#: Refused before parsing: no real scenario comes near (the examples are 2–4 kB, 6 levels deep).
MAX_FILE_BYTES = 10_000_000
MAX_NESTING = 32


class ScenarioError(ValueError):
    """A scenario that cannot be run. ``problems`` lists one line per bad field.

    Its ``args`` are its own arguments, so copies (pickling to and from a worker process,
    SimPy re-raising an error from inside a process) arrive whole.

    >>> error = ScenarioError(["market.population: -1 — must be ≥ 0"], "shop.toml")
    >>> type(error)(*error.args).problems
    ['market.population: -1 — must be ≥ 0']
    """

    def __init__(self, problems: list[str], source: str = "") -> None:
        super().__init__(problems, source)
        self.problems = list(problems)
        self.source = source

    def __str__(self) -> str:
        where = f" in {self.source}" if self.source else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"{len(self.problems)} problem(s){where}:\n{lines}"


# --------------------------------------------------------------------------- field specs
_BOUNDARY = re.compile(r"[.\[]")


class _Context:
    """Collects problems while a scenario is parsed, so all are reported together, and
    remembers where they were, so that a cross-field check runs whenever its inputs parsed."""

    def __init__(self, time_unit: str) -> None:
        self.time_unit = time_unit
        self.problems: list[str] = []
        self.failed: set[str] = set()  # paths with a problem, and every path above one
        self.broken: set[str] = set()  # named lists that lost an item or repeat a name

    def fail(self, path: str, value: Any, allowed: str) -> None:
        self.note(path, f"{shown(value)} — {allowed}")

    def note(self, path: str, text: str) -> None:
        """Report a problem at ``path`` in words of its own."""
        self.problems.append(f"{path}: {text}")
        self.failed.add(path)
        self.failed.update(path[: match.start()] for match in _BOUNDARY.finditer(path))

    def ok(self, *paths: str) -> bool:
        """Whether nothing at or below any of ``paths`` had a problem."""
        return not any(path in self.failed for path in paths)

    def whole(self, path: str) -> bool:
        """Whether every item of the named list at ``path`` was read, under unique names (so
        its indices and names can be trusted)."""
        return path not in self.broken


class _Missing:
    def __repr__(self) -> str:
        return "missing"


MISSING_VALUE = _Missing()


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
        except OverflowError:  # an integer beyond the float range (over ~309 digits)
            ctx.fail(path, value, f"too large: {self.allowed}")
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
            hint = suggest(value, self.choices) if isinstance(value, str) else ""
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
            raise ScenarioError([f"{path}: unknown field {key!r}{suggest(key, list(specs))}"])
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
            ctx.broken.add(path)
            return ()
        items = []
        for index, raw in enumerate(value):
            item = self.item.parse(raw, f"{path}[{index}]", ctx)
            if item is not None:
                items.append(item)
        counts = Counter(getattr(item, "name", None) for item in items)
        repeated = sorted(name for name, n in counts.items() if name is not None and n > 1)
        for name in repeated:
            ctx.fail(path, name, "names must be unique")
        if repeated or len(items) < len(value):
            ctx.broken.add(path)
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
                + (suggest(kind, list(self.KINDS)) if isinstance(kind, str) else ""),
            )
            return None
        required, optional = self.KINDS[kind], self.OPTIONAL.get(kind, ())
        for key in value:
            if key != "dist" and key not in required + optional:
                ctx.fail(
                    f"{path}.{key}",
                    value[key],
                    f"not a parameter of {kind}; use {', '.join(required + optional)}"
                    + suggest(key, list(required + optional)),
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
            hint = suggest(name, list(PROMISE_POLICIES))
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
                    f"not a parameter of {name}; use {', '.join(specs)}{suggest(key, list(specs))}",
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
                    + suggest(key, list(self.dimensions))
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
                    f"{', '.join(self.dimensions)}{suggest(key, list(self.dimensions))}"
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


def suggest(word: Any, options: list[str] | tuple[str, ...]) -> str:
    """A did-you-mean hint for a misspelt name ('' when nothing is close).

    >>> suggest("pizzza", ["pizza", "airline"])
    "; did you mean 'pizza'?"
    """
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
            ctx.note(
                f"{prefix}{key}",
                f"unknown field{suggest(key, list(specs))} (allowed: {', '.join(specs)})",
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
    max_prospects: int = param(
        1_000_000,
        _Number(1, integer=True),
        "a run stops with an error past this many prospects: a guard against a market that "
        "grows without bound (each customer takes ~2 KB of memory)",
    )
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
            raise ScenarioError([f"scenario: {shown(data)} — must be a table"], source)
        too_deep = [
            f"{key}: nested {depth} levels deep — a scenario needs at most ~6; is it the right data?"
            for key, value in data.items()
            if (depth := 1 + _nesting(value)) > MAX_NESTING
        ]
        if too_deep:
            raise ScenarioError(too_deep, source)
        unit = data.get("time_unit", "h")
        ctx = _Context(unit if unit in ("s", "min", "h", "d") else "h")
        scenario = _parse_dataclass(cls, data, "", ctx)
        if scenario is not None:  # None only when touchpoints is missing
            _check_references(scenario, data, ctx)
        if ctx.problems:
            raise ScenarioError(ctx.problems, source)
        if "horizon" in data and scenario.horizon < 24.0:
            _warn_short_horizon(data["horizon"], scenario)
        object.__setattr__(scenario, "_raw", copy.deepcopy(dict(data)))
        return scenario

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read a scenario from a TOML file (UTF-8, with or without a byte-order mark).

        Only a regular file of at most :data:`MAX_FILE_BYTES` is read: a pipe would wait
        for a writer and a device such as ``/dev/zero`` never ends.

        >>> from sim.examples import path_of
        >>> Scenario.load(path_of("pizza")).name
        'pizza'
        >>> Scenario.load("/dev/zero")
        Traceback (most recent call last):
        ...
        sim.scenario.ScenarioError: 1 problem(s):
          - /dev/zero: not a regular file (a pipe, device or socket) — save the scenario as a file
        """
        path = Path(path)
        too_big = [
            f"{path}: over {MAX_FILE_BYTES // 1_000_000} MB — no scenario is that big "
            "(the examples are a few kB); is it the right file?"
        ]
        try:
            info = os.stat(path)  # before opening: opening a pipe waits for a writer
            if stat.S_ISDIR(info.st_mode):
                raise ScenarioError([f"{path}: is a folder, not a scenario file"])
            if not stat.S_ISREG(info.st_mode):
                raise ScenarioError(
                    [
                        f"{path}: not a regular file (a pipe, device or socket)"
                        " — save the scenario as a file"
                    ]
                )
            if info.st_size > MAX_FILE_BYTES:
                raise ScenarioError(too_big)
            with open(path, "rb") as file:
                content = file.read(MAX_FILE_BYTES + 1)  # the file may have grown since
            text = content.decode("utf-8-sig")
        except FileNotFoundError:
            raise ScenarioError([f"{path}: no such file"]) from None
        except UnicodeDecodeError as error:
            raise ScenarioError(
                [f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8"]
            ) from None
        except OSError as error:
            raise ScenarioError([f"{path}: cannot be read ({error.strerror})"]) from None
        if len(content) > MAX_FILE_BYTES:
            raise ScenarioError(too_big)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ScenarioError([f"not valid TOML: {error}"], str(path)) from None
        except RecursionError:
            raise ScenarioError(
                ["not valid TOML: nested hundreds of levels deep — a scenario needs at most ~6"],
                str(path),
            ) from None
        except ValueError:  # tomllib reads integers with int(), which refuses 4300+ digits
            raise ScenarioError(
                [
                    "not valid TOML: an integer of thousands of digits — no scenario value is that long"
                ],
                str(path),
            ) from None
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
                [f"overrides: {shown(overrides)} — must be a mapping of dotted path to value"]
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
        """Content hash (12 hex digits) of exactly what a run depends on, in the order it
        depends on it: same numbers, same hash, in any process (results stores and caches
        are keyed by it).

        Hashed: every field of the validated scenario, in declared order, with touchpoints,
        stages, routes, resources and segments in the order written — the order of routes
        and segments decides which random draw picks which. Names are hashed (they label
        results). Not hashed: ``description`` (prose) and ``time_unit`` (it says how bare
        numbers are read; the durations they give are hashed, in hours).

        >>> from sim import examples
        >>> pizza = examples.load("pizza")
        >>> pizza.replace({"description": "another question"}).fingerprint == pizza.fingerprint
        True
        >>> pizza.replace({"touchpoints.delivery.promise.time": "0.5 h"}).fingerprint == pizza.fingerprint
        True
        >>> routes = "touchpoints.website.routes"
        >>> (pizza.replace({routes: {"order": 0.6, "delivery": 0.4}}).fingerprint
        ...  == pizza.replace({routes: {"delivery": 0.4, "order": 0.6}}).fingerprint)
        False
        """
        content = [
            _canonical(getattr(self, f.name))
            for f in fields(self)
            if f.compare and f.name not in ("description", "time_unit")
        ]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()[:12]


def _canonical(value: Any) -> Any:
    """``value`` as plain JSON data, in the order the model reads it: a dataclass as its class
    name and compared fields in declared order, a tuple as a list in stored order, any other
    object (a gamma distribution) by its repr, which names every parameter."""
    if isinstance(value, tuple):
        return [_canonical(item) for item in value]
    if is_dataclass(value):
        return [
            type(value).__name__,
            *(_canonical(getattr(value, f.name)) for f in fields(value) if f.compare),
        ]
    if value is None or isinstance(value, str | int | float):
        return value
    return repr(value)


def _nesting(value: Any) -> int:
    """Levels of tables and lists in ``value`` (0 for a number), without recursion (data from
    Python may nest thousands deep or contain itself).

    >>> _nesting({"touchpoints": [{"stages": [{"duration": {"mean": 3}}]}]})
    6
    """
    deepest, seen, stack = 0, set(), [(value, 1)]
    while stack:
        node, level = stack.pop()
        if not isinstance(node, Mapping | list | tuple) or id(node) in seen:
            continue
        seen.add(id(node))
        deepest = max(deepest, level)
        children = node.values() if isinstance(node, Mapping) else node
        stack.extend((child, level + 1) for child in children)
    return deepest


_UNIT_NAMES = {"s": "seconds", "min": "minutes", "h": "hours", "d": "days"}


def _warn_short_horizon(raw: Any, scenario: Scenario) -> None:
    """Warn that a horizon under a day is probably a unit slip (``horizon = 120`` in a
    minutes file is a 2-hour run); it is allowed, for short experiments."""
    written, hint = repr(raw), ""
    if not isinstance(raw, str):  # a bare number, read in the file's time unit
        written += f" ({_UNIT_NAMES[scenario.time_unit]})"
        hint = f"; write '{raw} d' if you meant days"
    warnings.warn(
        f"horizon: {written} = {format_duration(scenario.horizon)} — shorter than one day{hint}",
        UserWarning,
        stacklevel=3,
    )


def _as_raw(path: str, value: Any) -> Any:
    """Policy objects become their scenario-file tables (``promise.time = QuantilePromise(.9)``)."""
    if not hasattr(value, "as_table"):
        return value
    if isinstance(value, type):
        raise ScenarioError(
            [
                f"{path}: {value.__name__} — a policy class, not a policy; create one, "
                f"e.g. {value.__name__}(...) with its settings"
            ]
        )
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
    raise KeyError(f"no {what} {name!r}{suggest(name, names)} (have: {', '.join(names)})")


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
                    [f"{path}: {walked} is {shown(nxt)}; replace {walked} as a whole"]
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
            f"{suggest(key, [n for n in names if isinstance(n, str)])}"
            f" (have: {', '.join(map(str, names))})"
        ]
    )


def _check_references(scenario: Scenario, data: Mapping[str, Any], ctx: _Context) -> None:
    """Cross-field checks: names that refer to other parts of the scenario, and journeys that
    could not run.

    Each check runs when its own inputs parsed (``ctx.ok``, ``ctx.whole``), so a file with a
    bad number and a misspelt name reports both; a check whose inputs failed is skipped, as
    it would report the same mistake again or suggest the wrong fix. Every check is linear
    in the size of the scenario.
    """
    if ctx.whole("touchpoints"):  # indices and names match the file
        _check_touchpoints(scenario, data, ctx)
        _check_journey(scenario.touchpoints, data, ctx)
        _check_overdelivery(scenario, ctx)
    if ctx.whole("resources"):
        _check_resources(scenario, data, ctx)
    if scenario.segments and ctx.whole("segments"):
        total = sum(segment.share for segment in scenario.segments)
        if abs(total - 1.0) > 1e-9:
            ctx.fail("segments", f"shares summing to {total:g}", "segment shares must add up to 1")


def _check_resources(scenario: Scenario, data: Mapping[str, Any], ctx: _Context) -> None:
    """Every resource named by a stage or complaints exists, and every resource is used.

    Stage resources are read as written, so a stage dropped for a bad duration still has
    its resource checked and still counts as using it."""
    resources = [r.name for r in scenario.resources]
    known = set(resources)
    references, complete = _stage_resources(data)
    for path, name in references:
        if name and ctx.ok(path) and name not in known:
            ctx.fail(
                path,
                name,
                f"not a resource{suggest(name, resources)} (have: {_listing(resources)})",
            )
    complaints = scenario.complaints.resource
    if complaints and complaints not in known:
        ctx.fail(
            "complaints.resource",
            complaints,
            f"not a resource{suggest(complaints, resources)} (have: {_listing(resources)})",
        )
    # Which resources are used is known only when every reference parsed and is right.
    if complete and ctx.ok("complaints.resource", *(path for path, _ in references)):
        used = {name for _, name in references} | {complaints}
        for name in resources:
            if name not in used:
                ctx.fail(
                    f"resources.{name}", name, "is never used by a stage or complaints.resource"
                )


def _stage_resources(data: Mapping[str, Any]) -> tuple[list[tuple[str, Any]], bool]:
    """(path, value as written) of every stage's resource, and whether the file's shape
    showed them all (not so where a touchpoint or a stage is not a table)."""
    touchpoints = data["touchpoints"]
    complete, found = isinstance(touchpoints, list), []
    for i, tp in enumerate(touchpoints if complete else ()):
        stages = tp.get("stages", []) if isinstance(tp, Mapping) else None
        if not isinstance(stages, list):
            complete = False
            continue
        for j, stage in enumerate(stages):
            if not isinstance(stage, Mapping):
                complete = False
            elif "resource" in stage:
                found.append((f"touchpoints[{i}].stages[{j}].resource", stage["resource"]))
    return found, complete


def _check_touchpoints(scenario: Scenario, data: Mapping[str, Any], ctx: _Context) -> None:
    """Per touchpoint: reserved names, stage counts, dimensions, policies and routes."""
    touchpoints = scenario.touchpoints
    if not touchpoints:
        ctx.fail("touchpoints", [], "the journey needs at least one touchpoint")
    if len(touchpoints) > MAX_TOUCHPOINTS:
        ctx.fail(
            "touchpoints",
            f"{len(touchpoints)} touchpoints",
            f"at most {MAX_TOUCHPOINTS} are supported",
        )
    position = {tp.name: i for i, tp in enumerate(touchpoints)}
    for i, tp in enumerate(touchpoints):
        where = f"touchpoints[{i}]"
        if tp.name == "end":
            ctx.fail(
                f"{where}.name",
                tp.name,
                "reserved: a route to 'end' ends the journey; give the touchpoint another name",
            )
        stages_read = ctx.whole(f"{where}.stages")
        if stages_read and len(tp.stages) > MAX_STAGES:
            ctx.fail(
                f"{where}.stages",
                f"{len(tp.stages)} stages",
                f"at most {MAX_STAGES} per touchpoint; split it into several touchpoints",
            )
        if stages_read and ctx.ok(f"{where}.delivered"):
            _check_dimensions(tp, data["touchpoints"][i], where, ctx)
        for target, _ in tp.routes:
            if target != "end" and target not in position:
                ctx.fail(
                    f"{where}.routes.{target}",
                    target,
                    f"not a touchpoint{suggest(target, list(position))} (or 'end')",
                )
            elif target in position and position[target] <= i:
                ctx.fail(
                    f"{where}.routes.{target}",
                    target,
                    "routes must point forward in the journey (no loops)",
                )


def _check_dimensions(tp: Touchpoint, raw: Mapping[str, Any], where: str, ctx: _Context) -> None:
    """Promises, norms, rivals and weights only on dimensions the touchpoint delivers, and a
    rival to match wherever a promise matches the rival's."""
    present = tp.dimensions()
    for label in ("promise", "norm", "competitor", "weight"):
        for dim, _ in getattr(tp, label).items():
            if dim not in present:
                how = "add stages" if dim == "time" else f"add delivered.{dim}"
                ctx.fail(
                    f"{where}.{label}.{dim}",
                    raw[label][dim],  # as written, not converted
                    f"{tp.name!r} delivers no {dim}; {how} or remove it",
                )
    for dim, policy in tp.promise.items():
        unmatched = isinstance(policy, MatchCompetitor) and getattr(tp.competitor, dim) is None
        if unmatched and dim in present and ctx.ok(f"{where}.competitor"):
            ctx.fail(
                f"{where}.promise.{dim}",
                raw["promise"][dim],
                f"a 'match' promise copies the rival's: add competitor.{dim}"
                " or choose another policy",
            )
    if not present:
        ctx.fail(
            where, tp.name, "delivers nothing; give it stages (time) or delivered cost/service"
        )


def _check_journey(
    touchpoints: tuple[Touchpoint, ...], data: Mapping[str, Any], ctx: _Context
) -> None:
    """Journeys that cannot run as written.

    * The first touchpoint ``only_after_failure``: nothing can have failed yet, so no one
      visits it (and when every touchpoint is, no journey visits anything: a crash).
    * A touchpoint no route leads to: never visited, so what it delivers (a bill, a
      promise) silently never counts. Routes of probability 0 still lead somewhere, so a
      sweep may turn a branch off.
    * A journey that can visit only touchpoints of importance 0: its episode has no weight
      to average over (a crash). Importance 0 is fine where every journey also visits a
      touchpoint that counts (an order step that only routes to delivery zones).
    """
    n = len(touchpoints)
    inputs = ("name", "routes", "importance", "only_after_failure", "failure")
    if not n or not all(ctx.ok(f"touchpoints[{k}].{x}") for k in range(n) for x in inputs):
        return
    if touchpoints[0].only_after_failure:
        ctx.fail(
            "touchpoints[0].only_after_failure",
            True,
            "the journey starts here, before anything can fail, so no one would visit it; "
            "set it on a later touchpoint",
        )
        return
    position = {tp.name: k for k, tp in enumerate(touchpoints)}

    def following(k: int, taken: bool) -> list[int | None]:
        """Touchpoints after ``k`` (None: the end); ``taken``: only routes of probability > 0."""
        if not touchpoints[k].routes:
            return [k + 1 if k + 1 < n else None]
        return [position.get(t) for t, p in touchpoints[k].routes if p > 0 or not taken]

    reached = [k == 0 for k in range(n)]
    for k in range(n):
        if not reached[k]:
            ctx.fail(
                f"touchpoints[{k}]",
                touchpoints[k].name,
                "no route leads here, so no journey visits it; route to it or remove it",
            )
            continue
        for after in following(k, taken=False):
            if after is not None:
                reached[after] = True
    if not all(reached):
        return
    # Search the (touchpoint, failed yet) states a journey can pass through without
    # visiting a touchpoint of positive importance; reaching the end that way is the crash.
    start = (0, False)
    came_from: dict[tuple[int, bool], tuple[int, bool] | None] = {start: None}
    stack = [start]
    while stack:
        state = stack.pop()
        k, failed = state
        tp = touchpoints[k]
        skipped = tp.only_after_failure and not failed
        if not skipped and tp.importance > 0:
            continue
        p = 0.0 if skipped else tp.failure.probability
        outcomes = {failed} if p < 1 else set()
        if p > 0:
            outcomes.add(True)
        for after in following(k, taken=True):
            if after is None:
                _report_weightless(touchpoints, data, state, came_from, ctx)
                return
            for next_state in [(after, f) for f in outcomes]:
                if next_state not in came_from:
                    came_from[next_state] = state
                    stack.append(next_state)


def _report_weightless(
    touchpoints: tuple[Touchpoint, ...],
    data: Mapping[str, Any],
    state: tuple[int, bool] | None,
    came_from: dict[tuple[int, bool], tuple[int, bool] | None],
    ctx: _Context,
) -> None:
    """Report the journey ending at ``state`` that visits only touchpoints of importance 0."""
    path = []
    while state is not None:
        k, failed = state
        if failed or not touchpoints[k].only_after_failure:
            path.append(k)
        state = came_from[state]
    path.reverse()
    names = " → ".join([touchpoints[k].name for k in path] + ["end"])
    ctx.fail(
        f"touchpoints[{path[0]}].importance",
        data["touchpoints"][path[0]]["importance"],
        f"a journey can visit only touchpoints of importance 0 ({names}), leaving its "
        "episode no weight; give one of them importance > 0",
    )


def _check_overdelivery(scenario: Scenario, ctx: _Context) -> None:
    """Over-delivery at a touchpoint that exists, on dimensions it delivers."""
    od = scenario.overdelivery
    names = [tp.name for tp in scenario.touchpoints]
    if not od.touchpoint or not ctx.ok("overdelivery.touchpoint"):
        return
    if od.touchpoint not in set(names):
        ctx.fail(
            "overdelivery.touchpoint",
            od.touchpoint,
            f"not a touchpoint{suggest(od.touchpoint, names)} (have: {_listing(names)})",
        )
        return
    k = names.index(od.touchpoint)
    if not ctx.whole(f"touchpoints[{k}].stages") or not ctx.ok(f"touchpoints[{k}].delivered"):
        return
    delivered = scenario.touchpoints[k].dimensions()
    for dim in DIMENSIONS:
        share = getattr(od, dim).share
        if share > 0 and dim not in delivered and ctx.ok(f"overdelivery.{dim}"):
            ctx.fail(
                f"overdelivery.{dim}.share",
                share,
                f"{od.touchpoint!r} delivers no {dim}; exceed on a dimension it delivers",
            )


def _listing(names: list[str]) -> str:
    """``names`` for a message: all of a short list, the first ten of a long one.

    >>> _listing([f"r{i}" for i in range(60_000)])
    'r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, … (60000 in all)'
    """
    if not names:
        return "none"
    if len(names) <= 10:
        return ", ".join(names)
    return f"{', '.join(names[:10])}, … ({len(names)} in all)"


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
