"""Shared fixtures: small, self-contained rulesets written into tmp folders."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
ACCORD = [sys.executable, "-m", "engine.cli"]


class NoAliasDumper(yaml.SafeDumper):
    """Accord rejects YAML aliases, so test fixtures must never emit them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=NoAliasDumper, sort_keys=False, allow_unicode=True)


def write_ruleset(folder: Path, source_id: str, text: str, claims: list[dict[str, Any]], **extra: Any) -> Path:
    """Write rulesets/<id>.yaml plus sources/<id>.txt; claims give `quote` instead of provenance."""
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / "sources" / f"{source_id}.txt").write_text(text, encoding="utf-8", newline="")
    out = []
    for i, claim in enumerate(claims):
        claim = dict(claim)
        quote = claim.pop("quote", None) or text.split(".")[0]
        start = text.index(quote)
        claim.setdefault("id", f"{source_id}/c{i}")
        claim.setdefault("status", "submitted")
        claim.setdefault("when", True)
        claim["provenance"] = {
            "exact": quote,
            "prefix": text[max(0, start - 32) : start],
            "suffix": text[start + len(quote) : start + len(quote) + 32],
            "start": start,
            "end": start + len(quote),
        }
        out.append(claim)
    data = {
        "accord": 1,
        "source": {
            "id": source_id,
            "title": source_id,
            "text": f"sources/{source_id}.txt",
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        },
        "claims": out,
        **extra,
    }
    path = folder / f"{source_id}.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


@pytest.fixture
def ruleset_writer(tmp_path: Path) -> Callable[..., Path]:
    def write(source_id: str, text: str, claims: list[dict[str, Any]], **extra: Any) -> Path:
        return write_ruleset(tmp_path, source_id, text, claims, **extra)

    return write


def possible(rule: Any) -> bool:
    """Some patient the bundled vocabulary allows satisfies `rule` (or that is undecided): what `accord validate`
    accepts (an impossible condition is E215). Property tests that generate conditions filter with it."""
    from engine.analysis.satisfy import decide
    from engine.contract import vocabulary

    verdict = decide(rule, vocabulary())
    return verdict is None or verdict.satisfiable
