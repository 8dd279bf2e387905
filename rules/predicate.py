"""The small expression language of custom policy rules: a predicate over one component.

    fan_in >= 4 and not monitoring.alerts
    kind in ['database', 'cache'] and replicas < 2 and tier == 'critical'
    utilization > 0.5 or runway <= 4

Grammar (no eval, no attribute access beyond the names listed in `NAMES`):

    expr    := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | compare
    compare := sum (('=='|'!='|'<'|'<='|'>'|'>='|'in'|'not in') sum)?
    sum     := product (('+'|'-') product)*
    product := unary (('*'|'/') unary)*
    unary   := '-' unary | atom
    atom    := NUMBER | STRING | NAME | true | false | null | '(' expr ')' | '[' items ']'

A metric the model cannot give (no capacity, so no utilization) is null: an ordering
comparison with null is false, so a custom rule stays silent rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archrev.model.types import Component
from archrev.rules.facts import Facts

Value = Any
Getter = Callable[[Facts, Component], Value]


def _enum(value: Any) -> Any:
    return getattr(value, "value", value)


def _field(name: str) -> Getter:
    return lambda facts, comp: _enum(getattr(comp, name))


def _peak_util(facts: Facts, comp: Component) -> float | None:
    util = facts.utilization(comp.id)
    return None if util is None else util[-1]


def _now_util(facts: Facts, comp: Component) -> float | None:
    util = facts.utilization(comp.id)
    return None if util is None else util[0]


# Every name an expression or a message may use, with what it means (for the docs).
NAMES: dict[str, tuple[Getter, str]] = {
    "id": (_field("id"), "component id"),
    "name": (lambda f, c: c.display_name, "display name (the id when no name is set)"),
    "kind": (_field("kind"), "kind: service, database, cache, queue, ..."),
    "technology": (_field("technology"), "technology"),
    "owner": (_field("owner"), "owning team ('' when unset)"),
    "tier": (_field("tier"), "critical, standard or non_critical"),
    "group": (_field("group"), "group"),
    "tags": (lambda f, c: list(c.tags), "list of tags: use `'pci' in tags`"),
    "replicas": (_field("replicas"), "fixed replicas"),
    "zones": (_field("zones"), "availability zones"),
    "stateful": (lambda f, c: c.is_stateful, "keeps data (explicit, or by kind)"),
    "failover": (_field("failover"), "none, manual or automatic"),
    "read_replicas": (_field("read_replicas"), "read replicas"),
    "sharded": (_field("sharded"), "sharded"),
    "backups": (_field("backups"), "backed up"),
    "spot": (_field("spot"), "runs on spot/preemptible capacity"),
    "serverless": (_field("serverless"), "serverless"),
    "peak_rps": (_field("peak_rps"), "demand entering here at peak (entry points)"),
    "capacity_rps": (_field("capacity_rps"), "requests per second one replica serves"),
    "latency_ms": (_field("latency_ms"), "p95 latency of one call"),
    "read_ratio": (_field("read_ratio"), "share of reads"),
    "hit_ratio": (_field("hit_ratio"), "cache hit ratio"),
    "growth_per_year": (lambda f, c: f.growth(c.id), "growth in force (own or the system's)"),
    "cost_per_month": (_field("cost_per_month"), "cost per month"),
    "measured_utilization": (_field("utilization"), "measured average utilization, 0..1"),
    "workaround": (_field("workaround"), "marked as a workaround"),
    "deprecated": (_field("deprecated"), "marked deprecated"),
    "review_by": (
        lambda f, c: None if c.review_by is None else c.review_by.isoformat(),
        "review date as 'YYYY-MM-DD'",
    ),
    "autoscaling": (lambda f, c: c.autoscaling is not None, "has an autoscaler"),
    "autoscaling.min": (
        lambda f, c: None if c.autoscaling is None else c.autoscaling.min,
        "autoscaler floor",
    ),
    "autoscaling.max": (
        lambda f, c: None if c.autoscaling is None else c.autoscaling.max,
        "autoscaler ceiling (null when unbounded)",
    ),
    "monitoring.metrics": (lambda f, c: c.monitoring.metrics, "exports metrics"),
    "monitoring.alerts": (lambda f, c: c.monitoring.alerts, "has alerts"),
    "monitoring.tracing": (lambda f, c: c.monitoring.tracing, "propagates traces"),
    "monitoring.cost_tags": (lambda f, c: c.monitoring.cost_tags, "carries cost tags"),
    # computed metrics
    "fan_in": (lambda f, c: f.fan_in(c.id), "distinct components linking to it"),
    "fan_out": (lambda f, c: f.fan_out(c.id), "distinct components it links to"),
    "sync_fan_out": (lambda f, c: len(f.sync_targets[c.id]), "distinct synchronous targets"),
    "instability": (lambda f, c: f.instability[c.id], "Martin's I = Ce/(Ca+Ce), 0..1"),
    "instances": (lambda f, c: c.instances, "replicas always running"),
    "single_instance": (lambda f, c: c.single_instance, "one replica, no autoscaler min >= 2"),
    "entry_point": (lambda f, c: c.id in f.entry_points, "an entry point"),
    "on_serving_path": (lambda f, c: c.id in f.serving_path, "holds up requests"),
    "in_cycle": (lambda f, c: c.id in f.scc_of, "part of a dependency cycle"),
    "load": (lambda f, c: f.load[c.id], "modelled peak requests per second reaching it"),
    "capacity": (lambda f, c: f.capacity[c.id], "requests per second it can carry (null unknown)"),
    "utilization": (_now_util, "utilization now (load / capacity)"),
    "peak_utilization": (_peak_util, "projected utilization at the end of the horizon"),
    "runway": (lambda f, c: f.runway(c.id), "quarters until utilization reaches 0.8 (null never)"),
    "blast_radius": (
        lambda f, c: f.failed_count(c.id),
        "components that fail with it (itself included)",
    ),
    "entry_points_cut": (
        lambda f, c: len(f.entry_points_in(f.entry_points_using.get(c.id, 0))),
        "entry points that go down with it",
    ),
    "sync_chain": (
        lambda f, c: f.sync_chain_through(c.id),
        "hops of the longest synchronous chain from an entry point through it",
    ),
}


class ExpressionError(ValueError):
    """A predicate or message that cannot be compiled; `offset` is where, in the text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,|\+|-|\*|/)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
# Brackets, `not` and unary minus nest the recursive-descent parser (and the compiled
# closures, which call each other as deep): past this a policy is refused with its position
# instead of overflowing Python's stack. No honest predicate comes near it.
MAX_NESTING = 32


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # number, string, name, op, kw, end
    text: str
    offset: int


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            start = len(text) - len(text[pos:].lstrip())
            raise ExpressionError(f"unexpected character {text[start]!r}", start)
        kind = m.lastgroup or "op"
        value = m.group(kind)
        start = m.start(kind)
        if kind == "name" and value in _KEYWORDS:
            kind = "kw"
        out.append(_Tok(kind, value, start))
        pos = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


Compiled = Callable[[Callable[[str], Value]], Value]


def _ordered(op: str) -> Callable[[Value, Value], bool]:
    import operator

    fn = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]

    def compare(a: Value, b: Value) -> bool:
        if a is None or b is None:
            return False
        if isinstance(a, str) != isinstance(b, str):
            return False
        try:
            return bool(fn(a, b))
        except TypeError:  # e.g. a list against a number: not comparable, so not true
            return False

    return compare


def _arith(op: str) -> Callable[[Value, Value], Value]:
    def apply(a: Value, b: Value) -> Value:
        if not isinstance(a, int | float) or not isinstance(b, int | float):
            return None
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return None if b == 0 else a / b

    return apply


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.names: set[str] = set()
        self.depth = 0

    def deeper(self, offset: int) -> None:
        """Enter one more level of nesting; refuse past `MAX_NESTING`."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionError(
                f"expression nested too deeply (more than {MAX_NESTING} levels of brackets, "
                "`not` or `-`); simplify it",
                offset,
            )

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self, kind: str, text: str | None = None) -> bool:
        tok = self.tok
        if tok.kind == kind and (text is None or tok.text == text):
            self.i += 1
            return True
        return False

    def expect(self, kind: str, text: str) -> None:
        if not self.take(kind, text):
            raise ExpressionError(f"expected '{text}' here", self.tok.offset)

    def parse(self) -> Compiled:
        node = self.expr()
        if self.tok.kind != "end":
            raise ExpressionError(f"unexpected {self.tok.text!r}", self.tok.offset)
        return node

    def expr(self) -> Compiled:
        parts = [self.conj()]
        while self.take("kw", "or"):
            parts.append(self.conj())
        if len(parts) == 1:
            return parts[0]
        return lambda env: any(bool(p(env)) for p in parts)

    def conj(self) -> Compiled:
        parts = [self.negation()]
        while self.take("kw", "and"):
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        return lambda env: all(bool(p(env)) for p in parts)

    def negation(self) -> Compiled:
        if self.take("kw", "not"):
            self.deeper(self.toks[self.i - 1].offset)
            inner = self.negation()
            self.depth -= 1
            return lambda env: not bool(inner(env))
        return self.compare()

    def compare(self) -> Compiled:
        left = self.sum()
        tok = self.tok
        if tok.kind == "op" and tok.text in ("==", "!=", "<", "<=", ">", ">="):
            self.i += 1
            right = self.sum()
            if tok.text == "==":
                return lambda env: left(env) == right(env)
            if tok.text == "!=":
                return lambda env: left(env) != right(env)
            cmp = _ordered(tok.text)
            return lambda env: cmp(left(env), right(env))
        negate = False
        if tok.kind == "kw" and tok.text == "not" and self.toks[self.i + 1].text == "in":
            self.i += 1
            negate = True
        if self.take("kw", "in"):
            right = self.sum()

            def member(env: Callable[[str], Value]) -> bool:
                needle, hay = left(env), right(env)
                if isinstance(hay, str):
                    found = isinstance(needle, str) and needle in hay
                elif isinstance(hay, list):
                    found = needle in hay
                else:
                    found = False
                return found != negate

            return member
        if negate:
            raise ExpressionError("expected 'in' after 'not'", self.tok.offset)
        return left

    def sum(self) -> Compiled:
        return self._chain(self.product, ("+", "-"))

    def product(self) -> Compiled:
        return self._chain(self.unary, ("*", "/"))

    def _chain(self, operand: Callable[[], Compiled], ops: tuple[str, ...]) -> Compiled:
        """`a + b - c ...` as one flat list applied left to right: a long chain must not
        become as many nested closures (evaluating them would overflow the stack)."""
        first = operand()
        rest: list[tuple[Callable[[Value, Value], Value], Compiled]] = []
        while self.tok.kind == "op" and self.tok.text in ops:
            fn = _arith(self.tok.text)
            self.i += 1
            rest.append((fn, operand()))
        if not rest:
            return first

        def apply(env: Callable[[str], Value]) -> Value:
            value = first(env)
            for fn, right in rest:
                value = fn(value, right(env))
            return value

        return apply

    def unary(self) -> Compiled:
        if self.take("op", "-"):
            self.deeper(self.toks[self.i - 1].offset)
            inner = self.unary()
            self.depth -= 1
            return lambda env: _arith("-")(0, inner(env))
        return self.atom()

    def atom(self) -> Compiled:
        tok = self.tok
        self.i += 1
        if tok.kind == "number":
            value: Value = float(tok.text) if any(ch in tok.text for ch in ".eE") else int(tok.text)
            return lambda env: value
        if tok.kind == "string":
            text = re.sub(r"\\(.)", r"\1", tok.text[1:-1])
            return lambda env: text
        if tok.kind == "kw" and tok.text in ("true", "false", "null"):
            const = {"true": True, "false": False, "null": None}[tok.text]
            return lambda env: const
        if tok.kind == "name":
            if tok.text not in NAMES:
                import difflib

                close = difflib.get_close_matches(tok.text, list(NAMES), n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ExpressionError(f"unknown name '{tok.text}'{hint}", tok.offset)
            name = tok.text
            self.names.add(name)
            return lambda env: env(name)
        if tok.kind == "op" and tok.text == "(":
            self.deeper(tok.offset)
            inner = self.expr()
            self.expect("op", ")")
            self.depth -= 1
            return inner
        if tok.kind == "op" and tok.text == "[":
            self.deeper(tok.offset)
            items: list[Compiled] = []
            if not self.take("op", "]"):
                items.append(self.expr())
                while self.take("op", ","):
                    items.append(self.expr())
                self.expect("op", "]")
            self.depth -= 1
            return lambda env: [item(env) for item in items]
        what = "the end of the expression" if tok.kind == "end" else repr(tok.text)
        raise ExpressionError(f"expected a value, got {what}", tok.offset)


@dataclass(frozen=True)
class Predicate:
    """A compiled predicate; call it with the facts and a component."""

    text: str
    _fn: Compiled
    names: frozenset[str]

    def __call__(self, facts: Facts, comp: Component) -> bool:
        cache: dict[str, Value] = {}

        def env(name: str) -> Value:
            if name not in cache:
                cache[name] = NAMES[name][0](facts, comp)
            return cache[name]

        return bool(self._fn(env))


def compile_predicate(text: str) -> Predicate:
    parser = _Parser(text)
    fn = parser.parse()
    return Predicate(text, fn, frozenset(parser.names))


_SLOT = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class MessageTemplate:
    """A message with `{name}` slots filled from the same names as predicates."""

    text: str
    names: tuple[str, ...]

    def render(self, facts: Facts, comp: Component) -> str:
        def fill(m: re.Match[str]) -> str:
            return format_value(NAMES[m.group(1).strip()][0](facts, comp))

        return _SLOT.sub(fill, self.text)


def compile_message(text: str) -> MessageTemplate:
    names = []
    for m in _SLOT.finditer(text):
        name = m.group(1).strip()
        if name not in NAMES:
            import difflib

            close = difflib.get_close_matches(name, list(NAMES), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ExpressionError(f"unknown name '{{{name}}}'{hint}", m.start())
        names.append(name)
    return MessageTemplate(text, tuple(names))


def format_value(value: Value) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
