"""JSON-Logic for the common conditions, built from a few choices so an editor never types brackets.

The claim editor's condition builder (F9) asks for one or more of: a band
over one numeric fact (each end open, closed or absent), a fact equal to a
value, a boolean fact true or false; joined by and (all of) or or (any of).
`build_rule` turns them into the JSON-Logic the bundled rulesets use
(`{"<=": [30, {"var": "egfr"}, 49]}`, `{"!": {"var": "pregnant"}}`), checked
against the vocabulary first: an unknown fact, a band over a non-number, a
value the fact does not have, or an empty band is refused with a message.
`set_when` writes the rule at the claim's `when:`, as YAML flow or block to
match the file, and checks the text reads back as that rule.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from engine.yamltext import dump_block, quoted, reads_back


class BuildError(ValueError):
    """A condition that cannot be built (its message says why, naming the fact)."""


@dataclass(frozen=True)
class Band:
    """low <(=) fact <(=) high; an end left None is open-ended (no bound on that side)."""

    fact: str
    low: float | int | None = None
    high: float | int | None = None
    low_closed: bool = True
    high_closed: bool = False


@dataclass(frozen=True)
class Equals:
    """fact == value (an enum fact's value, a number or a text)."""

    fact: str
    value: Any


@dataclass(frozen=True)
class IsTrue:
    """A boolean fact is true (or false, with value=False)."""

    fact: str
    value: bool = True


Condition = Band | Equals | IsTrue


def _fact(name: str, vocab: Any) -> Any:
    fact = vocab.facts.get(name)
    if fact is None:
        raise BuildError(f"unknown fact {name!r}: not in schema/vocabulary.yaml")
    return fact


def _number(value: Any, what: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) == float("inf"):
        raise BuildError(f"{what} must be a finite number, not {value!r}")
    return int(value) if isinstance(value, float) and value.is_integer() else value


def build(condition: Condition, vocab: Any) -> Any:
    """The JSON-Logic of one condition (BuildError when the vocabulary does not allow it)."""
    fact = _fact(condition.fact, vocab)
    var = {"var": fact.name}
    if isinstance(condition, Band):
        if fact.type != "number":
            raise BuildError(f"a band needs a number fact; {fact.name} is {fact.type}")
        low = None if condition.low is None else _number(condition.low, f"the lower end of {fact.name}")
        high = None if condition.high is None else _number(condition.high, f"the upper end of {fact.name}")
        lo_op = "<=" if condition.low_closed else "<"
        hi_op = "<=" if condition.high_closed else "<"
        if low is None and high is None:
            raise BuildError(f"a band over {fact.name} needs at least one end")
        if low is not None and high is not None:
            if low > high or (low == high and not (condition.low_closed and condition.high_closed)):
                raise BuildError(f"the band over {fact.name} is empty: {low} to {high}")
            if lo_op == hi_op:
                return {lo_op: [low, var, high]}
            return {"and": [{lo_op: [low, var]}, {hi_op: [var, high]}]}
        if low is not None:
            return {">=" if condition.low_closed else ">": [var, low]}
        return {hi_op: [var, high]}
    if isinstance(condition, IsTrue):
        if fact.type != "boolean":
            raise BuildError(f"true/false needs a boolean fact; {fact.name} is {fact.type}")
        return var if condition.value else {"!": var}
    value = condition.value
    if fact.type == "boolean":
        if not isinstance(value, bool):
            raise BuildError(f"{fact.name} is true or false, not {value!r}")
        return var if value else {"!": var}
    if fact.values and value not in fact.values:
        raise BuildError(f"{value!r} is not a value of {fact.name}; its values: {', '.join(fact.values)}")
    if fact.type == "number":
        value = _number(value, f"the value of {fact.name}")
    return {"==": [var, value]}


def build_rule(conditions: list[Condition], how: Literal["and", "or"], vocab: Any) -> Any:
    """One condition's rule, or all of them joined by `how` (and: all hold; or: any holds)."""
    if not conditions:
        raise BuildError("no condition to build")
    if how not in ("and", "or"):
        raise BuildError(f"join conditions with and or or, not {how!r}")
    rules = [build(c, vocab) for c in conditions]
    return rules[0] if len(rules) == 1 else {how: rules}


# ------------------------------------------------------------------ writing it at `when:`

_WHEN_LINE = re.compile(r"(?m)^[ \t]*(?:-[ \t]+)?when:[ \t]*(\S?)")


def when_style(text: str) -> Literal["flow", "block"]:
    """How a file writes its rules: block when most `when:` lines have nothing after the colon, else flow."""
    flow = block = 0
    for match in _WHEN_LINE.finditer(text):
        if match.group(1) in ("", "#"):
            block += 1
        else:
            flow += 1
    return "block" if block > flow else "flow"


def when_text(rule: Any, style: Literal["flow", "block"], indent: int = 0) -> str:
    """`when: RULE` as YAML text at `indent` (flow: one line of JSON; block: nested keys and dashes)."""
    pad = " " * indent
    if style == "flow" or not isinstance(rule, (dict, list)) or not rule:
        return f"{pad}when: {quoted(rule, 'the rule')}"
    lines = dump_block({"when": rule}).rstrip("\n").split("\n")
    return "\n".join(pad + line for line in lines)


def set_when(snippet: str, rule: Any, style: Literal["flow", "block"] = "flow", name: str = "claim.yaml") -> str:
    """The claim's YAML with its `when:` (and whatever follows it, indented) replaced by `rule`.

    A claim without `when:` gets one before its provenance (or at the end).
    BuildError when the result would not read back with exactly this rule.
    """
    from engine.loader import LoadError, load_text

    lines = snippet.split("\n")
    at = next((i for i, line in enumerate(lines) if re.match(r"when:(\s|$)", line)), None)
    if at is None:
        at = next((i for i, line in enumerate(lines) if re.match(r"provenance:(\s|$)", line)), None)
        if at is None:
            at = len(lines) - 1 if lines and lines[-1] == "" else len(lines)
        end = at
    else:
        end = at + 1
        while end < len(lines) and (lines[end].startswith((" ", "\t")) or lines[end].strip() == ""):
            if lines[end].strip() == "" and not any(line.startswith((" ", "\t")) for line in lines[end + 1 : end + 2]):
                break
            end += 1
    new = lines[:at] + when_text(rule, style).split("\n") + lines[end:]
    text = "\n".join(new)
    try:
        data = load_text(text, name).data
    except LoadError as exc:
        raise BuildError(f"the claim does not read as YAML after writing the rule: {exc.diagnostic.message}") from None
    if not isinstance(data, dict) or not reads_back(json.dumps(data.get("when")), rule, name, as_json=True):
        raise BuildError("the rule would not read back as built; nothing was changed")
    return text
