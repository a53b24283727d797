"""Question shapes (schema/shapes.yaml): how one source's answers combine, and when two sources' really disagree.

The one reader of shapes.yaml. engine.evaluate.resolve asks `resolve_groups` how the
values of one source's applying claims combine (cardinality, order, implications,
exclusions, axes, qualifiers); region analysis asks `value_sets_disagree` whether two
sources' answers are worth locating, and engine.conflicts asks `relate_value_sets`
whether such a finding is a conflict (the values contradict) or a precision note
(compatible values, one more precise). Nothing here names a question or a value:
everything is read from the data, so a changed shapes file changes behaviour.

Answers are compared by value key (engine.model.value_key); a claim with qualifiers
has the key `value_key(value) + QUALIFIER_SEP + value_key(qualifiers)`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.model import QUALIFIER_SEP, value_key
from engine.textsafe import clip

if TYPE_CHECKING:
    from engine.contract import Vocabulary

ONE, MANY = "one", "many"

# How two values of one question relate (relation()).
APART = "apart"  # on different axes or under qualifiers that are not compared: never compared
SAME = "same"
REFINES = "refines"  # the first implies the second: it is a kind of it, more precise
REFINED_BY = "refined_by"
COMPATIBLE = "compatible"  # declared compatible: both may hold
EXCLUSIVE = "exclusive"  # declared exclusive: cannot both hold
DIFFERENT = "different"  # nothing declared: contradict on cardinality one, accumulate on many

# How two sources' answers relate (relate_value_sets()).
AGREE, PRECISION, CONTRADICT = "agree", "precision", "contradict"

SUBSUMED, CONFLICTING = "subsumed", "conflicting"  # what an implication does inside one source


class ShapeError(ValueError):
    """A shapes file whose relations cannot hold (unknown name, contradiction, cycle); `path` points into it."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(f"{message} (at /{'/'.join(map(str, path))})")
        self.path, self.message = path, message


@dataclass(frozen=True)
class Ref:
    """One value (its key) or every value a JSON Schema accepts."""

    key: str | None = None
    schema: dict[str, Any] | None = None

    def matches(self, vkey: str, value: Any) -> bool:
        if self.key is not None:
            return self.key == vkey
        return _schema_accepts(self.schema or {}, value)

    def text(self) -> str:
        return self.key if self.key is not None else "values matching " + json.dumps(self.schema, sort_keys=True)


def _schema_accepts(schema: dict[str, Any], value: Any) -> bool:
    """A pattern's verdict. jsonschema-rs alone (a pattern's "no" needs no explaining, and `accord validate`
    never imports the jsonschema package); the reference implementation only where there is no wheel."""
    return bool(_validator(json.dumps(schema, sort_keys=True), _pattern_validator).is_valid(value))


def _pattern_validator(schema: dict[str, Any]) -> Any:
    from engine.contract import value_validator

    try:
        import jsonschema_rs
    except ImportError:
        return value_validator(schema)
    return jsonschema_rs.Draft202012Validator(schema)


_VALIDATORS: dict[str, Any] = {}


def _validator(text: str, make: Any) -> Any:
    if text not in _VALIDATORS:
        _VALIDATORS[text] = make(json.loads(text))
    return _VALIDATORS[text]


@dataclass(frozen=True)
class Implication:
    value: Ref
    implies: Ref
    within_source: str = SUBSUMED


@dataclass(frozen=True)
class Qualifier:
    values: tuple[str, ...]
    default: str
    matches_any: str | None = None


@dataclass
class Shape:
    """One question's shape, with the relation of every pair of value keys remembered (analysis asks often)."""

    question: str
    cardinality: str = ONE
    order: tuple[str, ...] = ()
    unrestricted: str | None = None
    implies: tuple[Implication, ...] = ()
    compatible: tuple[tuple[Ref, Ref], ...] = ()
    exclusive: tuple[tuple[Ref, Ref], ...] = ()
    axis_of: dict[str, str] = field(default_factory=dict)
    qualifiers: dict[str, Qualifier] = field(default_factory=dict)
    _parsed: dict[str, tuple[str, Any, tuple[tuple[str, str], ...]]] = field(default_factory=dict, repr=False)
    _relations: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------ keys

    def parse(self, key: str) -> tuple[str, Any, tuple[tuple[str, str], ...]]:
        """(value key, value, qualifiers with defaults filled) of an answer key."""
        hit = self._parsed.get(key)
        if hit is None:
            vkey, _, qtext = key.partition(QUALIFIER_SEP)
            given = json.loads(qtext) if qtext else {}
            quals = tuple((name, str(given.get(name, q.default))) for name, q in sorted(self.qualifiers.items()))
            hit = (vkey, json.loads(vkey), quals)
            self._parsed[key] = hit
        return hit

    def identity(self, key: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """What makes two answer keys the same answer: the value and the qualifiers (defaults filled)."""
        vkey, _, quals = self.parse(key)
        return vkey, quals

    def axis(self, value: Any) -> str:
        return self.axis_of.get(value, "") if isinstance(value, str) else ""

    def comparable(self, a: str, b: str) -> bool:
        """Same axis, and qualifiers that agree (equal, or one of them `matches_any`)."""
        _, va, qa = self.parse(a)
        _, vb, qb = self.parse(b)
        if self.axis(va) != self.axis(vb):
            return False
        for (name, x), (_, y) in zip(qa, qb, strict=True):
            wild = self.qualifiers[name].matches_any
            if x != y and wild not in (x, y):
                return False
        return True

    # ------------------------------------------------------------ relations

    def _implies(self, a: str, b: str) -> tuple[bool, str]:
        """Whether value a implies value b through the implications (transitively), and what it does in one source."""
        va_key, va, _ = self.parse(a)
        vb_key, vb, _ = self.parse(b)
        seen = {va_key}
        frontier: list[tuple[str, Any, str]] = [(va_key, va, SUBSUMED)]
        while frontier:
            key, value, effect = frontier.pop()
            for rule in self.implies:
                if not rule.value.matches(key, value):
                    continue
                step = CONFLICTING if CONFLICTING in (effect, rule.within_source) else SUBSUMED
                if rule.implies.matches(vb_key, vb) and vb_key != key:
                    return True, step
                target = rule.implies.key
                if target is not None and target not in seen:
                    seen.add(target)
                    frontier.append((target, json.loads(target), step))
        return False, SUBSUMED

    def _declared(self, pairs: tuple[tuple[Ref, Ref], ...], a: str, b: str) -> bool:
        ka, va, _ = self.parse(a)
        kb, vb, _ = self.parse(b)
        return any(
            (x.matches(ka, va) and y.matches(kb, vb)) or (x.matches(kb, vb) and y.matches(ka, va)) for x, y in pairs
        )

    def relation(self, a: str, b: str) -> tuple[str, str]:
        """(how value a relates to value b, what an implication does inside one source)."""
        hit = self._relations.get((a, b))
        if hit is not None:
            return hit
        if not self.comparable(a, b):
            hit = (APART, "")
        elif self.parse(a)[0] == self.parse(b)[0]:
            # One value under qualifiers that agree: equal, or one of them matches any (approved with no
            # jurisdiction named, and approved in the US) is one answer, never a contradiction.
            hit = (SAME, "")
        else:
            forward, effect = self._implies(a, b)
            if forward:
                hit = (REFINES, effect)
            else:
                backward, effect = self._implies(b, a)
                if backward:
                    hit = (REFINED_BY, effect)
                elif self._declared(self.exclusive, a, b):
                    hit = (EXCLUSIVE, "")
                elif self._declared(self.compatible, a, b):
                    hit = (COMPATIBLE, "")
                else:
                    hit = (DIFFERENT, "")
        self._relations[(a, b)] = hit
        return hit

    def rank(self, key: str) -> int | None:
        """Position on the order (None: off it)."""
        _, value, _ = self.parse(key)
        return self.order.index(value) if isinstance(value, str) and value in self.order else None


# ---------------------------------------------------------------- within one source


@dataclass(frozen=True)
class Resolved:
    """One source's values combined: the answer's keys, those it subsumes, and whether it contradicts itself."""

    conflicting: bool
    kept: tuple[int, ...]  # indices into the keys given: the answer
    subsumed: tuple[int, ...]  # indices of values the answer overrides or makes precise


def resolve_keys(question: str, keys: Sequence[str], vocab: Vocabulary | None = None) -> Resolved:
    """How the distinct value keys of one source's applying claims combine into its answer.

    Implications subsume the general value under the precise one (unless declared
    conflicting within a source); restrictions on an order stack (the most restrictive
    stands; the unrestricted value with a restriction contradicts); what remains
    contradicts pairwise on cardinality one unless compatible, on many only when
    exclusive. Values on different axes, or under qualifiers that are not compared,
    never meet.
    """
    if len(keys) <= 1:
        return Resolved(False, tuple(range(len(keys))), ())
    shape = shape_of(question, vocab)
    n = len(keys)
    # the same answer under two spellings (a default qualifier written or not): keep the first
    first: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
    gone: set[int] = set()
    for i, key in enumerate(keys):
        ident = shape.identity(key)
        if ident in first:
            gone.add(i)
        else:
            first[ident] = i
    conflict = False
    live = [i for i in range(n) if i not in gone]
    for i in live:
        for j in live:
            if i >= j:
                continue
            rel, effect = shape.relation(keys[i], keys[j])
            if rel in (REFINES, REFINED_BY):
                if effect == CONFLICTING:
                    conflict = True
                else:
                    gone.add(j if rel == REFINES else i)
    live = [i for i in range(n) if i not in gone]
    if shape.order:
        for i in live:
            for j in live:
                if i >= j or not shape.comparable(keys[i], keys[j]):
                    continue
                ri, rj = shape.rank(keys[i]), shape.rank(keys[j])
                if ri is None or rj is None:
                    continue
                unrestricted = shape.unrestricted
                if unrestricted is not None and unrestricted in (shape.order[ri], shape.order[rj]):
                    conflict = True
                else:
                    gone.add(j if ri > rj else i)
    live = [i for i in range(n) if i not in gone]
    for i in live:
        for j in live:
            if i >= j:
                continue
            rel, _ = shape.relation(keys[i], keys[j])
            if rel == EXCLUSIVE or (rel == DIFFERENT and shape.cardinality == ONE):
                conflict = True
    if conflict:
        return Resolved(True, tuple(range(n)), ())
    return Resolved(False, tuple(live), tuple(sorted(gone)))


# ---------------------------------------------------------------- between sources


def relate_value_sets(
    question: str, a: Sequence[str], b: Sequence[str], vocab: Vocabulary | None = None
) -> tuple[str, list[tuple[str, str, str]]]:
    """(agree | precision | contradict, the pairs of keys that make it so with their relation).

    Two sources' answers contradict where a value of one contradicts a value of the
    other (different on cardinality one, declared exclusive on many); they differ in
    precision where one value implies the other; a value only one of them gives is an
    omission on cardinality many and is not reported here.
    """
    shape = shape_of(question, vocab)
    contradicting: list[tuple[str, str, str]] = []
    precise: list[tuple[str, str, str]] = []
    for x in a:
        for y in b:
            rel, _ = shape.relation(x, y)
            if rel == EXCLUSIVE or (rel == DIFFERENT and shape.cardinality == ONE):
                contradicting.append((x, y, rel))
            elif rel in (REFINES, REFINED_BY):
                precise.append((x, y, rel))
    if contradicting:
        return CONTRADICT, contradicting
    if precise:
        return PRECISION, precise
    return AGREE, []


def value_sets_disagree(question: str, a: Sequence[str], b: Sequence[str], vocab: Vocabulary | None = None) -> bool:
    """Whether region analysis must locate where two sources give these value keys: they contradict (a conflict)
    or differ in precision (a note); engine.conflicts tells the two apart with relate_value_sets."""
    if tuple(sorted(a)) == tuple(sorted(b)):
        return False
    return relate_value_sets(question, a, b, vocab)[0] != AGREE


def cardinality(question: str, vocab: Vocabulary | None = None) -> str:
    return shape_of(question, vocab).cardinality


# ---------------------------------------------------------------- reading shapes.yaml

_ACTIVE: list[Vocabulary] = []
_COMPILED: dict[int, tuple[Any, dict[str, Shape]]] = {}


@contextmanager
def using(vocab: Vocabulary) -> Iterator[None]:
    """Evaluate with `vocab`'s shapes instead of the bundled ones (tests of shape variants, a project's own)."""
    _ACTIVE.append(vocab)
    try:
        yield
    finally:
        _ACTIVE.pop()


def _vocabulary(vocab: Vocabulary | None) -> Vocabulary:
    if vocab is not None:
        return vocab
    if _ACTIVE:
        return _ACTIVE[-1]
    from engine.contract import vocabulary

    return vocabulary()


def shapes(vocab: Vocabulary | None = None) -> dict[str, Shape]:
    """Every question's shape (compiled once per vocabulary; ShapeError when the data cannot hold)."""
    v = _vocabulary(vocab)
    hit = _COMPILED.get(id(v))
    if hit is None or hit[0] is not v:
        try:
            hit = (v, compile_shapes(v))
        except ShapeError:
            from engine.contract import vocabulary
            from schema import SCHEMA_DIR

            try:
                bundled: Vocabulary | None = vocabulary()
            except ValueError:  # the bundled files are broken too (VocabularyError, reported at load)
                bundled = None
            if v is bundled:  # the bundled contract is broken (every command says so first: engine.meaning.load)
                raise ValueError("; ".join(located_shape_errors(SCHEMA_DIR / "shapes.yaml", v))) from None
            raise
        _COMPILED[id(v)] = hit
    compiled: dict[str, Shape] = hit[1]
    return compiled


def shape_of(question: str, vocab: Vocabulary | None = None) -> Shape:
    """The shape of `question`; a question shapes.yaml does not list is cardinality one, no relations."""
    table = shapes(vocab)
    found = table.get(question)
    if found is None:
        found = Shape(question)
        table[question] = found
    return found


def _merged(spec: dict[str, Any], named: dict[str, Any], where: tuple[str | int, ...]) -> dict[str, Any]:
    use = spec.get("use")
    if use is None:
        return spec
    if use not in named:
        raise ShapeError(where + ("use",), f"unknown shape {use!r} (shapes: {', '.join(sorted(named)) or 'none'})")
    out = dict(named[use])
    for key, value in spec.items():
        if key == "use":
            continue
        out[key] = out[key] + value if isinstance(value, list) and isinstance(out.get(key), list) else value
    return out


def compile_shapes(vocab: Vocabulary) -> dict[str, Shape]:
    """Read vocab.shapes into Shape objects, checking what JSON Schema cannot (raises the first ShapeError)."""
    errors = shape_errors(vocab)
    if errors:
        raise errors[0]
    return _build(vocab)[0]


def check_and_keep(vocab: Vocabulary) -> list[tuple[tuple[str | int, ...], str]]:
    """Every problem of `vocab`'s shapes as (path, message); when none, the compiled shapes are kept for
    shapes(vocab). engine.contract calls it at load, after JSON Schema accepted the file."""
    compiled, errors = _build(vocab)
    if not errors:
        _COMPILED[id(vocab)] = (vocab, compiled)
    return [(e.path, e.message) for e in errors]


def shape_errors(vocab: Vocabulary) -> list[ShapeError]:
    """Every problem of vocab.shapes that JSON Schema cannot see, each with its path in the file."""
    return _build(vocab)[1]


def _build(vocab: Vocabulary) -> tuple[dict[str, Shape], list[ShapeError]]:
    data = vocab.shapes or {}
    named = data.get("shapes") or {}
    out: dict[str, Shape] = {}
    errors: list[ShapeError] = []
    for name, spec in (data.get("questions") or {}).items():
        where: tuple[str | int, ...] = ("questions", name)
        question = vocab.questions.get(name)
        if question is None:
            errors.append(ShapeError(where, f"unknown question {name!r}{vocab.suggest(name, list(vocab.questions))}"))
            continue
        try:
            out[name] = _shape(name, _merged(spec, named, where), question, where)
        except ShapeError as exc:
            error = _in_named_shape(exc, spec, named)
            if all((e.path, e.message) != (error.path, error.message) for e in errors):
                errors.append(error)
    for name, question in vocab.questions.items():
        if question.scale and name not in out:
            out[name] = Shape(name, order=question.scale, unrestricted=question.scale[0])
    return out, errors


def _in_named_shape(exc: ShapeError, spec: dict[str, Any], named: dict[str, Any]) -> ShapeError:
    """The error pointed at the named shape a question uses when the relation at fault comes from there."""
    use, path = spec.get("use"), exc.path
    if use not in named or len(path) < 3:
        return exc
    key = path[2]
    theirs = named[use].get(key)
    if key not in named[use]:
        return exc
    if key in spec and isinstance(theirs, list) and len(path) > 3 and isinstance(path[3], int):
        if path[3] >= len(theirs):  # the question's own item, after the shape's in the joined list
            return ShapeError(path[:3] + (path[3] - len(theirs),) + path[4:], exc.message)
    elif key in spec:
        return exc
    return ShapeError(("shapes", str(use)) + path[2:], exc.message)


def _ref(raw: Any, question: Any, where: tuple[str | int, ...]) -> Ref:
    if isinstance(raw, dict) and "matching" in raw:
        problem = _schema_problem(raw["matching"])
        if problem:
            raise ShapeError(where + ("matching",), f"not a JSON Schema: {problem}")
        return Ref(schema=raw["matching"])
    value = raw["value"] if isinstance(raw, dict) else raw
    if not question.value_validator.is_valid(value):
        shown = value_key(value)
        raise ShapeError(
            where,
            f"{shown[:60]} is not a value of {question.name}"
            + (
                f" (values: {', '.join(map(str, question.value_schema['enum']))})"
                if "enum" in question.value_schema
                else ""
            ),
        )
    return Ref(key=value_key(value))


def _schema_problem(schema: Any) -> str:
    """Why `schema` is not a draft 2020-12 JSON Schema ('' when it is); jsonschema-rs, so validate stays fast."""
    try:
        import jsonschema_rs
    except ImportError:  # no wheel for this platform: the reference implementation
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            return str(exc.message)
        return ""
    try:
        jsonschema_rs.Draft202012Validator(schema)
    except Exception as exc:  # noqa: BLE001 - jsonschema-rs says why in its message's first line
        return str(exc).splitlines()[0][:200]
    return ""


def qualifier_problems(
    question: str, qualifiers: Any, vocab: Vocabulary | None = None
) -> list[tuple[tuple[str, ...], bool, str]]:
    """(path under the claim's `qualifiers`, whether on the key, message) for each qualifier the question's shape
    does not declare or value it does not allow (E214)."""
    from engine.textsafe import excerpt

    if not isinstance(qualifiers, dict):
        return []
    shape = shape_of(question, vocab)
    out: list[tuple[tuple[str, ...], bool, str]] = []
    for name, value in qualifiers.items():
        declared = shape.qualifiers.get(name)
        if declared is None:
            known = ", ".join(sorted(shape.qualifiers))
            out.append(
                (
                    (name,),
                    True,
                    f"{question} has no qualifier {excerpt(name)}"
                    + (f" (its qualifiers: {known})" if known else " (schema/shapes.yaml declares none for it)"),
                )
            )
        elif value not in declared.values:
            out.append(
                (
                    (name,),
                    False,
                    f"{excerpt(value)} is not a {name} of {question} (one of {', '.join(declared.values)})",
                )
            )
    return out


def _enum_values(question: Any) -> list[str]:
    schema = question.value_schema
    values = list(schema.get("enum", []))
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        values.extend(option.get("enum", []))
    return [v for v in values if isinstance(v, str)]


def _shape(name: str, spec: dict[str, Any], question: Any, where: tuple[str | int, ...]) -> Shape:
    enum = _enum_values(question)
    shape = Shape(name, cardinality=spec.get("cardinality", ONE))
    order = spec.get("order")
    if order is not None:
        if question.scale:
            raise ShapeError(
                where + ("order",),
                f"{name} already has a scale in vocabulary.yaml, which is its order: do not repeat it here",
            )
        for i, value in enumerate(order["values"]):
            _ref(value, question, where + ("order", "values", i))
        unrestricted = order.get("unrestricted")
        if unrestricted is not None and unrestricted not in order["values"]:
            raise ShapeError(where + ("order", "unrestricted"), f"{unrestricted!r} is not on the order")
        shape.order, shape.unrestricted = tuple(order["values"]), unrestricted
    elif question.scale:
        shape.order, shape.unrestricted = question.scale, question.scale[0]
    axes = spec.get("axes") or {}
    for axis, values in axes.items():
        for i, value in enumerate(values):
            _ref(value, question, where + ("axes", axis, i))
            if value in shape.axis_of:
                raise ShapeError(
                    where + ("axes", axis, i),
                    f"{value!r} is on two axes ({shape.axis_of[value]} and {axis}): a value answers one thing",
                )
            shape.axis_of[value] = axis
    if axes:
        missing = [v for v in enum if v not in shape.axis_of]
        if missing:
            raise ShapeError(where + ("axes",), f"values on no axis: {', '.join(missing)}")
    implications = []
    for i, rule in enumerate(spec.get("implies") or []):
        here = where + ("implies", i)
        a, b = _ref(rule["value"], question, here + ("value",)), _ref(rule["implies"], question, here + ("implies",))
        if a.key is not None and a.key == b.key:
            raise ShapeError(here, f"{a.key} implies itself")
        implications.append(Implication(a, b, rule.get("within_source", SUBSUMED)))
        if a.key is not None and b.key is not None:
            axis_a, axis_b = shape.axis(json.loads(a.key)), shape.axis(json.loads(b.key))
            if axis_a != axis_b:
                raise ShapeError(
                    here,
                    f"{a.key} ({axis_a or 'no axis'}) implies {b.key} ({axis_b or 'no axis'}): values on different "
                    f"axes are never compared",
                )
    shape.implies = tuple(implications)
    for kind in ("compatible", "exclusive"):
        pairs = []
        for i, pair in enumerate(spec.get(kind) or []):
            here = where + (kind, i)
            x, y = (_ref(v, question, here + ("values", k)) for k, v in enumerate(pair["values"]))
            if x.key is not None and x.key == y.key:
                raise ShapeError(here, f"{x.key} is {kind} with itself")
            pairs.append((x, y))
        setattr(shape, kind, tuple(pairs))
    if shape.exclusive and shape.cardinality == ONE:
        raise ShapeError(
            where + ("exclusive",), "exclusive values on cardinality one: different values already contradict there"
        )
    for name_q, q in (spec.get("qualifiers") or {}).items():
        here = where + ("qualifiers", name_q)
        for key in ("default", "matches_any"):
            if key in q and q[key] not in q["values"]:
                raise ShapeError(here + (key,), f"{q[key]!r} is not one of {', '.join(q['values'])}")
        shape.qualifiers[name_q] = Qualifier(tuple(q["values"]), q["default"], q.get("matches_any"))
    _check_consistent(shape, enum, where)
    return shape


def _check_consistent(shape: Shape, enum: list[str], where: tuple[str | int, ...]) -> None:
    """Contradictory relations and implication cycles, over the values that can be enumerated."""
    literals = set(enum)
    for rule in shape.implies:
        for ref in (rule.value, rule.implies):
            if ref.key is not None:
                value = json.loads(ref.key)
                if isinstance(value, str):
                    literals.add(value)
    keys = sorted(value_key(v) for v in literals)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            forward, backward = shape._implies(a, b)[0], shape._implies(b, a)[0]
            if forward and backward:
                raise ShapeError(
                    where + ("implies",),
                    f"implication cycle: {a} and {b} imply each other (two values that imply each other are one value)",
                )
            for kind, pairs in (("exclusive", shape.exclusive), ("compatible", shape.compatible)):
                if shape._declared(pairs, a, b) and (forward or backward):
                    raise ShapeError(where + (kind,), f"{a} and {b} are declared {kind} but one implies the other")
            if shape._declared(shape.exclusive, a, b) and shape._declared(shape.compatible, a, b):
                raise ShapeError(where + ("compatible",), f"{a} and {b} are declared both compatible and exclusive")


def located_shape_errors(path: str | os.PathLike[str], vocab: Vocabulary) -> list[str]:
    """Every problem of a shapes file, as `PATH:LINE:COL: invalid shapes: message`: unreadable or malformed
    YAML, JSON Schema errors, then what the schema cannot see (unknown question or value, contradictory
    relations, implication cycles), each at its node. Never raises for bad content."""
    from dataclasses import replace

    from engine.contract import validator
    from engine.loader import LoadError, load_file
    from engine.textsafe import escape_controls

    try:
        doc = load_file(path)
    except LoadError as exc:
        return [exc.diagnostic.format()]

    def at(parts: tuple[str | int, ...], message: str) -> str:
        span = doc.locate(parts)
        return f"{escape_controls(doc.path)}:{span.line}:{span.col}: invalid shapes: {escape_controls(message)}"

    schema_errors = sorted(validator("shapes").iter_errors(doc.data), key=lambda e: list(e.absolute_path))
    if schema_errors:
        # a failing allOf drops its annotations, so unevaluatedProperties also blames the keys it judged: say the cause
        paths = {tuple(e.absolute_path) for e in schema_errors if e.validator != "unevaluatedProperties"}
        shown = [
            e
            for e in schema_errors
            if e.validator != "unevaluatedProperties"
            or not any(p[: len(e.absolute_path)] == tuple(e.absolute_path) for p in paths)
        ]
        return [at(tuple(e.absolute_path), clip(e.message, 300)) for e in shown]
    return [at(e.path, e.message) for e in shape_errors(replace(vocab, shapes=doc.data))]
