"""Values and operators of the expression language: what the compiled closures call.

Values are what JSON gives (null, bool, int, double, string, list, map) plus timestamps
(aware datetimes) and durations (timedeltas).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(d|h|ms|us|ns|m|s)")
UNITS = {
    "d": 86400.0,
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "ns": 1e-9,
}


class EvaluationError(Exception):
    """The expression could not be evaluated on this data (a missing key, a wrong type)."""


@dataclass(frozen=True, slots=True)
class Function:
    """A function the environment offers. With `context`, the implementation gets the
    activation first (e.g. to count the events of the customer being evaluated)."""

    name: str
    arities: tuple[int, ...]
    implementation: Callable[..., Any]
    context: bool = False


# -- value helpers --------------------------------------------------------------------------


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, datetime):
        return "timestamp"
    if isinstance(value, timedelta):
        return "duration"
    return type(value).__name__


def equals(a: Any, b: Any) -> bool:
    ka, kb = kind_of(a), kind_of(b)
    if ka != kb:
        return False
    if ka == "list":
        return len(a) == len(b) and all(equals(x, y) for x, y in zip(a, b, strict=True))
    if ka == "map":
        return a.keys() == b.keys() and all(equals(a[k], b[k]) for k in a)
    return bool(a == b)


def need(value: Any, kind: str, what: str) -> Any:
    if kind_of(value) != kind:
        raise EvaluationError(f"{what} needs a {kind}, not a {kind_of(value)}")
    return value


def parse_duration(text: Any) -> timedelta:
    need(text, "string", "duration()")
    body = text[1:] if text.startswith("-") else text
    parts = DURATION_PART.findall(body)
    if not parts or "".join(n + u for n, u in parts) != body:
        raise EvaluationError(f"not a duration: {text!r} (e.g. '90m', '24h', '7d')")
    seconds = sum(float(n) * UNITS[u] for n, u in parts)
    return timedelta(seconds=-seconds if text.startswith("-") else seconds)


def parse_timestamp(text: Any) -> datetime:
    need(text, "string", "timestamp()")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EvaluationError(f"not an RFC 3339 timestamp: {text!r}") from None
    if value.tzinfo is None:
        raise EvaluationError(f"a timestamp needs a time zone offset: {text!r}")
    return value


def _int(value: Any) -> int:
    kind = kind_of(value)
    try:
        if kind == "number":
            if isinstance(value, float) and not math.isfinite(value):
                raise EvaluationError("int() of an infinite or NaN double")
            return int(value)
        if kind == "string":
            return int(value)
        if kind == "timestamp":
            return int(value.timestamp())
    except ValueError:
        raise EvaluationError(f"int() cannot read {value!r}") from None
    raise EvaluationError(f"int() of a {kind}")


def _double(value: Any) -> float:
    kind = kind_of(value)
    try:
        if kind in ("number", "string"):
            return float(value)
    except ValueError:
        raise EvaluationError(f"double() cannot read {value!r}") from None
    raise EvaluationError(f"double() of a {kind}")


def _string(value: Any) -> str:
    kind = kind_of(value)
    if kind == "string":
        return str(value)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "number":
        return repr(value) if isinstance(value, float) else str(value)
    if kind == "timestamp":
        return str(value.isoformat().replace("+00:00", "Z"))
    if kind == "duration":
        return f"{value.total_seconds():g}s"
    raise EvaluationError(f"string() of a {kind}")


def _size(value: Any) -> int:
    if kind_of(value) in ("string", "list", "map"):
        return len(value)
    raise EvaluationError(f"size() of a {kind_of(value)}")


BUILTINS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("size", (1,), _size),
        Function("int", (1,), _int),
        Function("double", (1,), _double),
        Function("string", (1,), _string),
        Function("duration", (1,), parse_duration),
        Function("timestamp", (1,), parse_timestamp),
    )
}


def _str_method(name: str, fn: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def method(target: Any, arg: Any) -> bool:
        return fn(need(target, "string", f"{name}()"), need(arg, "string", f"{name}()"))

    return method


METHODS: dict[str, tuple[int, Callable[..., Any]]] = {
    "size": (0, _size),
    "startsWith": (1, _str_method("startsWith", str.startswith)),
    "endsWith": (1, _str_method("endsWith", str.endswith)),
    "contains": (1, _str_method("contains", str.__contains__)),
    "lowerAscii": (0, lambda s: need(s, "string", "lowerAscii()").lower()),
    "upperAscii": (0, lambda s: need(s, "string", "upperAscii()").upper()),
}
MACROS = frozenset({"all", "exists", "exists_one", "filter", "map"})


# -- operators ------------------------------------------------------------------------------


def _add(a: Any, b: Any) -> Any:
    ka, kb = kind_of(a), kind_of(b)
    if (ka, kb) in (("number", "number"), ("string", "string"), ("duration", "duration")):
        return a + b
    if (ka, kb) == ("list", "list"):
        return [*a, *b]
    if {ka, kb} == {"timestamp", "duration"}:
        return a + b
    raise EvaluationError(f"cannot add a {kb} to a {ka}")


def _subtract(a: Any, b: Any) -> Any:
    ka, kb = kind_of(a), kind_of(b)
    if (ka, kb) in (
        ("number", "number"),
        ("timestamp", "timestamp"),
        ("timestamp", "duration"),
        ("duration", "duration"),
    ):
        return a - b
    raise EvaluationError(f"cannot subtract a {kb} from a {ka}")


def _multiply(a: Any, b: Any) -> Any:
    need(a, "number", "*")
    need(b, "number", "*")
    return a * b


def _divide(a: Any, b: Any) -> Any:
    need(a, "number", "/")
    need(b, "number", "/")
    if isinstance(a, int) and isinstance(b, int):
        if b == 0:
            raise EvaluationError("division by zero")
        quotient = abs(a) // abs(b)
        return quotient if (a >= 0) == (b >= 0) else -quotient  # truncates, as CEL does
    if b == 0:
        return math.copysign(math.inf, a) if a else math.nan
    return a / b


def _modulo(a: Any, b: Any) -> Any:
    if not (kind_of(a) == kind_of(b) == "number" and isinstance(a, int) and isinstance(b, int)):
        raise EvaluationError("% needs two ints")
    if b == 0:
        raise EvaluationError("modulus by zero")
    return int(math.fmod(a, b))


def _ordered(op: str, compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def check(a: Any, b: Any) -> bool:
        ka, kb = kind_of(a), kind_of(b)
        if ka != kb or ka not in ("number", "string", "bool", "timestamp", "duration"):
            raise EvaluationError(f"cannot compare a {ka} {op} a {kb}")
        return compare(a, b)

    return check


def _contains(item: Any, container: Any) -> bool:
    kind = kind_of(container)
    if kind == "list":
        return any(equals(item, x) for x in container)
    if kind == "map":
        return bool(item in container) if kind_of(item) in ("string", "number", "bool") else False
    raise EvaluationError(f"'in' needs a list or a map, not a {kind}")


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": _subtract,
    "*": _multiply,
    "/": _divide,
    "%": _modulo,
    "==": equals,
    "!=": lambda a, b: not equals(a, b),
    "<": _ordered("<", lambda a, b: a < b),
    "<=": _ordered("<=", lambda a, b: a <= b),
    ">": _ordered(">", lambda a, b: a > b),
    ">=": _ordered(">=", lambda a, b: a >= b),
    "in": _contains,
}


def select_field(value: Any, field: str) -> Any:
    if kind_of(value) != "map":
        raise EvaluationError(f"cannot read .{field} of a {kind_of(value)}")
    try:
        return value[field]
    except KeyError:
        raise EvaluationError(f"no such key: {field}") from None


def index_value(value: Any, index: Any) -> Any:
    kind = kind_of(value)
    if kind == "list":
        if kind_of(index) != "number" or (isinstance(index, float) and not index.is_integer()):
            raise EvaluationError("a list index must be an int")
        position = int(index)
        if not 0 <= position < len(value):
            raise EvaluationError(f"index {position} out of range (size {len(value)})")
        return value[position]
    if kind == "map":
        try:
            return value[index]
        except (KeyError, TypeError):
            raise EvaluationError(f"no such key: {index!r}") from None
    raise EvaluationError(f"cannot index a {kind}")


def negate(value: Any) -> Any:
    if kind_of(value) in ("number", "duration"):
        return -value
    raise EvaluationError(f"cannot negate a {kind_of(value)}")
