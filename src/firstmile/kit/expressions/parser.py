"""Lexer and recursive-descent parser for the CEL subset (grammar of the CEL language
definition, github.com/google/cel-spec, doc/langdef.md):

    Expr           = ConditionalOr ["?" ConditionalOr ":" Expr]
    ConditionalOr  = [ConditionalOr "||"] ConditionalAnd
    ConditionalAnd = [ConditionalAnd "&&"] Relation
    Relation       = [Relation Relop] Addition        Relop = < <= >= > == != in
    Addition       = [Addition ("+" | "-")] Multiplication
    Multiplication = [Multiplication ("*" | "/" | "%")] Unary
    Unary          = Member | "!" {"!"} Member | "-" {"-"} Member
    Member         = Primary | Member "." IDENT ["(" [ExprList] ")"] | Member "[" Expr "]"
    Primary        = IDENT ["(" [ExprList] ")"] | "(" Expr ")" | "[" [ExprList] [","] "]"
                   | "{" [MapInits] [","] "}" | Literal

Literals: integers, doubles, strings in single or double quotes (with \\n \\t \\\\ \\' \\"
and \\uXXXX escapes), true, false, null. Not supported: bytes, unsigned integers, raw and
triple-quoted strings, message construction, the leading-dot name form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 4000  # characters of source
MAX_DEPTH = 40  # nesting of sub-expressions

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<double>\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)
  | (?P<int>\d+)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\|\||&&|==|!=|<=|>=|[-+*/%!<>?:.,()\[\]{}])
    """,
    re.VERBOSE,
)
KEYWORDS = {"true": True, "false": False, "null": None}
RESERVED = frozenset(
    {"as", "break", "const", "continue", "else", "for", "function", "if", "import", "let"}
    | {"loop", "package", "namespace", "return", "var", "void", "while"}
)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?"}


class ParseError(Exception):
    def __init__(self, message: str, offset: int, source: str) -> None:
        line = source.count("\n", 0, offset) + 1
        column = offset - (source.rfind("\n", 0, offset) + 1) + 1
        super().__init__(f"{message} (line {line}, column {column})")
        self.message, self.offset, self.line, self.column = message, offset, line, column


# -- the syntax tree ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    offset: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Ident(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Select(Node):
    operand: Node
    field: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    operand: Node
    index: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str
    target: Node | None  # receiver-style call: target.function(args)
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MapExpr(Node):
    entries: tuple[tuple[Node, Node], ...]


# -- lexing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # int, double, string, ident, op, end
    text: str
    offset: int
    value: Any = None


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_LENGTH:
        raise ParseError(f"an expression may have at most {MAX_LENGTH} characters", 0, source)
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        match = TOKEN.match(source, pos)
        if match is None:
            raise ParseError(f"unexpected character {source[pos]!r}", pos, source)
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "int":
            tokens.append(Token(kind, text, pos, int(text)))
        elif kind == "double":
            tokens.append(Token(kind, text, pos, float(text)))
        elif kind == "string":
            tokens.append(Token(kind, text, pos, _unescape(text, pos, source)))
        elif kind in ("ident", "op"):
            tokens.append(Token(kind, text, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(source)))
    return tokens


def _unescape(text: str, offset: int, source: str) -> str:
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in ESCAPES:
            out.append(ESCAPES[nxt])
            i += 2
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            raise ParseError(f"unknown escape \\{nxt}", offset + i + 1, source)
    return "".join(out)


# -- parsing --------------------------------------------------------------------------------


class Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.pos = 0
        self.depth = 0

    def parse(self) -> Node:
        node = self.expr()
        token = self.peek()
        if token.kind != "end":
            self.fail(f"unexpected {token.text!r}", token)
        return node

    # helpers
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, text: str) -> Token | None:
        token = self.peek()
        if token.kind == "op" and token.text == text:
            self.pos += 1
            return token
        if token.kind == "ident" and token.text == text == "in":
            self.pos += 1
            return token
        return None

    def expect(self, text: str) -> Token:
        token = self.accept(text)
        if token is None:
            found = self.peek()
            self.fail(f"expected {text!r} but found {found.text or 'the end'!r}", found)
        assert token is not None
        return token

    def fail(self, message: str, token: Token) -> None:
        raise ParseError(message, token.offset, self.source)

    # grammar
    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"the expression nests deeper than {MAX_DEPTH} levels", self.peek())
        try:
            condition = self.binary(0)
            mark = self.accept("?")
            if mark is None:
                return condition
            then = self.binary(0)
            self.expect(":")
            return Conditional(mark.offset, condition, then, self.expr())
        finally:
            self.depth -= 1

    LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("<", "<=", ">=", ">", "==", "!=", "in"),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary(self, level: int) -> Node:
        if level == len(self.LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while True:
            token = next((t for op in self.LEVELS[level] if (t := self.accept(op))), None)
            if token is None:
                return node
            node = Binary(token.offset, token.text, node, self.binary(level + 1))

    def unary(self) -> Node:
        for op in ("!", "-"):
            token = self.accept(op)
            if token is not None:
                operand = self.unary()
                if op == "-" and isinstance(operand, Literal) and _is_number(operand.value):
                    return Literal(token.offset, -operand.value)
                return Unary(token.offset, op, operand)
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if (dot := self.accept(".")) is not None:
                name = self.take()
                if name.kind != "ident":
                    self.fail("expected a field or method name after '.'", name)
                if self.accept("(") is not None:
                    node = Call(dot.offset, name.text, node, self.arguments(")"))
                else:
                    node = Select(dot.offset, node, name.text)
            elif (bracket := self.accept("[")) is not None:
                index = self.expr()
                self.expect("]")
                node = Index(bracket.offset, node, index)
            else:
                return node

    def primary(self) -> Node:
        token = self.take()
        if token.kind in ("int", "double", "string"):
            return Literal(token.offset, token.value)
        if token.kind == "ident":
            if token.text in KEYWORDS:
                return Literal(token.offset, KEYWORDS[token.text])
            if token.text in RESERVED or token.text == "in":
                self.fail(f"{token.text!r} is a reserved word", token)
            if self.accept("(") is not None:
                return Call(token.offset, token.text, None, self.arguments(")"))
            return Ident(token.offset, token.text)
        if token.kind == "op" and token.text == "(":
            node = self.expr()
            self.expect(")")
            return node
        if token.kind == "op" and token.text == "[":
            return ListExpr(token.offset, self.arguments("]"))
        if token.kind == "op" and token.text == "{":
            return MapExpr(token.offset, self.map_entries())
        self.fail(f"unexpected {token.text or 'end of the expression'!r}", token)
        raise AssertionError  # unreachable: fail raises

    def arguments(self, close: str) -> tuple[Node, ...]:
        items: list[Node] = []
        while self.accept(close) is None:
            items.append(self.expr())
            if self.accept(",") is None:
                self.expect(close)
                break
        return tuple(items)

    def map_entries(self) -> tuple[tuple[Node, Node], ...]:
        entries: list[tuple[Node, Node]] = []
        while self.accept("}") is None:
            key = self.expr()
            self.expect(":")
            entries.append((key, self.expr()))
            if self.accept(",") is None:
                self.expect("}")
                break
        return tuple(entries)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse(source: str) -> Node:
    return Parser(source).parse()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, depth first."""
    yield node
    children: tuple[Node, ...] = ()
    if isinstance(node, Select):
        children = (node.operand,)
    elif isinstance(node, Index):
        children = (node.operand, node.index)
    elif isinstance(node, Call):
        children = (*((node.target,) if node.target is not None else ()), *node.args)
    elif isinstance(node, Unary):
        children = (node.operand,)
    elif isinstance(node, Binary):
        children = (node.left, node.right)
    elif isinstance(node, Conditional):
        children = (node.condition, node.then, node.otherwise)
    elif isinstance(node, ListExpr):
        children = node.items
    elif isinstance(node, MapExpr):
        children = tuple(part for entry in node.entries for part in entry)
    for child in children:
        yield from walk(child)
