"""Vectorised rule evaluation: one JSON-Logic condition over many patients at once.

API (small on purpose)::

    fn = compile_mask(rule)
    true_mask, unknown_mask = fn(columns, present)

* ``columns``: fact name -> NumPy array of that fact's values, one element
  per patient (row). Numbers are float (or int) arrays, booleans bool arrays,
  enum facts arrays of their string values (dtype ``<U..`` or ``object``;
  integer codes are NOT used: compare with the vocabulary's strings).
  Arrays only need to be broadcast-compatible, not equal-length: region
  analysis passes an "open mesh" (each fact's array shaped ``(1, .., k, .., 1)``)
  so a claim that reads one fact costs one small array (pass only the columns
  the rule reads to keep the result small).
* ``present``: fact name -> bool array (same shape as its column), True where
  the patient has the fact. A fact absent from ``columns`` is missing for
  every row. A missing fact is UNKNOWN, never 0, false or null.
* Result: two bool arrays of the broadcast shape of every array passed in
  ``columns`` and ``present`` (``(n,)`` for equal-length 1-D columns). ``true_mask`` marks rows
  where the rule holds, ``unknown_mask`` rows where it cannot be decided
  (false = neither). They are never both True.

Semantics are those of ``engine.jsonlogic.closures`` in ``accord`` mode (Kleene
three-valued logic): ``and`` is false as soon as one argument is false, ``or``
true as soon as one is true, anything else touching UNKNOWN is UNKNOWN; an
``if`` whose deciding condition is unknown is unknown. Rows where a division
or modulo by zero happens are reported unknown (engine.evaluate reports such a
claim as not decidable too). Rules are assumed to have passed
``engine.rules.check_rule`` (type-correct: numbers compared with numbers,
enum facts with their values, ``in`` with a literal list); operations outside
Accord's whitelist (schema/rule.schema.json) raise ``CompileError``.

Compiled functions are cached by rule content.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from engine.jsonlogic.semantics import CompileError, loose_equal, strict_equal, to_number, truthy
from engine.jsonlogic.semantics import kind as value_kind
from engine.jsonlogic.shapes import MIRROR, ORDER_OPS, RUN_MIN, Found, comparison_runs, fact_comparison

Columns = dict[str, np.ndarray]
MaskFn = Callable[[Columns, Columns], tuple[np.ndarray, np.ndarray]]

# An intermediate value: (kind, values, unknown). kind is "bool", "num", "str"
# or "lit" (a Python literal, unknown False). values/unknown broadcast.
_V = tuple[str, Any, Any]
_Node = Callable[[Columns, Columns], _V]

_cache: dict[str, MaskFn] = {}


def compile_mask(rule: Any) -> MaskFn:
    """Compile `rule` to ``fn(columns, present) -> (true_mask, unknown_mask)`` (cached)."""
    key = json.dumps(rule, sort_keys=True, separators=(",", ":"))
    found = _cache.get(key)
    if found is None:
        node = _compile(rule)  # first: a rule outside the whitelist is a CompileError whichever path runs it

        def mask(columns: Columns, present: Columns, _node: _Node = node) -> tuple[np.ndarray, np.ndarray]:
            kind, values, unknown = _node(columns, present)
            known_true = _truth(kind, values)
            shape = _shape_of(columns, present, np.shape(known_true), np.shape(unknown))
            if unknown is False:  # every row decided: no mask to combine with
                return _own(known_true, shape, fresh=known_true is not values), np.zeros(shape, dtype=bool)
            unknown = np.asarray(unknown, dtype=bool)
            true_mask = np.logical_and(known_true, ~unknown)
            # true_mask is always a fresh array; unknown is copied unless it is one already (never a caller's array)
            return _own(true_mask, shape, fresh=True), _own(unknown, shape, fresh=unknown is not known_true)

        found = _band_mask(rule, mask) or mask
        if len(_cache) > 50_000:
            _cache.clear()
        _cache[key] = found
    return found


def _shape_of(columns: Columns, present: Columns, *more: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape of every array passed in (the shape of both masks).

    Equal shapes (equal-length columns, the common case) skip np.broadcast_shapes,
    which costs more than a 100,000-row comparison's Python overhead.
    """
    shapes = [*more, *(np.shape(c) for c in columns.values()), *(np.shape(p) for p in present.values())]
    first = shapes[0] if shapes else ()
    if all(shape == first for shape in shapes):
        return first
    return np.broadcast_shapes(*shapes)


# ---------------------------------------------------------------- band rules: the hand-written masks

# A band is one fact compared with number literals, every comparison holding:
# `x >= 30`, `30 <= x < 50` (fact, ((ufunc, threshold), ...)).
_Band = tuple[str, tuple[tuple[Any, float], ...]]
_UFUNCS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def _band(rule: Any) -> _Band | None:
    """`rule` as a band when it is a comparison (or a 3-argument range) of one fact with number literals."""
    found = fact_comparison(rule, ORDER_OPS)
    try:
        if found is not None:
            fact, op, literal, flipped = found
            if type(literal) not in (int, float):
                return None
            return fact, ((_UFUNCS[MIRROR[op] if flipped else op], float(literal)),)
        if type(rule) is dict and len(rule) == 1:
            ((op, args),) = rule.items()
            if op in ("<", "<=") and isinstance(args, list) and len(args) == 3:
                lo, var, hi = args
                middle = fact_comparison({op: [var, hi]}, ORDER_OPS)
                if middle is None or middle[3] or type(lo) not in (int, float) or type(hi) not in (int, float):
                    return None
                return middle[0], ((_UFUNCS[MIRROR[op]], float(lo)), (_UFUNCS[op], float(hi)))
    except OverflowError:  # an integer beyond float range (refused by the checker, E207): the general path
        return None
    return None


def _band_mask(rule: Any, general: MaskFn) -> MaskFn | None:
    """A direct mask for a band, or an and/or of bands and literals: what one writes by hand in NumPy.

    Literals are folded now (`false` decides an `and`, `true` an `or`, the
    others drop out), the bands of one fact share its present mask (a junction
    of them is unknown exactly where the fact is missing), and each array is
    combined in place; an absent present mask is a fact no row misses, so no
    unknown work is done for it. A column that is not numeric (JavaScript
    coercions) or not passed takes `general`, the compiled node tree. None
    when the rule has another shape.
    """
    band = _band(rule)
    if band is not None:
        return _junction_mask(True, [band], general)
    if type(rule) is not dict or len(rule) != 1:
        return None
    ((op, raw),) = rule.items()
    if op not in ("and", "or"):
        return None
    is_and = op == "and"
    bands: list[_Band] = []
    for item in _args(raw):
        if isinstance(item, (dict, list)):
            found = _band(item)
            if found is None:
                return None
            bands.append(found)
        elif truthy(item) is not is_and:  # false in an and, true in an or: decided whatever the facts
            return _constant_mask(not is_and)
    if not bands:
        return _constant_mask(is_and)
    return _junction_mask(is_and, bands, general)


def _constant_mask(value: bool) -> MaskFn:
    def constant(columns: Columns, present: Columns) -> tuple[np.ndarray, np.ndarray]:
        shape = _shape_of(columns, present)
        return np.full(shape, value, dtype=bool), np.zeros(shape, dtype=bool)

    return constant


def _junction_mask(is_and: bool, bands: list[_Band], general: MaskFn) -> MaskFn:
    """and/or over bands (see _band_mask): per fact one truth array, then Kleene across facts.

    and: true where every fact's bands hold and every fact is present;
    unknown where no present fact fails and some fact is missing.
    or: true where some present fact's bands hold; unknown where none
    holds and some fact is missing.
    """
    by_fact: dict[str, list[tuple[tuple[Any, float], ...]]] = {}
    for fact, compares in bands:
        by_fact.setdefault(fact, []).append(compares)
    groups = list(by_fact.items())
    combine = np.logical_and if is_and else np.logical_or

    def junction(columns: Columns, present: Columns) -> tuple[np.ndarray, np.ndarray]:
        parts: list[tuple[np.ndarray, np.ndarray | None]] = []
        for fact, leaves in groups:
            column = columns.get(fact)
            if column is None or column.dtype.kind not in "biuf":
                return general(columns, present)
            x = column if column.dtype == np.float64 else np.asarray(column, dtype=float)
            truth: Any = None
            for compares in leaves:
                leaf: Any = None
                for ufunc, threshold in compares:
                    hit = ufunc(x, threshold)
                    leaf = hit if leaf is None else np.logical_and(leaf, hit, out=leaf)
                truth = leaf if truth is None else combine(truth, leaf, out=truth)
            known = present.get(fact)
            parts.append((truth, None if known is None else np.asarray(known, dtype=bool)))
        masks = [p for _, p in parts if p is not None]
        if len(parts) == 1:
            known = parts[0][1]
            true_mask = _held(*parts[0])
            unknown = np.zeros(true_mask.shape, dtype=bool) if known is None else ~known
        elif is_and:
            failed: Any = None  # some present fact's bands fail: false whatever the others are
            if masks:
                for truth, known in parts:
                    fails = ~truth if known is None else _in_place(np.logical_and, ~truth, known)
                    failed = fails if failed is None else _in_place(np.logical_or, failed, fails)
            true_mask = parts[0][0]
            for truth, _ in parts[1:]:
                true_mask = _in_place(np.logical_and, true_mask, truth)
            unknown = _unknown(failed, masks, true_mask)
            for known in masks:
                true_mask = _in_place(np.logical_and, true_mask, known)
        else:
            true_mask = _held(*parts[0])
            for part in parts[1:]:
                true_mask = _in_place(np.logical_or, true_mask, _held(*part))
            unknown = _unknown(true_mask if masks else None, masks, true_mask)
        shape = _shape_of(columns, present, true_mask.shape, unknown.shape)
        return _own(true_mask, shape, fresh=True), _own(unknown, shape, fresh=True)

    return junction


def _held(truth: np.ndarray, known: np.ndarray | None) -> np.ndarray:
    """Rows where a fact's bands hold and the fact is present (`truth` is consumed)."""
    return truth if known is None else _in_place(np.logical_and, truth, known)


def _in_place(ufunc: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ufunc(a, b), into `a` when `a` has the result's shape (`a` is always an array this module made)."""
    if b.shape == a.shape or np.broadcast_shapes(a.shape, b.shape) == a.shape:
        return ufunc(a, b, out=a)  # type: ignore[no-any-return]
    return ufunc(a, b)  # type: ignore[no-any-return]


def _unknown(decided: np.ndarray | None, masks: list[np.ndarray], like: np.ndarray) -> np.ndarray:
    """Rows not `decided` where some fact is missing: not (decided or every fact present); all False without masks."""
    if decided is None or not masks:
        return np.zeros(like.shape, dtype=bool)
    every = masks[0]
    for known in masks[1:]:
        every = every & known
    unknown = np.logical_or(decided, every)
    return np.logical_not(unknown, out=unknown)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- helpers


def _own(mask: np.ndarray, shape: tuple[int, ...], fresh: bool) -> np.ndarray:
    """`mask` broadcast to `shape` as an array the caller owns (no copy when it already is one)."""
    if fresh and mask.shape == shape and mask.flags.owndata and mask.flags.writeable:
        return mask
    return np.broadcast_to(mask, shape).copy()


def _either(a: Any, b: Any) -> Any:
    """a | b for unknown masks, without copying when one side is the literal False."""
    if a is False:
        return b
    if b is False:
        return a
    return a | b


def _truth(kind: str, values: Any) -> Any:
    """JsonLogic truthiness, elementwise (values already known)."""
    if kind == "bool":
        return np.asarray(values, dtype=bool)
    if not isinstance(values, np.ndarray):
        return np.asarray(truthy(_py(values)) if kind == "lit" else _truth(kind, np.asarray(values)), dtype=bool)
    if kind == "num":
        v = np.asarray(values, dtype=float)
        return (v != 0) & ~np.isnan(v)
    if kind == "str":
        v = np.asarray(values)
        return np.vectorize(lambda s: len(str(s)) > 0, otypes=[bool])(v) if v.size else v.astype(bool)
    return np.vectorize(lambda v: truthy(_py(v)), otypes=[bool])(values) if values.size else values.astype(bool)


_KINDS = {"boolean": "bool", "number": "num", "string": "str"}  # semantics.kind -> this evaluator's kinds


def _kind_of_literal(value: Any) -> str:
    """The kind of a rule literal here: bool, num, str, or "lit" (null, lists, objects: Python values)."""
    return _KINDS.get(value_kind(value), "lit")


def _literal(value: Any) -> _Node:
    kind = _kind_of_literal(value)
    return lambda columns, present: (kind, value, False)


def _args(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else [raw]


# ---------------------------------------------------------------- compiler


def _compile(rule: Any) -> _Node:
    if isinstance(rule, list):
        raise CompileError("a list can only be the second argument of 'in'")
    if not isinstance(rule, dict):
        return _literal(rule)
    if len(rule) != 1:
        raise CompileError("an operation is an object with exactly one key")
    ((op, raw),) = rule.items()
    builder = _BUILDERS.get(op)
    if builder is None:
        raise CompileError(f"operation {op!r} is not supported in batch evaluation")
    return builder(op, raw)


def _var(op: str, raw: Any) -> _Node:
    args = _args(raw)
    if len(args) != 1 or not isinstance(args[0], str):
        raise CompileError("var must name one fact with a literal string")
    name = args[0]

    def var(columns: Columns, present: Columns) -> _V:
        column = columns.get(name)
        if column is None:
            return ("lit", None, True)
        known = present.get(name)
        unknown = ~np.asarray(known, dtype=bool) if known is not None else False
        if column.dtype == bool:
            kind = "bool"
        elif column.dtype.kind in "iuf":
            kind = "num"
        else:
            kind = "str"
        return (kind, column, unknown)

    return var


def _grouped(op: str, items: list[Any]) -> list[_Node]:
    """The junction's argument nodes, runs of one-fact comparisons with literals folded into one node.

    `x == 1 or x == 2 or ...` is one np.isin, `x < 1 or x < 5 ...` one
    comparison with the loosest threshold, so a 100,000-wide `or` costs one
    array operation instead of 100,000 (the closures fold the same runs).
    """
    out: list[_Node] = []
    for key, members in comparison_runs(op, items, _vector_run_key):
        if key is not None and len(members) >= RUN_MIN:
            out.append(_run_node(op, key, [item for item, _ in members]))
        else:
            out.extend(_compile(item) for item, _ in members)
    return out


def _vector_run_key(kind: str, found: Found) -> tuple[str, str] | None:
    """The run a comparison joins here: its fact, kind and literal kind (one array operation per run)."""
    literal = found[2]
    lit_kind = _kind_of_literal(literal)
    if lit_kind in ("num", "str") and literal == literal and not (kind == "order" and lit_kind != "num"):
        return (found[0], kind + ":" + lit_kind)
    return None


def _run_node(op: str, key: tuple[str, str], rules: list[Any]) -> _Node:
    """One node for a run of comparisons between fact `key[0]` and literals (see _grouped).

    A column of another kind than the literals (JavaScript coercions) takes
    the comparisons one by one, compiled on first need.
    """
    fact, shape = key
    kind, lit_kind = shape.split(":")
    is_and = op == "and"
    compiled: list[_Node] = []

    def fallback(columns: Columns, present: Columns) -> _V:
        if not compiled:
            compiled.append(_logic_nodes(op, [_compile(r) for r in rules]))
        return compiled[0](columns, present)

    parsed = [fact_comparison(r, ("==", "===", "!=", "!==", "<", "<=", ">", ">=")) for r in rules]
    literals = [p[2] for p in parsed if p is not None]
    by_op: dict[str, list[Any]] = {}
    for p in parsed:
        if p is not None:
            by_op.setdefault(MIRROR[p[1]] if (kind == "order" and p[3]) else p[1], []).append(p[2])
    pick_upper, pick_lower = (min, max) if is_and else (max, min)

    def run(columns: Columns, present: Columns) -> _V:
        column = columns.get(fact)
        if column is None:
            return fallback(columns, present)  # a fact missing for every row
        col_kind = "bool" if column.dtype == bool else ("num" if column.dtype.kind in "iuf" else "str")
        known = present.get(fact)
        unknown = ~np.asarray(known, dtype=bool) if known is not None else False
        if kind == "equal":
            if col_kind != lit_kind:
                return fallback(columns, present)
            values = np.asarray(column, dtype=object) if col_kind == "str" else column
            hit = np.isin(values, np.asarray(literals, dtype=object if col_kind == "str" else float))
            return ("bool", ~hit if is_and else hit, unknown)
        if col_kind not in ("num", "bool"):
            return fallback(columns, present)
        x = np.asarray(column, dtype=float)
        parts = []
        for o, compare in (("<", np.less), ("<=", np.less_equal), (">", np.greater), (">=", np.greater_equal)):
            if o in by_op:
                threshold = (pick_upper if o in ("<", "<=") else pick_lower)(by_op[o])
                parts.append(compare(x, float(threshold)))
        result = parts[0]
        for part in parts[1:]:
            result = (result & part) if is_and else (result | part)
        return ("bool", result, unknown)

    return run


def _logic(op: str, raw: Any) -> _Node:
    """and/or, literals folded now: `false` decides an `and` (`true` an `or`) whatever the facts, others drop out."""
    items = _args(raw)
    if not items:
        raise CompileError(f"{op!r} needs at least one argument")
    is_and = op == "and"
    nodes = _grouped(op, [i for i in items if isinstance(i, (dict, list))])  # compiled first: errors still raise
    literals = [truthy(i) for i in items if not isinstance(i, (dict, list))]
    if any(t is not is_and for t in literals):  # false in an and, true in an or
        return _literal(not is_and)
    if not nodes:  # only literals that decide nothing: an and of truthy ones is true, an or of falsy ones false
        return _literal(is_and)
    return _logic_nodes(op, nodes)


def _logic_nodes(op: str, nodes: list[_Node]) -> _Node:
    """and/or over the nodes' masks, gathered by shape before they are broadcast together.

    Kleene's and/or decide by "some argument decides" and "some argument is
    unknown", two ORs that do not depend on the order of the arguments. On an
    open mesh a comparison of one fact is an array along its axis only, so the
    arguments of each shape are ORed at that shape first and the few shapes are
    broadcast together once: an `or` of 499 comparisons cycling over four facts
    of a 1.5 M-cell grid costs about 500 small operations and a few full-size
    ones, not 1,000 full-size ones (5 such rules took 3.6 s of analysis).
    """
    is_and = op == "and"

    def logic(columns: Columns, present: Columns) -> _V:
        decided_by: dict[tuple[int, ...], Any] = {}  # some argument already decides (false for and, true for or)
        unknown_by: dict[tuple[int, ...], Any] = {}
        for node in nodes:
            kind, values, unk = node(columns, present)
            truth = _truth(kind, values)
            hit = ~truth if is_and else truth
            if unk is not False:
                hit = hit & ~np.asarray(unk, dtype=bool)
                where = np.shape(unk)
                unknown_by[where] = _either(unknown_by.get(where, False), unk)
            where = np.shape(hit)
            decided_by[where] = _either(decided_by.get(where, False), hit)
        decided: Any = False
        for part in decided_by.values():
            decided = _either(decided, part)
        unknown: Any = False
        for part in unknown_by.values():
            unknown = _either(unknown, part)
        if unknown is not False:  # never AND a literal False with arrays: no argument was unknown anywhere
            unknown = np.asarray(unknown, dtype=bool) & ~np.asarray(decided, dtype=bool)
        result = ~np.asarray(decided, dtype=bool) if is_and else np.asarray(decided, dtype=bool)
        return ("bool", result, unknown)

    return logic


def _not(op: str, raw: Any) -> _Node:
    args = _args(raw)
    if len(args) != 1:
        raise CompileError(f"{op!r} takes one argument")
    node = _compile(args[0])
    negate = op == "!"

    def not_(columns: Columns, present: Columns) -> _V:
        kind, values, unknown = node(columns, present)
        truth = _truth(kind, values)
        return ("bool", ~truth if negate else truth, unknown)

    return not_


def _equal(op: str, raw: Any) -> _Node:
    args = _args(raw)
    if len(args) != 2:
        raise CompileError(f"{op!r} takes 2 arguments")
    a, b = (_compile(x) for x in args)
    negate = op in ("!=", "!==")
    strict = op in ("===", "!==")

    def equal(columns: Columns, present: Columns) -> _V:
        ka, va, ua = a(columns, present)
        kb, vb, ub = b(columns, present)
        if ka == "lit" and kb == "lit":
            result: Any = (strict_equal if strict else loose_equal)(va, vb)
        elif ka == kb or (not strict and "lit" not in (ka, kb) and {ka, kb} <= {"num", "bool"}):
            result = np.asarray(va == vb) if ka != "str" else _str_equal(va, vb)
        else:
            # Different kinds: strict equality is false; loose equality via the scalar rules.
            result = np.vectorize(
                lambda x, y: (strict_equal if strict else loose_equal)(_py(x), _py(y)), otypes=[bool]
            )(va, vb)
        if negate:
            result = ~np.asarray(result, dtype=bool)
        return ("bool", result, _either(ua, ub))

    return equal


def _str_equal(a: Any, b: Any) -> Any:
    return np.asarray(np.asarray(a, dtype=object) == np.asarray(b, dtype=object), dtype=bool)


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _order(op: str, raw: Any) -> _Node:
    args = _args(raw)
    or_equal = op in ("<=", ">=")
    flip = op in (">", ">=")
    if len(args) == 3 and not flip:
        lo, mid, hi = (_compile(x) for x in args)

        def between(columns: Columns, present: Columns) -> _V:
            kx, x, ux = lo(columns, present)
            ky, y, uy = mid(columns, present)
            kz, z, uz = hi(columns, present)
            x, y, z = _num(kx, x), _num(ky, y), _num(kz, z)
            if or_equal:
                result = (x <= y) & (y <= z)
            else:
                result = (x < y) & (y < z)
            return ("bool", result, _either(_either(ux, uy), uz))

        return between
    if len(args) != 2:
        raise CompileError(f"{op!r} takes 2 arguments{' (or 3 for a range)' if not flip else ''}")
    a, b = (_compile(x) for x in args)
    if flip:
        a, b = b, a

    def order(columns: Columns, present: Columns) -> _V:
        ka, x, ua = a(columns, present)
        kb, y, ub = b(columns, present)
        x, y = _num(ka, x), _num(kb, y)
        result = (x <= y) if or_equal else (x < y)
        return ("bool", result, _either(ua, ub))

    return order


def _num(kind: str, values: Any) -> Any:
    """Numbers for comparison and arithmetic (booleans as 0/1, like JavaScript)."""
    if kind in ("num", "bool"):
        return np.asarray(values, dtype=float) if isinstance(values, np.ndarray) else float(values)
    if isinstance(values, np.ndarray):
        return np.vectorize(lambda v: float(to_number(_py(v))), otypes=[float])(values)
    return float(to_number(values))


def _arith(op: str, raw: Any) -> _Node:
    """Arithmetic over columns; rows where the result overflows to infinity are unknown.

    engine.jsonlogic.closures raises RuleError there (like a division by zero), so a
    claim is never decided on an infinite intermediate value.
    """
    inner = _arith_values(op, raw)

    def arith(columns: Columns, present: Columns) -> _V:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            kind, result, unknown = inner(columns, present)
            if kind == "num":
                overflow = np.isinf(result)
                if np.any(overflow):
                    unknown = _either(unknown, overflow)
        return (kind, result, unknown)

    return arith


def _arith_values(op: str, raw: Any) -> _Node:
    nodes = [_compile(a) for a in _args(raw)]

    def arith(columns: Columns, present: Columns) -> _V:
        parts = [node(columns, present) for node in nodes]
        unknown: Any = False
        for _, _, u in parts:
            unknown = _either(unknown, u)
        vals = [_num(k, v) for k, v, _ in parts]
        if op == "+":
            result: Any = sum(vals[1:], vals[0]) if vals else 0.0
        elif op == "*":
            result = vals[0] if vals else 1.0
            for v in vals[1:]:
                result = result * v
        elif op == "-":
            result = -vals[0] if len(vals) == 1 else vals[0] - vals[1]
        elif op in ("/", "%"):
            x, y = vals[0], vals[1]
            zero = np.asarray(y) == 0
            safe = np.where(zero, 1.0, y)
            result = (x / safe) if op == "/" else np.fmod(x, safe)
            unknown = unknown | zero  # division by zero: undecidable, like a RuleError
        else:  # min, max
            if not vals:
                return ("lit", None, unknown)
            pick = np.minimum if op == "min" else np.maximum
            result = vals[0]
            for v in vals[1:]:
                result = pick(result, v)
        return ("num", result, unknown)

    return arith


def _in(op: str, raw: Any) -> _Node:
    args = _args(raw)
    if len(args) != 2 or not isinstance(args[1], list) or any(isinstance(i, (dict, list)) for i in args[1]):
        raise CompileError("'in' needs a value and a literal list of values")
    needle = _compile(args[0])
    items = list(args[1])

    def in_(columns: Columns, present: Columns) -> _V:
        kind, values, unknown = needle(columns, present)
        if kind == "lit":
            return ("bool", any(strict_equal(values, i) for i in items), unknown)
        wanted = [i for i in items if _kind_of_literal(i) == kind]
        if not wanted:
            return ("bool", np.zeros(np.shape(values), dtype=bool), unknown)
        if kind == "str":
            result = np.isin(np.asarray(values, dtype=object), np.asarray(wanted, dtype=object))
        else:
            result = np.isin(values, wanted)
        return ("bool", result, unknown)

    return in_


_UNSET = object()


def _if(op: str, raw: Any) -> _Node:
    nodes = [_compile(a) for a in _args(raw)]
    if len(nodes) < 1:
        raise CompileError(f"{op!r} needs arguments")

    def if_(columns: Columns, present: Columns) -> _V:
        # Walk the branches; `open_` marks rows not yet decided by an earlier condition.
        open_: Any = True
        unknown: Any = False
        result: Any = _UNSET  # None is a value here ({"if": [false, "x"]} is null)
        kinds: set[str] = set()
        i, n = 0, len(nodes)
        chosen: list[tuple[Any, _V]] = []
        while i < n - 1:
            kc, vc, uc = nodes[i](columns, present)
            truth = _truth(kc, vc)
            unknown = unknown | (open_ & uc)
            take = open_ & truth & ~np.asarray(uc, dtype=bool)
            chosen.append((take, nodes[i + 1](columns, present)))
            open_ = open_ & ~truth & ~np.asarray(uc, dtype=bool)
            i += 2
        chosen.append((open_, nodes[i](columns, present) if i == n - 1 else ("lit", None, False)))
        for _, (k, _, _) in chosen:
            kinds.add(k)
        kind = kinds.pop() if len(kinds) == 1 else "lit"
        for take, (_k, v, u) in reversed(chosen):
            result = v if result is _UNSET else np.where(take, v, result)
            unknown = unknown | (take & u)
        if kind == "lit" and isinstance(result, np.ndarray):
            result = result.astype(object)
        return (kind, result, unknown)

    return if_


_BUILDERS: dict[str, Callable[[str, Any], _Node]] = {
    "var": _var,
    "and": _logic,
    "or": _logic,
    "!": _not,
    "!!": _not,
    "==": _equal,
    "===": _equal,
    "!=": _equal,
    "!==": _equal,
    "<": _order,
    "<=": _order,
    ">": _order,
    ">=": _order,
    "+": _arith,
    "-": _arith,
    "*": _arith,
    "/": _arith,
    "%": _arith,
    "min": _arith,
    "max": _arith,
    "in": _in,
    "if": _if,
    "?:": _if,
}
