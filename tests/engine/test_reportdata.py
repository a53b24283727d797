"""engine.reportdata agrees with schema/report.schema.json and schema/reviews.schema.json, both ways.

The schemas are walked beside the TypedDicts: every property of a schema object
is a key of its TypedDict with a compatible type, required keys are the
TypedDict's required keys, and the TypedDict has no key the schema does not
allow. The checker itself is tested on mutated schemas, so it cannot pass by
checking nothing.
"""

import copy
import json
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from engine import reportdata as rd

SCHEMA = Path(__file__).resolve().parents[2] / "schema"
SIMPLE = {"string": str, "integer": int, "number": float, "boolean": bool}


def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA / f"{name}.schema.json").read_text(encoding="utf-8"))


def _members(tp: Any) -> list[Any]:
    """A Union's members, with a Literal of several values kept as one member."""
    return list(get_args(tp)) if get_origin(tp) in (Union, types.UnionType) else [tp]


def mismatches(node: dict[str, Any], tp: Any, where: str, root: dict[str, Any]) -> list[str]:
    """Where the schema `node` and the annotation `tp` disagree (empty when they agree)."""
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    if "const" in node:
        return (
            []
            if get_origin(tp) is Literal and get_args(tp) == (node["const"],)
            else [f"{where}: const {node['const']!r}, type {tp}"]
        )
    if "enum" in node:
        if (
            get_origin(tp) is Literal
            and set(get_args(tp)) == set(node["enum"])
            and len(get_args(tp)) == len(node["enum"])
        ):
            return []
        return [f"{where}: enum {node['enum']}, type {tp}"]
    for key in ("oneOf", "anyOf"):
        if key in node:
            return _union(node[key], tp, where, root)
    kind = node.get("type")
    if isinstance(kind, list):
        return _union([{**node, "type": k} for k in kind], tp, where, root)
    if kind is None:
        return [] if tp is Any else [f"{where}: the schema says nothing of the type, annotation {tp} (use Any)"]
    if kind in SIMPLE:
        return [] if tp is SIMPLE[kind] else [f"{where}: {kind}, type {tp}"]
    if kind == "array":
        if get_origin(tp) is not list:
            return [f"{where}: array, type {tp}"]
        return mismatches(node["items"], get_args(tp)[0], f"{where}[]", root) if "items" in node else []
    if kind == "object":
        if is_typeddict(tp):
            return _object(node, tp, where, root)
        if get_origin(tp) is dict and "properties" not in node and isinstance(node.get("additionalProperties"), dict):
            return mismatches(node["additionalProperties"], get_args(tp)[1], f"{where}/*", root)
        return [f"{where}: object, type {tp}"]
    return [f"{where}: schema type {kind!r} not understood by this test"]


def _union(branches: list[dict[str, Any]], tp: Any, where: str, root: dict[str, Any]) -> list[str]:
    members = _members(tp)
    if len(members) != len(branches):
        return [f"{where}: {len(branches)} alternatives in the schema, {len(members)} in {tp}"]
    out = []
    left = list(members)
    for i, branch in enumerate(branches):
        match = next((m for m in left if not mismatches(branch, m, where, root)), None)
        if match is None:
            out.append(f"{where}: alternative {i} matches no member of {tp}")
        else:
            left.remove(match)
    return out


def _object(node: dict[str, Any], tp: Any, where: str, root: dict[str, Any]) -> list[str]:
    props: dict[str, Any] = node.get("properties", {})
    required = set(node.get("required", []))
    hints = get_type_hints(tp)
    keys = set(hints)
    out = []
    for key in sorted((set(props) | required) - keys):
        out.append(f"{where}/{key}: in the schema, not a key of {tp.__name__}")
    if set(tp.__required_keys__) != required:
        out.append(
            f"{where}: required {sorted(required)} in the schema, {sorted(tp.__required_keys__)} in {tp.__name__}"
        )
    closed = node.get("additionalProperties", True) is False
    for key in sorted(keys - set(props) - required):
        # An open object (no additionalProperties: false) may carry more keys; the type may name them, optional only.
        if closed or key in tp.__required_keys__:
            out.append(f"{where}/{key}: a key of {tp.__name__}, not allowed by the schema")
    for key in sorted(set(props) & keys):
        out.extend(mismatches(props[key], hints[key], f"{where}/{key}", root))
    return out


@pytest.mark.parametrize(("name", "tp"), [("report", rd.Report), ("reviews", rd.Reviews)])
def test_typed_data_matches_the_schema(name: str, tp: Any) -> None:
    schema = _schema(name)
    assert mismatches(schema, tp, "", schema) == []


def test_one_severity_order_the_vocabulary_and_the_report_agree_on() -> None:
    report = _schema("report")["$defs"]["conflict"]["properties"]["severity"]["enum"]
    vocab_schema = _schema("vocabulary")
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("severity"), dict) and "enum" in node["severity"]:
                found.append(node["severity"]["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(vocab_schema)
    assert found and all(list(rd.SEVERITIES) == enum for enum in found)
    assert list(rd.SEVERITIES) == report
    assert sorted(["low", "high", "unheard-of", "medium"], key=rd.severity_rank) == [
        "high",
        "medium",
        "low",
        "unheard-of",
    ]


def _bad(schema: dict[str, Any], change: Any) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    change(out)
    return out


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: s["properties"].update(extra={"type": "string"}), id="property-added"),
        pytest.param(lambda s: s["required"].remove("sources"), id="required-dropped"),
        pytest.param(lambda s: s["properties"]["summary"]["required"].append("extra"), id="required-added"),
        pytest.param(lambda s: s["properties"].pop("truncated"), id="property-removed"),
        pytest.param(
            lambda s: s["$defs"]["conflict"]["properties"]["severity"]["enum"].append("critical"), id="enum-widened"
        ),
        pytest.param(
            lambda s: s["$defs"]["conflict"]["properties"]["threshold"].update(type="string"), id="type-changed"
        ),
        pytest.param(
            lambda s: s["$defs"]["conflict"]["properties"]["region"]["properties"]["constraints"]["items"][
                "properties"
            ]["values"]["items"].update(type=["string"]),
            id="union-narrowed",
        ),
        pytest.param(
            lambda s: s["properties"]["sources"]["items"]["properties"]["claims"].update(type="number"),
            id="integer-to-number",
        ),
    ],
)
def test_the_check_fails_when_the_schema_changes_without_the_type(change: Any) -> None:
    schema = _bad(_schema("report"), change)
    assert mismatches(schema, rd.Report, "", schema)


def test_the_check_fails_when_the_type_changes_without_the_schema() -> None:
    schema = _schema("reviews")

    class Entry(typing.TypedDict):
        disposition: rd.DispositionValue
        reviewer: str
        date: int  # not the schema's string
        note: typing.NotRequired[str]
        history: typing.NotRequired[list[rd.EarlierDisposition]]
        migrated_from: typing.NotRequired[list[str]]
        migration: typing.NotRequired[str]
        judged: typing.NotRequired[dict[str, str]]

    class Reviews(typing.TypedDict, total=False):
        accord: Literal[1]
        conflicts: dict[str, Entry]
        claims: dict[str, list[rd.ReviewStep]]

    assert mismatches(schema, Reviews, "", schema) == ["/conflicts/*/date: string, type <class 'int'>"]
    Reviews.__annotations__["claims"] = dict[str, list[rd.DispositionEntry]]
    assert mismatches(schema, Reviews, "", schema)


def conforms(value: Any, tp: Any) -> bool:
    """Does the JSON value have the TypedDict's shape (keys, and types as far as JSON tells)?"""
    if tp is Any:
        return True
    origin = get_origin(tp)
    if origin is Literal:
        return value in get_args(tp)
    if origin in (Union, types.UnionType):
        return any(conforms(value, m) for m in get_args(tp))
    if origin is list:
        return isinstance(value, list) and all(conforms(v, get_args(tp)[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(conforms(v, get_args(tp)[1]) for v in value.values())
    if is_typeddict(tp):
        hints = get_type_hints(tp)
        return (
            isinstance(value, dict)
            and set(tp.__required_keys__) <= set(value)
            and set(value) <= set(hints)
            and all(conforms(v, hints[k]) for k, v in value.items())
        )
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


def test_the_bundled_report_and_reviews_have_the_typed_shape() -> None:
    from engine.review import load_reviews

    root = Path(__file__).resolve().parents[2] / "conflicts"
    report = json.loads((root / "report.json").read_text(encoding="utf-8"))
    assert report["conflicts"] and conforms(report, rd.Report)
    reviews, problems = load_reviews(root / "reviews.yaml")
    assert not problems and reviews["conflicts"] and conforms(reviews, rd.Reviews)
    report["conflicts"][0]["severity"] = "critical"
    assert not conforms(report, rd.Report)
