"""Fact relations (schema/relations.yaml): derivations by a cited definition, implications, constraints.

The one reader of the relations file. `relations(vocab)` parses and checks it (every fact named exists,
every value has the fact's type, every `when` is a valid condition, ids unique, definitions known, no
cycle), raising RelationsError with file:line:col. `derive(facts, vocab)` adds what the relations
derive (a given value always wins) and says, per derived fact, by which relation and definition from
which inputs; `check(facts, vocab)` lists the relations a patient breaks. `constraints(vocab)` is the
interface region analysis uses: rules true (or unknown) for every patient that can exist, so a cell
where one is false holds no patient; every derivation and implication is read as one as well.
No code here names a fact: everything is read from the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from engine.contract import Vocabulary
from engine.jsonlogic import UNKNOWN, RuleError, compiler, truthy
from engine.rules import check_rule, facts_used

RELATIONS_FILE = "schema/relations.yaml"
MAX_CACHED = 32


@dataclass(frozen=True)
class Constraint:
    """A JSON-Logic rule over vocabulary facts that every possible patient satisfies (false: no such patient)."""

    id: str
    rule: Any
    message: str
    definition: str = ""  # id of the cited definition it comes from (relations.yaml `definitions`)

    @cached_property
    def reads(self) -> frozenset[str]:
        """The facts the rule reads (asked for every question's plan: computed once)."""
        return frozenset(facts_used(self.rule))


@dataclass(frozen=True)
class Definition:
    """A cited standard, a source's words or the vocabulary's meaning that a relation rests on."""

    id: str
    kind: str
    title: str
    issuer: str
    year: str
    section: str
    says: str
    url: str = ""
    version: str = ""
    quote: str = ""

    def citation(self) -> str:
        """Issuer, title (year), section: the short form shown beside a derived fact."""
        return f"{self.issuer}, {self.title} ({self.year}), {self.section}"

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if v}
        data["citation"] = self.citation()
        return data


@dataclass(frozen=True)
class Case:
    when: Any
    value: Any

    @cached_property
    def reads(self) -> tuple[str, ...]:
        """The facts `when` reads, in first-use order (every derived fact's trace names them)."""
        return tuple(facts_used(self.when))


@dataclass(frozen=True)
class Derivation:
    """`fact` from other facts: the first case whose `when` is true gives the value."""

    id: str
    fact: str
    definition: str
    cases: tuple[Case, ...]
    note: str = ""

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for case in self.cases for name in facts_used(case.when)))


@dataclass(frozen=True)
class Implication:
    """`if_fact` true makes `then_fact` true; `then_fact` false makes `if_fact` false."""

    id: str
    if_fact: str
    then_fact: str
    definition: str
    note: str = ""


@dataclass(frozen=True)
class Relations:
    """relations.yaml, parsed and checked."""

    definitions: dict[str, Definition] = field(default_factory=dict)
    derivations: tuple[Derivation, ...] = ()
    implications: tuple[Implication, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    underived: dict[str, str] = field(default_factory=dict)
    order: tuple[str, ...] = ()  # facts that relations fill, inputs before the facts read from them

    def by_fact(self, fact: str) -> tuple[Derivation, ...]:
        return tuple(d for d in self.derivations if d.fact == fact)


@dataclass(frozen=True)
class Derived:
    """One fact a relation filled in: its value, the relation, its definition, and the inputs it read."""

    fact: str
    value: Any
    relation: str
    kind: str  # derivation | implication | contrapositive
    definition: str
    citation: str
    inputs: dict[str, Any]

    def how(self) -> str:
        """One line for the `derived` map and the text trace."""
        used = ", ".join(f"{k}={_show(v)}" for k, v in self.inputs.items())
        return f"{self.relation} ({self.kind}) from {used}; {self.citation}"

    def to_json(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "value": self.value,
            "relation": self.relation,
            "kind": self.kind,
            "definition": self.definition,
            "citation": self.citation,
            "inputs": dict(self.inputs),
        }


@dataclass(frozen=True)
class Violation:
    """A relation a patient breaks: a given value against a derivation or implication, or a constraint false."""

    relation: str
    kind: str  # derivation | implication | constraint
    fact: str  # the fact to point at (the given one that contradicts, or the first one the rule reads)
    message: str


@dataclass
class FactResult:
    facts: dict[str, Any]
    derived: list[Derived] = field(default_factory=list)


class RelationsError(ValueError):
    """A broken relations file: the message starts with file:line:col; `parts` and `detail` say where and what."""

    def __init__(self, message: str, parts: tuple[Any, ...] = (), detail: str = "") -> None:
        super().__init__(message)
        self.parts, self.detail = parts, detail or message


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- parsing and checks


_CACHE: dict[int, tuple[Vocabulary, Relations]] = {}


def relations(vocab: Vocabulary) -> Relations:
    """The vocabulary's relations, parsed and checked once per vocabulary (RelationsError when broken)."""
    hit = _CACHE.get(id(vocab))
    if hit is not None and hit[0] is vocab:
        return hit[1]
    parsed = parse(vocab.relations, vocab)
    if len(_CACHE) >= MAX_CACHED:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(vocab)] = (vocab, parsed)
    return parsed


def check_and_keep(vocab: Vocabulary, doc: Any) -> tuple[tuple[Any, ...], str] | None:
    """Check `vocab`'s relations (loaded from `doc`, a loader Document): the first problem as (path, message),
    or None, the parsed relations then kept for relations(vocab). engine.contract calls it at load."""
    try:
        parsed = parse(vocab.relations, vocab, doc.path, doc)
    except RelationsError as exc:
        return exc.parts, exc.detail
    _CACHE[id(vocab)] = (vocab, parsed)
    return None


def _locate(parts: tuple[Any, ...], path: str, doc: Any = None) -> str:
    """file:line:col of a JSON pointer: in `doc`, else in the bundled file, else the name and the pointer."""
    pointer = "/" + "/".join(str(p) for p in parts)
    if doc is None and path == RELATIONS_FILE:
        try:
            from engine.loader import load_file
            from schema import SCHEMA_DIR

            doc = load_file(SCHEMA_DIR / "relations.yaml")
        except Exception:  # noqa: BLE001 - locating is best effort; the pointer still says where
            doc = None
    if doc is not None:
        span = doc.locate(parts)
        return f"{doc.path}:{span.line}:{span.col}"
    return f"{path} at {pointer}"


def load_relations(path: Any, vocab: Vocabulary) -> Relations:
    """A relations file read through the loader (syntax, duplicates, size refused, located) and checked."""
    from engine.loader import LoadError, load_file

    try:
        doc = load_file(path)
    except LoadError as exc:
        raise RelationsError(exc.diagnostic.format()) from None
    if not isinstance(doc.data, dict):
        raise RelationsError(f"{doc.path}:1:1: invalid relations: a mapping with version: 1 is expected")
    return parse(doc.data, vocab, doc.path, doc)


def parse(data: dict[str, Any], vocab: Vocabulary, path: str | None = None, doc: Any = None) -> Relations:
    """Relations from data, with JSON Schema's checks and every check it cannot make.

    `path` names the file in messages; by default the bundled file when `data` is the bundled
    vocabulary's, else "<relations>" with the JSON pointer. `doc` (a loaded Document) locates
    problems by line and column.
    """
    if path is None:
        from engine.contract import vocabulary

        try:
            path = RELATIONS_FILE if data is vocabulary().relations else "<relations>"
        except Exception:  # noqa: BLE001 - the bundled vocabulary itself is broken: name the variant
            path = "<relations>"
    from engine.contract import validator

    shape = sorted(validator("relations").iter_errors(data), key=lambda e: list(e.absolute_path))
    if shape:
        raise RelationsError(
            f"{_locate(tuple(shape[0].absolute_path), path, doc)}: invalid relations: {_clip(shape[0].message)}",
            tuple(shape[0].absolute_path),
            _clip(shape[0].message),
        )
    problems: list[tuple[tuple[Any, ...], str]] = []
    facts = vocab.facts

    def fact_named(name: Any, parts: tuple[Any, ...]) -> bool:
        if not isinstance(name, str) or name not in facts:
            problems.append((parts, f"unknown fact {name!r}{vocab.suggest(str(name))}"))
            return False
        return True

    definitions: dict[str, Definition] = {}
    for i, d in enumerate(data.get("definitions", ())):
        if d["id"] in definitions:
            problems.append((("definitions", i, "id"), f"duplicate definition id {d['id']!r}"))
        definitions[d["id"]] = Definition(
            d["id"],
            d["kind"],
            d["title"],
            d["issuer"],
            d["year"],
            d["section"],
            d["says"],
            d.get("url", ""),
            d.get("version", ""),
            d.get("quote", ""),
        )

    ids: set[str] = set()

    def unique(ident: str, parts: tuple[Any, ...]) -> None:
        if ident in ids:
            problems.append((parts, f"duplicate relation id {ident!r}"))
        ids.add(ident)

    def defined(ident: Any, parts: tuple[Any, ...]) -> None:
        if ident not in definitions:
            problems.append((parts, f"unknown definition {ident!r}{vocab.suggest(str(ident), list(definitions))}"))

    derivations: list[Derivation] = []
    for i, d in enumerate(data.get("derivations", ())):
        here = ("derivations", i)
        unique(d["id"], here + ("id",))
        defined(d["definition"], here + ("definition",))
        ok = fact_named(d["fact"], here + ("fact",))
        if ok and facts[d["fact"]].type == "number":
            problems.append((here + ("fact",), f"{d['fact']} is a number: a derivation gives a boolean or enum value"))
            ok = False
        cases = []
        for j, case in enumerate(d["cases"]):
            at = here + ("cases", j)
            for rel, _code, message in check_rule(case["when"], vocab):
                problems.append((at + ("when",) + tuple(rel), message))
            if ok and not _value_fits(facts[d["fact"]], case["value"]):
                problems.append((at + ("value",), _type_message(facts[d["fact"]], case["value"])))
            cases.append(Case(case["when"], case["value"]))
        derivations.append(Derivation(d["id"], d["fact"], d["definition"], tuple(cases), d.get("note", "")))

    implications: list[Implication] = []
    for i, m in enumerate(data.get("implications", ())):
        here = ("implications", i)
        unique(m["id"], here + ("id",))
        defined(m["definition"], here + ("definition",))
        for key in ("if", "then"):
            if fact_named(m[key], here + (key,)) and facts[m[key]].type != "boolean":
                problems.append((here + (key,), f"{m[key]} is a {facts[m[key]].type}: implications join booleans"))
        if m["if"] == m["then"]:
            problems.append((here + ("then",), f"{m['if']} implies itself"))
        implications.append(Implication(m["id"], m["if"], m["then"], m["definition"], m.get("note", "")))

    constraint_list: list[Constraint] = []
    for i, c in enumerate(data.get("constraints", ())):
        here = ("constraints", i)
        unique(c["id"], here + ("id",))
        if "definition" in c:
            defined(c["definition"], here + ("definition",))
        for rel, _code, message in check_rule(c["rule"], vocab):
            problems.append((here + ("rule",) + tuple(rel), message))
        constraint_list.append(Constraint(c["id"], c["rule"], c.get("message", ""), c.get("definition", "")))

    underived: dict[str, str] = {}
    for i, u in enumerate(data.get("underived", ())):
        if fact_named(u["fact"], ("underived", i, "fact")):
            if any(d.fact == u["fact"] for d in derivations):
                problems.append((("underived", i, "fact"), f"{u['fact']} is listed underived but has a derivation"))
            underived[u["fact"]] = u["reason"]

    order: tuple[str, ...] = ()
    if not problems:
        order, cycle = _order(derivations, implications)
        if cycle:
            at_derivation = [i for i, d in enumerate(derivations) if d.fact in cycle]
            parts = (
                ("derivations", at_derivation[0], "fact")
                if at_derivation
                else ("implications", next(i for i, m in enumerate(implications) if m.if_fact in cycle), "if")
            )
            problems.append((parts, "cycle of relations: " + " -> ".join(cycle)))
    if problems:
        parts, message = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise RelationsError(
            f"{_locate(parts, path, doc)}: invalid relations: {_clip(message)}{more}", parts, _clip(message) + more
        )
    return Relations(definitions, tuple(derivations), tuple(implications), tuple(constraint_list), underived, order)


def _clip(message: str, limit: int = 200) -> str:
    from engine.textsafe import clip, escape_controls

    return clip(escape_controls(message), limit)


def _value_fits(fact: Any, value: Any) -> bool:
    if fact.type == "boolean":
        return isinstance(value, bool)
    return isinstance(value, str) and value in fact.values


def _type_message(fact: Any, value: Any) -> str:
    want = "true or false" if fact.type == "boolean" else "one of " + ", ".join(fact.values)
    return f"{value!r} is not a value of {fact.name} ({want})"


def _order(derivations: Iterable[Derivation], implications: Iterable[Implication]) -> tuple[tuple[str, ...], list[str]]:
    """Facts the relations fill, each after the facts it is read from; or a cycle (iterative, never recursive)."""
    edges: dict[str, list[str]] = {}
    for d in derivations:
        for name in d.inputs:
            edges.setdefault(name, []).append(d.fact)
        edges.setdefault(d.fact, [])
    for m in implications:
        edges.setdefault(m.if_fact, []).append(m.then_fact)
        edges.setdefault(m.then_fact, [])
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    done: list[str] = []
    for start in edges:
        if start in state:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path = [start]
        state[start] = 1
        while stack:
            node, index = stack[-1]
            targets = edges.get(node, [])
            if index < len(targets):
                stack[-1] = (node, index + 1)
                nxt = targets[index]
                if state.get(nxt) == 1:
                    return (), path[path.index(nxt) :] + [nxt]
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, 0))
                    path.append(nxt)
            else:
                stack.pop()
                path.pop()
                state[node] = 2
                done.append(node)
    return tuple(reversed(done)), []


# ---------------------------------------------------------------- deriving


_COMPILED: dict[int, tuple[Any, Any]] = {}  # id(rule) -> (the rule, kept alive so the id stays its own; its closure)


def _evaluate(rule: Any, facts: dict[str, Any]) -> Any:
    """A relation's rule on `facts`. Compiled once per rule object: relations are parsed once per vocabulary,
    and witnesses derive facts thousands of times (the compiler's own cache keys by the rule's JSON text)."""
    hit = _COMPILED.get(id(rule))
    if hit is None or hit[0] is not rule:
        if len(_COMPILED) > 10_000:
            _COMPILED.clear()
        hit = _COMPILED[id(rule)] = (rule, compiler("accord").compile(rule))
    try:
        return hit[1](facts)
    except RuleError:
        return UNKNOWN


def _first_value(derivations: Iterable[Derivation], facts: dict[str, Any]) -> tuple[Derivation, Any, Case] | None:
    """The value the first derivation that reaches a case gives, tried in order; None when none does."""
    for d in derivations:
        for case in d.cases:
            result = _evaluate(case.when, facts)
            if result is UNKNOWN:
                break  # unknown before a match: not derived by this one
            if truthy(result):
                return d, case.value, case
    return None


def _inputs(d: Derivation, case: Case, facts: dict[str, Any]) -> dict[str, Any]:
    names: list[str] = []
    for c in d.cases:
        names.extend(c.reads)
        if c is case:
            break
    return {n: facts.get(n) for n in dict.fromkeys(names)}


def derive(facts: dict[str, Any], vocab: Vocabulary) -> FactResult:
    """`facts` plus every fact the relations derive; a given value always wins.

    Facts are filled in `order` (inputs first): derivations of a fact in file order, then forward
    implications into it; contrapositives (then false makes if false) after each sweep. Sweeps repeat
    until nothing changes: each sweep fills at least one fact or stops, so it ends within as many
    sweeps as there are facts.
    """
    rel = relations(vocab)
    known = {k: v for k, v in facts.items() if v is not None}
    out: list[Derived] = []
    if not rel.derivations and not rel.implications:
        return FactResult(known, out)
    defs = rel.definitions
    into: dict[str, list[Implication]] = {}
    for m in rel.implications:
        into.setdefault(m.then_fact, []).append(m)
    by_fact = {name: rel.by_fact(name) for name in rel.order}

    def cite(definition: str) -> str:
        d = defs.get(definition)
        return d.citation() if d else definition

    for _sweep in range(len(vocab.facts) + 1):
        changed = False
        for name in rel.order:
            if name in known:
                continue
            found = _first_value(by_fact[name], known)
            if found is not None:
                d, value, case = found
                inputs = _inputs(d, case, known)
                known[name] = value
                out.append(Derived(name, value, d.id, "derivation", d.definition, cite(d.definition), inputs))
                changed = True
                continue
            for m in into.get(name, ()):
                if known.get(m.if_fact) is True:
                    known[name] = True
                    inputs = {m.if_fact: True}
                    out.append(Derived(name, True, m.id, "implication", m.definition, cite(m.definition), inputs))
                    changed = True
                    break
        for m in rel.implications:
            if m.if_fact not in known and known.get(m.then_fact) is False:
                known[m.if_fact] = False
                inputs = {m.then_fact: False}
                out.append(Derived(m.if_fact, False, m.id, "contrapositive", m.definition, cite(m.definition), inputs))
                changed = True
        if not changed:
            break
    return FactResult(known, out)


def check(facts: dict[str, Any], vocab: Vocabulary) -> list[Violation]:
    """The relations a patient's given facts break (after deriving what is not given).

    A derivation is broken when a given value differs from what its definition derives from the
    other facts; an implication when `if` is true and `then` false; a constraint when its rule is false.
    """
    rel = relations(vocab)
    result = derive(facts, vocab)
    all_facts = result.facts
    out: list[Violation] = []
    derived_here = {d.fact for d in result.derived}
    for name in rel.order:
        if name in derived_here or name not in all_facts:
            continue
        without = {k: v for k, v in all_facts.items() if k != name}
        found = _first_value(rel.by_fact(name), without)
        if found is not None and found[1] != all_facts[name]:
            d, value, case = found
            used = ", ".join(f"{k} = {_show(v)}" for k, v in _inputs(d, case, without).items())
            out.append(
                Violation(
                    d.id,
                    "derivation",
                    name,
                    f"{name} = {_show(all_facts[name])} is given, but {d.definition} derives {_show(value)} "
                    f"from {used} (relation {d.id})",
                )
            )
    for m in rel.implications:
        if all_facts.get(m.if_fact) is True and all_facts.get(m.then_fact) is False:
            given = m.then_fact if m.then_fact in facts else m.if_fact
            out.append(
                Violation(
                    m.id,
                    "implication",
                    given,
                    f"{m.if_fact} is true but {m.then_fact} is false: {m.if_fact} implies {m.then_fact} "
                    f"({m.definition}, relation {m.id})",
                )
            )
    for c in rel.constraints:
        result_value = _evaluate(c.rule, all_facts)
        if result_value is not UNKNOWN and not truthy(result_value):
            read = [n for n in facts_used(c.rule) if n in facts] or list(facts_used(c.rule))
            values = ", ".join(f"{n} = {_show(all_facts[n])}" for n in facts_used(c.rule) if n in all_facts)
            out.append(Violation(c.id, "constraint", read[0] if read else "", f"{c.message} ({values}; {c.id})"))
    return out


# ---------------------------------------------------------------- constraints for region analysis


def _is(fact: str, value: Any) -> Any:
    if value is True:
        return {"var": fact}
    if value is False:
        return {"!": {"var": fact}}
    return {"==": [{"var": fact}, value]}


def _derivation_rules(rel: Relations) -> list[Constraint]:
    """Each derivation as a constraint: for a fully known patient, the first case that holds (over the
    fact's derivations in order) fixes the fact's value; later cases only count when earlier ones fail."""
    out = []
    earlier: dict[str, list[Any]] = {}
    for d in rel.derivations:
        before = earlier.setdefault(d.fact, [])
        clauses = []
        for case in d.cases:
            clauses.append({"or": [*before, {"!": case.when}, _is(d.fact, case.value)]})
            before.append(case.when)
        rule = clauses[0] if len(clauses) == 1 else {"and": clauses}
        out.append(Constraint(d.id, rule, f"{d.fact} as {d.definition} derives it", d.definition))
    return out


_CONSTRAINTS: dict[int, tuple[Relations, tuple[Constraint, ...]]] = {}  # id(relations) -> (them, their constraints)


def constraints(vocab: Vocabulary) -> tuple[Constraint, ...]:
    """Every constraint of the vocabulary, with each derivation and implication read as one (built once per
    parsed relations: every question's analysis plan asks for them)."""
    rel = relations(vocab)
    hit = _CONSTRAINTS.get(id(rel))
    if hit is not None and hit[0] is rel:
        return hit[1]
    if len(_CONSTRAINTS) > 64:
        _CONSTRAINTS.clear()
    built = _constraints(rel)
    _CONSTRAINTS[id(rel)] = (rel, built)
    return built


def _constraints(rel: Relations) -> tuple[Constraint, ...]:
    implied = [
        Constraint(
            m.id,
            {"or": [{"!": {"var": m.if_fact}}, {"var": m.then_fact}]},
            f"{m.if_fact} implies {m.then_fact}",
            m.definition,
        )
        for m in rel.implications
    ]
    return rel.constraints + tuple(_derivation_rules(rel)) + tuple(implied)
