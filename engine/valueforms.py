"""Every form a question's value may take, with an example of each, read from its JSON Schema.

The claim editor's value help lists them (for `dose`: a regimen `{mg,
every_days}`, alternatives `{one_of: [...]}`, then the verdict words), in the
schema's own order. Nothing here names a question: the forms are the
branches of the question's `value` schema in schema/vocabulary.yaml
(oneOf/anyOf, `$ref` into its `$defs`), and each example is built from the
branch (its `examples` or `default` when it has them, else from types and
bounds) and kept only when the question's whole schema accepts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.yamltext import plain_or_quoted

_CANDIDATE_STRINGS = ("Example", "text", "A1", "a")


@dataclass(frozen=True)
class FieldHelp:
    """One property of an object form: its name, whether it is required, and what it holds."""

    name: str
    required: bool
    kind: str
    description: str = ""


@dataclass(frozen=True)
class ValueForm:
    """One form of answer: a title, what it means, an example the schema accepts, and its parts."""

    title: str
    description: str
    example: Any
    words: tuple[Any, ...] = ()  # the enum values, for a form that is a choice of words
    fields: tuple[FieldHelp, ...] = field(default_factory=tuple)

    @property
    def example_text(self) -> str:
        """The example as one line of YAML flow (`{mg: 1, every_days: 1}`), as a claim's `value:` holds it."""
        return flow_yaml(self.example)


def flow_yaml(value: Any) -> str:
    """Plain data as one-line YAML flow: simple words plain, everything else JSON-quoted (reads back identical)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{plain_or_quoted(str(k))}: {flow_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_yaml(v) for v in value) + "]"
    return plain_or_quoted(value)


class _Schema:
    """A question's value schema with its `$defs`, and the validator that judges the examples."""

    def __init__(self, root: dict[str, Any], validator: Any) -> None:
        self.root = root
        self.validator = validator

    def resolve(self, node: Any) -> dict[str, Any]:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
            ref: str = node["$ref"]
            target: Any = self.root
            if not ref.startswith("#/"):
                return {}
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            node, seen = target, seen + 1
        return node if isinstance(node, dict) else {}

    def branches(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The alternatives a schema offers (oneOf/anyOf, nested ones flattened), or the schema itself."""
        node = self.resolve(node)
        for key in ("oneOf", "anyOf"):
            if isinstance(node.get(key), list) and node[key]:
                out: list[dict[str, Any]] = []
                for option in node[key]:
                    out.extend(self.branches(option))
                return out
        return [node]

    def accepts(self, value: Any) -> bool:
        return bool(self.validator.is_valid(value))


def _number(node: dict[str, Any], integer: bool, seed: int) -> int | float:
    low = node.get("minimum")
    if not isinstance(low, (int, float)):
        ex = node.get("exclusiveMinimum")
        low = (ex + 1 if integer or ex == int(ex) else ex * 2) if isinstance(ex, (int, float)) else 1
    value: int | float = low + seed
    high = node.get("maximum")
    if isinstance(high, (int, float)) and value > high:
        value = high
    return int(value) if integer or float(value).is_integer() else value


def example_of(schema: _Schema, node: Any, seed: int = 0, depth: int = 0) -> Any:
    """A value the schema `node` accepts, built from its keywords (None when none can be built)."""
    node = schema.resolve(node)
    if depth > 12:
        return None
    for key in ("examples", "default"):
        given = node.get(key)
        if key == "examples" and isinstance(given, list) and given:
            return given[min(seed, len(given) - 1)]
        if key == "default" and key in node:
            return given
    if "const" in node:
        return node["const"]
    if isinstance(node.get("enum"), list) and node["enum"]:
        return node["enum"][0]
    branches = schema.branches(node)
    if len(branches) > 1 or branches[0] is not node:
        return example_of(schema, branches[0], seed, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    props: dict[str, Any] = node["properties"] if isinstance(node.get("properties"), dict) else {}
    if kind == "object" or (kind is None and props):
        required = [k for k in node.get("required", []) if isinstance(k, str)]
        names = required or list(props)[: max(1, int(node.get("minProperties", 0) or 0))]
        # Prefer a property that is a choice of words when nothing is required (it reads best).
        if not required:
            words = [k for k, v in props.items() if isinstance(schema.resolve(v).get("enum"), list)]
            names = words[:1] or names
        return {name: example_of(schema, props.get(name, {}), seed, depth + 1) for name in names}
    if kind == "array":
        count = max(1, int(node.get("minItems", 1) or 1))
        return [example_of(schema, node.get("items", {}), seed + i, depth + 1) for i in range(count)]
    if kind in ("number", "integer"):
        return _number(node, kind == "integer", seed)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if kind == "string":
        from engine.contract import value_validator

        check = value_validator(node)
        return next((s for s in _CANDIDATE_STRINGS if check.is_valid(s)), None)
    return None


def _kind_text(schema: _Schema, node: Any) -> str:
    node = schema.resolve(node)
    if isinstance(node.get("enum"), list):
        return "one of " + ", ".join(str(v) for v in node["enum"])
    branches = schema.branches(node)
    if len(branches) > 1:
        return " or ".join(_kind_text(schema, b) for b in branches)
    kind = node.get("type", "any")
    if kind == "array":
        return f"list of {_kind_text(schema, node.get('items', {}))}"
    bounds = []
    for key, sign in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<")):
        if isinstance(node.get(key), (int, float)):
            bounds.append(f"{sign} {node[key]}")
    return str(kind) + (f" {' '.join(bounds)}" if bounds else "")


def _title(node: dict[str, Any], words: tuple[Any, ...]) -> str:
    if isinstance(node.get("title"), str):
        return str(node["title"])
    if words:
        return "One of these words" if len(words) > 1 else "This word"
    kind = node.get("type")
    return {"object": "An object", "array": "A list", "string": "Text", "number": "A number"}.get(str(kind), "A value")


def value_forms(question: str, vocab: Any) -> list[ValueForm]:
    """The forms a claim's value for `question` may take, in the schema's order, each with an accepted example."""
    q = vocab.questions.get(question)
    if q is None:
        return []
    root = q.value_schema if isinstance(q.value_schema, dict) else {}
    schema = _Schema(root, q.value_validator)
    forms: list[ValueForm] = []
    for branch in schema.branches(root):
        words = tuple(branch["enum"]) if isinstance(branch.get("enum"), list) else ()
        example = example_of(schema, branch)
        if not schema.accepts(example):
            example = next((w for w in words if schema.accepts(w)), None)
        props: dict[str, Any] = branch["properties"] if isinstance(branch.get("properties"), dict) else {}
        required = set(branch.get("required", []))
        fields = tuple(
            FieldHelp(
                name,
                name in required,
                _kind_text(schema, spec),
                str(schema.resolve(spec).get("description", "")),
            )
            for name, spec in props.items()
        )
        description = str(branch.get("description", ""))
        forms.append(
            ValueForm(
                _title(branch, words),
                " ".join(description.split()),
                example if schema.accepts(example) else None,
                words,
                fields,
            )
        )
    return forms
