"""The CEL subset: syntax, semantics, errors with positions, safety."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firstmile.kit.expressions import (
    CompileError,
    Environment,
    EvaluationError,
    Function,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CUSTOMER = {
    "kind": "individual",
    "language": "cs",
    "accounts": [{"kind": "residential", "plan": "mobile-10gb"}, {"kind": "business"}],
    "activated_at": datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
    "score": 7.5,
    "tags": ["vip"],
}
EVENTS = {"service.activated": 1, "portal.login": 0}


def _count(activation: dict[str, Any], event_type: str) -> int:
    return int(activation["counts"].get(event_type, 0))


ENV = Environment(
    names=["customer", "event", "now", "counts"],
    functions=[Function("count", (1,), _count, context=True)],
)


def _eval(source: str, **extra: Any) -> Any:
    activation = {"customer": CUSTOMER, "event": {}, "now": NOW, "counts": EVENTS, **extra}
    return ENV.compile(source).evaluate(activation)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 / 2", 3),
        ("-7 / 2", -3),  # truncates toward zero, as CEL
        ("-7 % 3", -1),
        ("7.0 / 2", 3.5),
        ('"a" + "b"', "ab"),
        ("[1, 2] + [3]", [1, 2, 3]),
        ("1 == 1.0", True),
        ("true == 1", False),  # values of different kinds are never equal
        ("null == null", True),
        ('customer.kind == "individual"', True),
        ("size(customer.accounts) > 1", True),
        ("customer.accounts.size()", 2),
        ('customer.accounts[1].kind == "business"', True),
        ('customer["language"]', "cs"),
        ('"vip" in customer.tags', True),
        ('"kind" in customer', True),
        ("has(customer.vat_number)", False),
        ("has(customer.kind)", True),
        ('customer.accounts.exists(a, a.kind == "business")', True),
        ('customer.accounts.all(a, a.kind == "business")', False),
        ('customer.accounts.exists_one(a, a.kind == "residential")', True),
        ('customer.accounts.filter(a, a.kind == "business").size()', 1),
        ("customer.accounts.map(a, a.kind)", ["residential", "business"]),
        ('customer.language.startsWith("c") && !customer.language.endsWith("z")', True),
        ('"Praha".lowerAscii().contains("ra")', True),
        ('customer.score >= 7 ? "high" : "low"', "high"),
        ("now - customer.activated_at < duration('7d')", True),
        ("now - duration('72h') > customer.activated_at", True),
        ("timestamp('2026-11-30T12:00:00Z') == now", True),
        ('count("service.activated") > 0 && count("portal.login") == 0', True),
        ("int('42') + int(2.9)", 44),
        ("string(1.5) + string(true)", "1.5true"),
        ('{"a": 1, "b": [true]}["b"][0]', True),
        ("'caf\\u00e9' == \"café\"", True),
        ("1 < 2 && 2 < 3 || false", True),
    ],
)
def test_evaluates(source: str, expected: Any) -> None:
    assert _eval(source) == expected


def test_and_or_are_decided_by_either_side() -> None:
    assert _eval("customer.missing == 1 || true") is True
    assert _eval("false && customer.missing == 1") is False
    assert _eval("customer.missing == 1 && false") is False
    with pytest.raises(EvaluationError, match="no such key: missing"):
        _eval("customer.missing == 1 && true")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("customer.nope", "no such key: nope"),
        ("customer.kind.length", "cannot read .length of a string"),
        ("1 / 0", "division by zero"),
        ('1 + "a"', "cannot add a string to a number"),
        ('1 < "a"', "cannot compare"),
        ("customer.accounts[5]", "out of range"),
        ("!1", "needs a bool"),
        ("duration('soon')", "not a duration"),
        ("timestamp('2026-11-30')", "needs a time zone"),
        ("size(1)", "size() of a number"),
    ],
)
def test_data_that_does_not_fit_is_an_evaluation_error(source: str, message: str) -> None:
    with pytest.raises(EvaluationError, match=re.escape(message)):
        _eval(source)


@pytest.mark.parametrize(
    ("source", "message", "line", "column"),
    [
        ("customer.kind ==", "unexpected 'end of the expression'", 1, 17),
        ("custmer.kind", "unknown name 'custmer'", 1, 1),
        ('customer.kind == "x" &&\n  shout("a")', "unknown function 'shout'", 2, 3),
        ("customer.kind.explode()", "unknown method 'explode'", 1, 14),
        ("size(1, 2)", "size() takes 1 argument(s)", 1, 1),
        ("has(customer)", "has() takes one field selection", 1, 1),
        ("[1, 2].exists(1, true)", "takes a variable name", 1, 7),
        ("'open", "unexpected character", 1, 1),
        ("1 $ 2", "unexpected character '$'", 1, 3),
        ("while", "reserved word", 1, 1),
        ("'\\q'", "unknown escape", 1, 2),
    ],
)
def test_a_bad_expression_is_reported_with_line_and_column(
    source: str, message: str, line: int, column: int
) -> None:
    with pytest.raises(CompileError) as caught:
        ENV.compile(source, field="steps.3.condition")
    assert message in caught.value.message
    assert (caught.value.line, caught.value.column) == (line, column)
    assert caught.value.field == "steps.3.condition"


def test_expressions_reach_no_python_attributes() -> None:
    with pytest.raises(EvaluationError):
        _eval('customer.kind.__class__ == ""')
    with pytest.raises(CompileError):
        ENV.compile("__import__('os')")
    with pytest.raises(CompileError):
        ENV.compile('"".join(["a"])')


def test_size_and_nesting_are_limited() -> None:
    with pytest.raises(CompileError, match="at most"):
        ENV.compile("1 + " * 2000 + "1")
    with pytest.raises(CompileError, match="nests deeper"):
        ENV.compile("(" * 60 + "1" + ")" * 60)


def test_a_condition_must_give_a_bool() -> None:
    program = ENV.compile("size(customer.accounts)")
    with pytest.raises(EvaluationError, match="true or false"):
        program.test({"customer": CUSTOMER})
    assert ENV.compile("size(customer.accounts) == 2").test({"customer": CUSTOMER}) is True


def test_comprehension_variables_do_not_leak() -> None:
    with pytest.raises(CompileError, match="unknown name 'a'"):
        ENV.compile("customer.accounts.exists(a, true) && a == 1")


ints = st.integers(min_value=-(10**6), max_value=10**6)


@given(a=ints, b=ints)
def test_integer_arithmetic_matches_cel(a: int, b: int) -> None:
    assert _eval(f"{a} + {b}") == a + b
    assert _eval(f"{a} - {b}") == a - b
    assert _eval(f"{a} * {b}") == a * b
    if b != 0:
        quotient = _eval(f"{a} / {b}")
        remainder = _eval(f"{a} % {b}")
        assert quotient * b + remainder == a  # CEL: truncated division
        assert abs(remainder) < abs(b)
    assert _eval(f"{a} < {b}") is (a < b)


@given(text=st.text(max_size=30))
def test_any_string_literal_round_trips(text: str) -> None:
    literal = '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else c for c in text) + '"'
    assert _eval(literal) == text


@given(st.text(max_size=60))
def test_arbitrary_input_never_crashes_the_compiler(source: str) -> None:
    try:
        program = ENV.compile(source)
    except CompileError:
        return
    with contextlib.suppress(EvaluationError):
        program.evaluate({"customer": CUSTOMER, "event": {}, "now": NOW, "counts": EVENTS})


def test_compiled_programs_are_reusable_and_independent() -> None:
    program = ENV.compile("count('x') + 1")
    assert program.evaluate({"counts": {"x": 1}}) == 2
    assert program.evaluate({"counts": {"x": 41}}) == 42
    assert program.source == "count('x') + 1"
    assert _eval("now + duration('1h30m')") == NOW + timedelta(minutes=90)
