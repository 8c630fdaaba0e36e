"""Field specs: how one field of a scenario is read from TOML and checked.

Each scenario field carries a spec (:func:`param`); :func:`_parse_dataclass` reads a table
field by field, collecting every problem in a :class:`_Context` so that all are reported
together in one :class:`ScenarioError`.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import MISSING, field, fields
from typing import Any, ClassVar

from sim import distributions as dist
from sim.policies import PROMISE_POLICIES, FixedPromise
from sim.scenario.dimensions import DIMENSIONS, SERVICE_SCALE, ByDimension
from sim.units import MAX_DURATION_HOURS, DurationError, parse_duration, shown


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


#: The largest amount of money any field takes: no bill, payment or daily budget reaches a
#: trillion in any currency in use (near 1e308 a run's sums overflow).
MAX_MONEY = 1e12


def _plain(x: float) -> str:
    """A bound as people write it: 1,000,000 and 0.000001, never 1e+06.

    >>> _plain(1e12), _plain(1e-6), _plain(2.5)
    ('1,000,000,000,000', '0.000001', '2.5')
    """
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:.12f}".rstrip("0")


class _Number(_Spec):
    def __init__(self, low=-math.inf, high=math.inf, *, open_low=False, integer=False) -> None:
        self.low, self.high, self.open_low, self.integer = low, high, open_low, integer
        kind = "an integer" if integer else "a number"
        if open_low and high == math.inf:
            self.allowed = f"must be {'a positive integer' if integer else 'a positive number'}"
            if low != 0:
                self.allowed = f"must be {kind} above {_plain(low)}"
        elif low == -math.inf and high == math.inf:
            self.allowed = f"must be {kind}"
        elif high == math.inf:
            self.allowed = f"must be {kind} ≥ {_plain(low)}"
        elif open_low:
            self.allowed = f"must be {kind} above {_plain(low)} and at most {_plain(high)}"
        else:
            self.allowed = f"must be {kind} between {_plain(low)} and {_plain(high)}"

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

    def __init__(self, *, positive: bool = False, shortest: float = 0.0) -> None:
        super().__init__(shortest, MAX_DURATION_HOURS, open_low=positive)
        at_least = "a positive duration" if positive else "a duration ≥ 0"
        if shortest:
            at_least = f"a duration of at least {shortest * 3600:g} s"
        self.allowed = (
            f"must be {at_least} and at most 100 years (a number or a string like '45 min')"
        )

    def _convert(self, value, ctx):
        return parse_duration(value, ctx.time_unit)


class _Money(_Number):
    """An amount of currency: 0 up to :data:`MAX_MONEY`."""

    def __init__(self, *, positive: bool = False) -> None:
        super().__init__(0.0, MAX_MONEY, open_low=positive)
        lowest = "above 0" if positive else "from 0"
        self.allowed = f"must be an amount {lowest} up to {_plain(MAX_MONEY)}"


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
        if self.dimension == "cost":
            return _Money(positive=positive).parse(value, path, ctx)
        return _Number(*SERVICE_SCALE).parse(value, path, ctx)

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
                spread = {"time": _Duration(), "cost": _Money()}.get(self.dimension, _Number(0.0))
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
    """A promise: a level (fixed) or ``{policy = ..., ...}`` with a policy of
    :data:`sim.policies.PROMISE_POLICIES` (fixed, quantile, buffer, dynamic, match)."""

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
            "quantile": {"q": _Probability(strict=True), "by": _Text(("hour", "weekday_hour"))},
            "buffer": {
                "add": difference,
                "percent": _Number(0.0),
                "by": _Text(("hour", "weekday_hour")),
            },
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
