"""Static checks of a rule against the vocabulary: operations, facts and types.

JSON Schema (schema/rule.schema.json) says what a rule looks like; this
module says whether it means something: every var names a fact, numbers are
compared with numbers, enum facts only with values they can take, and the
whole condition is true or false. It also lists the facts and numeric
thresholds a rule uses, which region analysis and the TUI build on.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

from engine.contract import Vocabulary, allowed_operations

Parts = tuple[Any, ...]
# (relative path inside the rule, code, message)
Problem = tuple[Parts, str, str]

NUMBER, BOOLEAN, STRING, NULL, ANY, ARRAY = "number", "boolean", "string", "null", "any", "array"

_COMPARISONS = {"<", "<=", ">", ">="}
_EQUALITY = {"==", "===", "!=", "!=="}
_ARITHMETIC = {"+", "-", "*", "/", "%", "min", "max"}


class RuleType(NamedTuple):
    """The static type of an expression; `fact` is set for enum facts read by var.

    A named tuple, not a dataclass: the checker builds three per comparison,
    and a 100,000-wide `or` is a valid rule.
    """

    kind: str
    fact: str | None = None
    literal: Any = None
    is_literal: bool = False


# Operations ({"op": args} objects, `var` included) in one rule. The bundled rules use at most 12 and
# the hostile deep corpus 999; a 100,000-wide `or` took 5-10 s in every command. Literal values,
# including each value of an `in` list, are not operations and do not count.
MAX_OPERATIONS = 1_000


# Operations of all the claims of one ruleset file (E209): each rule under MAX_OPERATIONS was still
# no bound, since time grows with the total. 355 claims of 999 operations fit in the 5 MiB file
# limit and took 11 s in `accord conflicts` (arithmetic comparisons: 26 s). At this total the
# costliest shape measured stays under 5 s CPU in every command (benchmarks/HOSTILE.md), while
# the bundled rulesets use at most 93 and a 1,000-claim synthetic source 10,845.
MAX_RULESET_OPERATIONS = 40_000


def operation_count(rule: Any, limit: int = MAX_OPERATIONS) -> int:
    """Operations in `rule`, counted up to limit + 1 and no further: a huge rule costs no more than a legal one.

    Iterative, so any nesting is safe; of a list only the objects and lists
    in it are pushed, so a long literal list is one pass and nothing kept.
    """
    count = 0
    stack = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            count += 1
            if count > limit:
                return count
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))
    return count


def size_problem(rule: Any, limit: int = MAX_OPERATIONS, counted: int | None = None) -> Problem | None:
    """E208 at the rule itself when it has more than `limit` operations, else None.

    `counted`: the rule's operation_count, when the caller has it already (validate counts
    each rule once, for this limit and for the ruleset's total).
    """
    if (operation_count(rule, limit) if counted is None else counted) <= limit:
        return None
    return (
        (),
        "E208",
        f'this rule has more than {limit:,} operations (objects such as {{"<": ...}}); '
        "no clinical rule needs that many, and checking, evaluating and analysing it would take seconds: "
        "split it into several claims or use 'in' with a list of values",
    )


def total_problem(total: int, limit: int = MAX_RULESET_OPERATIONS, at_least: bool = False) -> str | None:
    """E209's message when the claims of one ruleset have more than `limit` operations in all, else None."""
    if total <= limit:
        return None
    counted = f"at least {total:,}" if at_least else f"{total:,}"
    return (
        f"the rules of this file's claims have {counted} operations in all, over the limit of {limit:,} "
        "for one ruleset; this claim's rule crosses it, and no rule from here on is checked. "
        "Evaluating and analysing that many would take seconds in every command: "
        "write fewer or smaller rules ('in' with a list of values costs two operations)"
    )


def check_rule(
    rule: Any, vocab: Vocabulary, top_level_boolean: bool = True, counted: int | None = None
) -> list[Problem]:
    """All problems in `rule`, each with its path relative to the rule (each reported once).

    A rule over MAX_OPERATIONS is refused first with E208 alone, before the
    (linear but slow) type checker walks it. `counted`: its operation_count, if known.
    """
    too_big = size_problem(rule, counted=counted)
    if too_big is not None:
        return [too_big]
    from engine.jsonlogic import CompileError
    from engine.jsonlogic.closures import rule_key

    try:
        key: tuple[Any, ...] | None = (rule_key(rule), top_level_boolean)
    except CompileError:  # too deep for any key: checked, never remembered
        key = None
    memo = _memo(vocab)
    found = memo.get(key) if key is not None else None
    if found is None:
        checker = _Checker(vocab)
        result = checker.check(rule, ())
        if top_level_boolean and not checker.problems and result.kind not in (BOOLEAN, ANY):
            checker.problems.append(((), "E202", f"a condition must be true or false, not a {result.kind}"))
        found = tuple(dict.fromkeys(checker.problems))
        if key is not None:
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = found
    return list(found)


# check_rule's answers by rule content (engine.jsonlogic.closures.rule_key: exact types, so 1, 1.0 and True
# stay apart), for the one vocabulary last asked about. Sources repeat each other's conditions: the
# 20 x 1,000 synthetic corpus has 20,001 rules, 1,002 distinct, and checking each again was a fifth of
# validation. Held beside a weak reference, so the answers go with the vocabulary (never an id() key).
_MEMO_SIZE = 100_000
_memo_slot: tuple[weakref.ref[Vocabulary], dict[tuple[Any, ...], tuple[Problem, ...]]] | None = None


def _memo(vocab: Vocabulary) -> dict[tuple[Any, ...], tuple[Problem, ...]]:
    global _memo_slot
    if _memo_slot is None or _memo_slot[0]() is not vocab:
        _memo_slot = (weakref.ref(vocab, _forget), {})
    return _memo_slot[1]


def _forget(ref: weakref.ref[Vocabulary]) -> None:
    global _memo_slot
    if _memo_slot is not None and _memo_slot[0] is ref:
        _memo_slot = None


def _finite_number(value: int | float) -> bool:
    """True when `value` converts to a finite float (a 401-digit integer does not: OverflowError)."""
    if isinstance(value, bool):
        return True
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def facts_used(rule: Any) -> list[str]:
    """Names of the facts a rule reads, in first-use order (rule already validated)."""
    seen: dict[str, None] = {}
    _walk_vars(rule, lambda name: seen.setdefault(name, None))
    return list(seen)


def operations_used(rule: Any) -> set[str]:
    """Every operation name in a rule, at any depth (iterative: safe on any nesting)."""
    found: set[str] = set()
    stack = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            found.update(node)
            stack.extend(node.values())
    return found


def _walk_vars(rule: Any, visit: Callable[[str], Any]) -> None:
    stack = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict) and len(node) == 1:
            ((op, args),) = node.items()
            if op == "var":
                name = args[0] if isinstance(args, list) and args else args
                if isinstance(name, str):
                    visit(name)
            else:
                stack.append(args)


class _Checker:
    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self.allowed = allowed_operations()
        self.problems: list[Problem] = []

    def add(self, parts: Parts, code: str, message: str) -> RuleType:
        self.problems.append((parts, code, message))
        return RuleType(ANY)

    def check(self, node: Any, parts: Parts) -> RuleType:
        if isinstance(node, bool):
            return RuleType(BOOLEAN, literal=node, is_literal=True)
        if isinstance(node, (int, float)):
            if not _finite_number(node):
                shown = f"a {len(str(abs(node)))}-digit integer" if isinstance(node, int) else repr(node)
                return self.add(
                    parts,
                    "E207",
                    f"{shown} is beyond the range of a number (about 1.8e308): region analysis and arithmetic cannot use it",
                )
            return RuleType(NUMBER, literal=node, is_literal=True)
        if isinstance(node, str):
            return RuleType(STRING, literal=node, is_literal=True)
        if node is None:
            return RuleType(NULL, literal=None, is_literal=True)
        if isinstance(node, list):
            for i, item in enumerate(node):
                self.check(item, parts + (i,))
            literal = all(not isinstance(i, (dict, list)) for i in node)
            return RuleType(ARRAY, literal=node if literal else None, is_literal=literal)
        if not isinstance(node, dict) or len(node) != 1:
            return self.add(parts, "E100", "an operation is an object with exactly one key")
        ((op, raw),) = node.items()
        here = parts + (op,)
        if op not in self.allowed:
            hint = self.vocab.suggest(op, sorted(self.allowed))
            if op == "method" or "." in op:
                why = "it would run code from the rule file"
            else:
                why = "it is not in Accord's JSON-Logic whitelist"
            return self.add(here, "E200", f"operation {op!r} is not allowed: {why}{hint}")
        if op == "var":
            return self.check_var(raw, here)
        args = raw if isinstance(raw, list) else [raw]
        arg_parts = [here + (i,) if isinstance(raw, list) else here for i in range(len(args))]
        types = [self.check(a, p) for a, p in zip(args, arg_parts)]
        if op in _COMPARISONS:
            if len(args) not in (2, 3) or (len(args) == 3 and op in (">", ">=")):
                return self.add(
                    here,
                    "E205",
                    f"{op!r} takes 2 arguments{' (or 3 for a range)' if op in ('<', '<=') else ''}, not {len(args)}",
                )
            for t, p in zip(types, arg_parts):
                self.expect(t, NUMBER, p, f"{op!r} compares numbers")
            return RuleType(BOOLEAN)
        if op in _EQUALITY:
            if len(args) != 2:
                return self.add(here, "E205", f"{op!r} takes 2 arguments, not {len(args)}")
            self.same_type(types, arg_parts, op)
            return RuleType(BOOLEAN)
        if op in ("!", "!!"):
            if len(args) != 1:
                return self.add(here, "E205", f"{op!r} takes 1 argument, not {len(args)}")
            self.expect(types[0], BOOLEAN, arg_parts[0], f"{op!r} negates a condition")
            return RuleType(BOOLEAN)
        if op in ("and", "or"):
            if not args:
                return self.add(here, "E205", f"{op!r} needs at least one argument")
            for t, p in zip(types, arg_parts):
                self.expect(t, BOOLEAN, p, f"{op!r} combines conditions")
            return RuleType(BOOLEAN)
        if op in ("if", "?:"):
            if len(args) < 3 or len(args) % 2 == 0:
                return self.add(
                    here,
                    "E205",
                    f"{op!r} takes condition, then, [condition, then, ...] else: an odd number of at least 3 arguments",
                )
            for i in range(0, len(args) - 1, 2):
                self.expect(types[i], BOOLEAN, arg_parts[i], "an 'if' condition")
            results = {t.kind for i, t in enumerate(types) if i % 2 == 1 or i == len(args) - 1}
            return RuleType(results.pop() if len(results) == 1 else ANY)
        if op == "in":
            return self.check_in(args, types, arg_parts, here)
        if op in _ARITHMETIC:
            if op in ("/", "%") and len(args) != 2:
                return self.add(here, "E205", f"{op!r} takes 2 arguments, not {len(args)}")
            if op == "-" and len(args) not in (1, 2):
                return self.add(here, "E205", f"'-' takes 1 or 2 arguments, not {len(args)}")
            if not args:
                return self.add(here, "E205", f"{op!r} needs at least one argument")
            for t, p in zip(types, arg_parts):
                self.expect(t, NUMBER, p, f"{op!r} is arithmetic")
            if op in ("/", "%") and types[1].is_literal and types[1].literal == 0:
                self.add(arg_parts[1], "E206", f"{op!r} by zero")
            return RuleType(NUMBER)
        return self.add(here, "E200", f"operation {op!r} is not supported in rules")  # pragma: no cover

    def check_var(self, raw: Any, here: Parts) -> RuleType:
        args = raw if isinstance(raw, list) else [raw]
        if len(args) != 1:
            return self.add(
                here,
                "E204",
                "var takes exactly one fact name; defaults are not allowed because a missing fact is unknown, not a default",
            )
        name = args[0]
        if not isinstance(name, str):
            return self.add(here, "E204", f"var must name a fact with a literal string, not {type(name).__name__}")
        fact = self.vocab.facts.get(name)
        if fact is None:
            return self.add(here, "E201", f"unknown fact {name!r}{self.vocab.suggest(name)}")
        if fact.type == "enum":
            return RuleType(STRING, fact=name)
        return RuleType(NUMBER if fact.type == "number" else BOOLEAN)

    def check_in(self, args: list[Any], types: list[RuleType], arg_parts: list[Parts], here: Parts) -> RuleType:
        if len(args) != 2:
            return self.add(here, "E205", f"'in' takes 2 arguments, not {len(args)}")
        needle, haystack = types
        if haystack.kind != ARRAY or not haystack.is_literal:
            return self.add(arg_parts[1], "E202", "'in' needs a literal list of values as its second argument")
        for i, item in enumerate(args[1]):
            item_type = self.check(item, arg_parts[1] + (i,))
            self.same_type([needle, item_type], [arg_parts[0], arg_parts[1] + (i,)], "in")
        return RuleType(BOOLEAN)

    def expect(self, t: RuleType, kind: str, parts: Parts, why: str) -> None:
        if t.kind in (kind, ANY):
            return
        shown = repr(t.literal) if t.is_literal else f"a {t.kind}"
        self.add(parts, "E202", f"{why}: expected a {kind}, got {shown}")

    def same_type(self, types: list[RuleType], parts: list[Parts], op: str) -> None:
        a, b = types
        if ANY in (a.kind, b.kind):
            return
        if a.kind != b.kind:
            self.add(
                parts[1],
                "E202",
                f"{op!r} compares a {a.kind} with {repr(b.literal) if b.is_literal else 'a ' + b.kind}",
            )
            return
        for fact_side, other, where in ((a, b, parts[1]), (b, a, parts[0])):
            if fact_side.fact and other.is_literal:
                allowed = self.vocab.facts[fact_side.fact].values
                if other.literal not in allowed:
                    hint = self.vocab.suggest(str(other.literal), list(allowed))
                    self.add(
                        where,
                        "E203",
                        f"{fact_side.fact} is one of {', '.join(allowed)}; {other.literal!r} is not{hint}",
                    )
