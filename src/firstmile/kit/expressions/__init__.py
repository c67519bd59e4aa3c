"""The one expression language of firstmile: a subset of CEL (Common Expression Language).

Journeys (branch conditions, exit criteria), segments and offer rules all use it. An
`Environment` declares the names an expression may read and the functions it may call;
`Environment.compile` parses and checks a source once (unknown names and functions, wrong
argument counts and syntax errors are reported with line and column) and returns a
`Program`, which evaluates against plain data as often as needed:

    env = Environment(names=["customer", "event"])
    program = env.compile('customer.kind == "business" && size(customer.accounts) > 1')
    program.evaluate({"customer": {...}, "event": {...}})   # True / False, or EvaluationError

Supported: literals (int, double, string, bool, null, lists, maps), field selection and
indexing, ! - * / % + - < <= > >= == != in && || ?:, has(), size(), int(), double(),
string(), duration(), timestamp(), string methods startsWith/endsWith/contains/lowerAscii/
upperAscii, and the macros all/exists/exists_one/filter/map. See parser.py and
compiler.py for the details and the few deviations from CEL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from firstmile.kit.errors import InvalidInput
from firstmile.kit.expressions.compiler import Evaluator, compile_node
from firstmile.kit.expressions.parser import Call, Literal, Node, ParseError, parse, walk
from firstmile.kit.expressions.runtime import EvaluationError, Function, parse_duration

__all__ = [
    "CompileError",
    "Environment",
    "EvaluationError",
    "Function",
    "Program",
    "parse_duration",
]


class CompileError(InvalidInput):
    """The expression is not valid; `line` and `column` point at the problem."""

    code = "invalid_expression"

    def __init__(self, message: str, *, line: int, column: int, field: str | None) -> None:
        super().__init__(message, field=field, line=line, column=column)
        self.line, self.column = line, column


@dataclass(frozen=True)
class Program:
    source: str
    evaluator: Evaluator = field(repr=False)
    tree: Node = field(repr=False)

    def literal_arguments(self, function: str) -> list[tuple[Any, int]]:
        """The literal first arguments of every call of `function` (e.g. the event types
        a condition counts), with their offsets; a call with a computed argument gives
        (None, offset)."""
        found: list[tuple[Any, int]] = []
        for node in walk(self.tree):
            if isinstance(node, Call) and node.function == function and node.target is None:
                first = node.args[0] if node.args else None
                value = first.value if isinstance(first, Literal) else None
                found.append((value, node.offset))
        return found

    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        """The value of the expression; EvaluationError when the data does not fit it."""
        try:
            return self.evaluator(activation)
        except EvaluationError:
            raise
        except RecursionError:
            raise EvaluationError("the data is nested too deeply") from None

    def test(self, activation: Mapping[str, Any]) -> bool:
        """A condition's answer: the expression must give a bool."""
        value = self.evaluate(activation)
        if not isinstance(value, bool):
            raise EvaluationError(f"a condition must give true or false, not {value!r}")
        return value


@dataclass(frozen=True)
class Environment:
    names: Iterable[str]
    functions: Iterable[Function] = ()

    def compile(self, source: str, *, field: str | None = None) -> Program:
        """Parse and check `source`; `field` names where it came from in error reports."""
        try:
            tree = parse(source)
            functions = {f.name: f for f in self.functions}
            evaluator = compile_node(source, tree, list(self.names), functions)
        except ParseError as exc:
            raise CompileError(exc.message, line=exc.line, column=exc.column, field=field) from None
        return Program(source, evaluator, tree)
