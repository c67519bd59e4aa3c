"""The CEL subset compiled to a tree of Python closures, evaluated against plain data.

Values are what JSON gives (null, bool, int, double, string, list, map) plus timestamps
(aware datetimes) and durations (timedeltas). An expression reaches nothing but its
activation's declared names and the declared functions: member access reads map keys,
never Python attributes, and the only methods are the ones listed in METHODS.

Semantics follow CEL, with these choices: ints and doubles compare and mix freely;
values of different kinds are never equal (true != 1); `a && b` and `a || b` are decided
by either side, so an error on one side does not matter when the other decides (as in
CEL); durations also accept days ("7d").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from firstmile.kit.expressions.parser import (
    Binary,
    Call,
    Conditional,
    Ident,
    Index,
    ListExpr,
    Literal,
    MapExpr,
    Node,
    ParseError,
    Select,
    Unary,
)
from firstmile.kit.expressions.runtime import (
    BINARY,
    BUILTINS,
    MACROS,
    METHODS,
    EvaluationError,
    Function,
    index_value,
    kind_of,
    need,
    negate,
    select_field,
)

Evaluator = Callable[[Mapping[str, Any]], Any]


# -- compiling ------------------------------------------------------------------------------


class Compiler:
    def __init__(self, source: str, names: frozenset[str], functions: Mapping[str, Function]):
        self.source, self.names, self.functions = source, names, functions

    def fail(self, message: str, node: Node) -> None:
        raise ParseError(message, node.offset, self.source)

    def compile(self, node: Node, scope: frozenset[str] = frozenset()) -> Evaluator:
        if isinstance(node, Literal):
            value = node.value
            return lambda _a: value
        if isinstance(node, Ident):
            return self._ident(node, scope)
        if isinstance(node, Select):
            return self._select(node, scope)
        if isinstance(node, Index):
            operand, index = self.compile(node.operand, scope), self.compile(node.index, scope)
            return lambda a: index_value(operand(a), index(a))
        if isinstance(node, Unary):
            operand = self.compile(node.operand, scope)
            if node.op == "!":
                return lambda a: not need(operand(a), "bool", "!")
            return lambda a: negate(operand(a))
        if isinstance(node, Binary):
            return self._binary(node, scope)
        if isinstance(node, Conditional):
            condition = self.compile(node.condition, scope)
            then = self.compile(node.then, scope)
            otherwise = self.compile(node.otherwise, scope)
            return lambda a: then(a) if need(condition(a), "bool", "?:") else otherwise(a)
        if isinstance(node, ListExpr):
            items = [self.compile(item, scope) for item in node.items]
            return lambda a: [item(a) for item in items]
        if isinstance(node, MapExpr):
            pairs = [(self.compile(k, scope), self.compile(v, scope)) for k, v in node.entries]
            return lambda a: {k(a): v(a) for k, v in pairs}
        if isinstance(node, Call):
            return self._call(node, scope)
        self.fail("unsupported expression", node)
        raise AssertionError

    def _ident(self, node: Ident, scope: frozenset[str]) -> Evaluator:
        name = node.name
        if name not in self.names and name not in scope:
            known = ", ".join(sorted(self.names)) or "none"
            self.fail(f"unknown name {name!r} (known: {known})", node)

        def read(a: Mapping[str, Any]) -> Any:
            try:
                return a[name]
            except KeyError:
                raise EvaluationError(f"{name!r} has no value here") from None

        return read

    def _select(self, node: Select, scope: frozenset[str]) -> Evaluator:
        operand, field = self.compile(node.operand, scope), node.field
        return lambda a: select_field(operand(a), field)

    def _binary(self, node: Binary, scope: frozenset[str]) -> Evaluator:
        left, right = self.compile(node.left, scope), self.compile(node.right, scope)
        if node.op in ("&&", "||"):
            return _logic(node.op == "&&", left, right)
        operation = BINARY[node.op]
        return lambda a: operation(left(a), right(a))

    def _call(self, node: Call, scope: frozenset[str]) -> Evaluator:
        if node.target is None and node.function == "has":
            return self._has(node, scope)
        if node.target is not None and node.function in MACROS:
            return self._macro(node, scope)
        args = [self.compile(arg, scope) for arg in node.args]
        if node.target is not None:
            if node.function not in METHODS:
                self.fail(f"unknown method {node.function!r}", node)
            arity, method = METHODS[node.function]
            if len(args) != arity:
                self.fail(f"{node.function}() takes {arity} argument(s)", node)
            target = self.compile(node.target, scope)
            return lambda a: method(target(a), *(arg(a) for arg in args))
        function = self.functions.get(node.function) or BUILTINS.get(node.function)
        if function is None:
            self.fail(f"unknown function {node.function!r}", node)
        assert function is not None
        if len(args) not in function.arities:
            takes = " or ".join(map(str, function.arities))
            self.fail(f"{node.function}() takes {takes} argument(s)", node)
        implementation = function.implementation
        if function.context:
            return lambda a: implementation(a, *(arg(a) for arg in args))
        if len(args) == 1:
            only = args[0]
            return lambda a: implementation(only(a))
        return lambda a: implementation(*(arg(a) for arg in args))

    def _has(self, node: Call, scope: frozenset[str]) -> Evaluator:
        if len(node.args) != 1 or not isinstance(node.args[0], Select):
            self.fail("has() takes one field selection, e.g. has(customer.vat_number)", node)
        selection = node.args[0]
        assert isinstance(selection, Select)
        operand, field = self.compile(selection.operand, scope), selection.field

        def has(a: Mapping[str, Any]) -> bool:
            value = operand(a)
            if kind_of(value) != "map":
                raise EvaluationError(f"has() needs a map, not a {kind_of(value)}")
            return field in value

        return has

    def _macro(self, node: Call, scope: frozenset[str]) -> Evaluator:
        if len(node.args) != 2 or not isinstance(node.args[0], Ident):
            self.fail(f"{node.function}() takes a variable name and an expression", node)
        assert node.target is not None
        assert isinstance(node.args[0], Ident)
        name = node.args[0].name
        target = self.compile(node.target, scope)
        body = self.compile(node.args[1], scope | {name})
        kind = node.function

        def run(a: Mapping[str, Any]) -> Any:
            items = target(a)
            if kind_of(items) == "map":
                items = list(items)
            need(items, "list", f"{kind}()")
            local = _Scope(a)

            def value_of(item: Any) -> Any:
                local[name] = item
                return body(local)

            if kind == "map":
                return [value_of(item) for item in items]
            if kind == "filter":
                return [item for item in items if need(value_of(item), "bool", "filter()")]
            hits = sum(1 for item in items if need(value_of(item), "bool", f"{kind}()"))
            if kind == "all":
                return hits == len(items)
            return hits > 0 if kind == "exists" else hits == 1

        return run


class _Scope(dict[str, Any]):
    """A macro's variables over the enclosing activation, which is read only on demand (it
    may compute a value the first time it is asked for it)."""

    def __init__(self, parent: Mapping[str, Any]) -> None:
        super().__init__()
        self.parent = parent

    def __missing__(self, key: str) -> Any:
        return self.parent[key]


def _logic(is_and: bool, left: Evaluator, right: Evaluator) -> Evaluator:
    decisive = not is_and  # the value of either side that decides: false for &&, true for ||
    what = "&&" if is_and else "||"

    def run(a: Mapping[str, Any]) -> bool:
        try:
            first = need(left(a), "bool", what)
        except EvaluationError:
            if need(right(a), "bool", what) is decisive:
                return bool(decisive)
            raise
        if first is decisive:
            return bool(decisive)
        return bool(need(right(a), "bool", what))

    return run


def compile_node(
    source: str, node: Node, names: Sequence[str], functions: Mapping[str, Function]
) -> Evaluator:
    return Compiler(source, frozenset(names), functions).compile(node)
