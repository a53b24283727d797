"""Synthetic corpus: N sources x M claims with planted overlaps, gaps and contradictions.

Every source bands eGFR at the same shared thresholds for each combination of
indication, Child-Pugh class and sex, and gives the same dose per band, so the
sources agree everywhere except where something was planted:

* contradiction (between_sources): source 1 gives another dose on one band
  of one combination than every other source;
* overlap (within_source): source 2 has an extra claim over two bands of one
  combination with a dose neither band gives;
* gap: source 3 leaves out one inner band of one combination.

Each source is written as a valid ruleset (rulesets/<id>.json) with its
verbatim source text (rulesets/sources/<id>.txt): one sentence per claim,
provenance offsets, prefix/suffix and the text's sha256 exact.

    python benchmarks/synth.py --sources 20 --claims 1000 [--out DIR]
    python benchmarks/synth.py --drugs 500 --sources 5 --claims 50 [--out DIR]   # a formulary (generate_formulary)
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INDICATIONS = [
    "rheumatoid_arthritis",
    "covid19",
    "alopecia_areata",
    "atopic_dermatitis",
    "psoriatic_arthritis",
    "systemic_lupus_erythematosus",
    "juvenile_idiopathic_arthritis",
]
CHILD_PUGH = ["A", "B", "C"]
SEXES = ["female", "male"]
DOSES = [{"mg": 1, "every_days": 2}, {"mg": 1, "every_days": 1}, {"mg": 2, "every_days": 1}, {"mg": 4, "every_days": 1}]
CONTEXT = 32


@dataclass(frozen=True)
class Planted:
    kind: str  # between_sources | within_source | gap
    question: str
    claims: tuple[str, ...]  # claim ids that must be named by the finding
    sources: tuple[str, ...]


@dataclass
class Corpus:
    folder: Path
    sources: list[str]
    claims: int
    planted: list[Planted] = field(default_factory=list)


def _thresholds(bands: int) -> list[float]:
    """bands-1 inner eGFR thresholds, shared by every source, inside the fact's range [0, 200]."""
    step = 180 / bands
    return [round(10 + step * i, 1) for i in range(1, bands)]


def _band_rule(combo: tuple[str, str, str], lo: float | None, hi: float | None) -> dict[str, Any]:
    indication, child_pugh, sex = combo
    parts: list[Any] = [
        {"==": [{"var": "indication"}, indication]},
        {"==": [{"var": "child_pugh"}, child_pugh]},
        {"==": [{"var": "sex"}, sex]},
    ]
    if lo is not None:
        parts.append({">=": [{"var": "egfr"}, lo]})
    if hi is not None:
        parts.append({"<": [{"var": "egfr"}, hi]})
    return {"and": parts}


def _dose(band: int, bands: int) -> dict[str, Any]:
    return DOSES[min(len(DOSES) - 1, band * len(DOSES) // bands)]


def generate(
    folder: str | Path,
    sources: int = 20,
    claims: int = 1000,
    seed: int = 0,
    prefix: str = "",
    drug: str = "baricitinib",
) -> Corpus:
    """Write the corpus into `folder` (created); return what was planted where.

    `prefix` starts every source id (`d0001-` gives d0001-synth-000), so several drugs' corpora
    can share one folder; `drug` is each ruleset's top-level drug."""
    folder = Path(folder)
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    combos = list(itertools.product(INDICATIONS, CHILD_PUGH, SEXES))  # 42
    bands = max(3, -(-claims // len(combos)))
    cuts = _thresholds(bands)
    edges: list[tuple[float | None, float | None]] = list(zip([None] + cuts, cuts + [None]))
    ids = [f"{prefix}synth-{i:03d}" for i in range(sources)]
    corpus = Corpus(folder, ids, 0)
    # planted places (distinct combos, inner bands), deterministic from the seed
    available = max(3, min(len(combos), claims // bands))  # combinations that get all their bands
    pick = (seed * 7919) % available
    contra_combo, overlap_combo, gap_combo = (combos[(pick + k * available // 3) % available] for k in range(3))
    contra_band, overlap_band, gap_band = (
        bands // 2,
        max(1, bands // 3),
        max(1, min(bands - 2, bands // 2)),
    )  # inner bands

    for s, source_id in enumerate(ids):
        items: list[tuple[str, Any, dict[str, Any], str]] = []  # (id, value, when, sentence)
        n = 0
        for combo in combos:
            for band, (lo, hi) in enumerate(edges):
                if n >= claims:
                    break
                if s == 3 % sources and combo == gap_combo and band == gap_band and sources > 3:
                    continue  # planted gap
                value = _dose(band, bands)
                if s == 1 % sources and combo == contra_combo and band == contra_band and sources > 1:
                    value = {"mg": 3, "every_days": 1}  # planted contradiction
                claim_id = f"{source_id}/c{n:05d}"
                items.append((claim_id, value, _band_rule(combo, lo, hi), _sentence(combo, lo, hi, value)))
                n += 1
        if sources > 2 and s == 2 % sources:
            lo, hi = edges[overlap_band][0], edges[overlap_band + 1][1]
            claim_id = f"{source_id}/overlap"
            value = {"mg": 2, "every_days": 3}
            items.append((claim_id, value, _band_rule(overlap_combo, lo, hi), _sentence(overlap_combo, lo, hi, value)))
        _write(folder, source_id, items, drug)
        corpus.claims += len(items)

    def ids_for(source: str, combo: tuple[str, str, str], band: int) -> str:
        # claim number of (combo, band) in a source without a skipped band before it
        index = combos.index(combo) * bands + band
        return f"{source}/c{index:05d}"

    if sources > 1:
        others = tuple(i for i in ids if i != ids[1])
        corpus.planted.append(
            Planted("between_sources", "dose", (ids_for(ids[1], contra_combo, contra_band),), (ids[1],) + others[:1])
        )
    if sources > 2:
        corpus.planted.append(Planted("within_source", "dose", (f"{ids[2]}/overlap",), (ids[2],)))
    if sources > 3:
        below, above = (
            ids_for(ids[3], gap_combo, gap_band - 1),
            ids_for(ids[3], gap_combo, gap_band),
        )  # numbering shifts after the hole
        corpus.planted.append(Planted("gap", "dose", (below, above), (ids[3],)))
    return corpus


def drug_name(index: int) -> str:
    """The synthetic drug number `index` (from 1): d0001, a valid lower-case drug name and id prefix."""
    return f"d{index:04d}"


@dataclass
class Formulary:
    folder: Path
    drugs: dict[str, Corpus]  # drug name -> its corpus (sources, claims, planted)

    @property
    def claims(self) -> int:
        return sum(c.claims for c in self.drugs.values())


def generate_formulary(folder: str | Path, drugs: int, sources: int = 5, claims: int = 50, seed: int = 0) -> Formulary:
    """Write `drugs` drugs' corpora into one rulesets folder: drug d0001 has sources d0001-synth-000 ...

    Each drug is generate()'s corpus under its own drug and source ids (so each keeps its planted
    contradiction, overlap and gap); the planted places move with the drug (seed + index)."""
    folder = Path(folder)
    out = Formulary(folder, {})
    for i in range(1, drugs + 1):
        name = drug_name(i)
        out.drugs[name] = generate(folder, sources, claims, seed + i, prefix=f"{name}-", drug=name)
    return out


def _fmt(x: float | None) -> str:
    return f"{x:g}"


def _sentence(combo: tuple[str, str, str], lo: float | None, hi: float | None, value: dict[str, Any]) -> str:
    indication, child_pugh, sex = combo
    band = (
        f"eGFR {_fmt(lo)} to below {_fmt(hi)}"
        if lo is not None and hi is not None
        else f"eGFR below {_fmt(hi)}"
        if hi is not None
        else f"eGFR {_fmt(lo)} or more"
    )
    every = "once daily" if value["every_days"] == 1 else f"every {value['every_days']} days"
    return f"In {indication.replace('_', ' ')}, Child-Pugh {child_pugh}, {sex} patients with {band}: {value['mg']} mg {every}."


def _write(
    folder: Path, source_id: str, items: list[tuple[str, Any, dict[str, Any], str]], drug: str = "baricitinib"
) -> None:
    text_parts = [f"Synthetic source {source_id}.\n\n"]
    offsets = []
    pos = len(text_parts[0])
    for _, _, _, sentence in items:
        offsets.append((pos, pos + len(sentence)))
        text_parts.append(sentence + "\n")
        pos += len(sentence) + 1
    text = "".join(text_parts)
    claims = []
    for (claim_id, value, when, sentence), (start, end) in zip(items, offsets):
        assert text[start:end] == sentence
        claims.append(
            {
                "id": claim_id,
                "question": "dose",
                "value": value,
                "when": when,
                "provenance": {
                    "exact": sentence,
                    "prefix": text[max(0, start - CONTEXT) : start],
                    "suffix": text[end : end + CONTEXT],
                    "start": start,
                    "end": end,
                },
                "status": "submitted",
            }
        )
    ruleset = {
        "accord": 1,
        "source": {
            "id": source_id,
            "title": f"Synthetic source {source_id}",
            "kind": "other",
            "text": f"sources/{source_id}.txt",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        },
        "drug": drug,
        "claims": claims,
    }
    (folder / "sources" / f"{source_id}.txt").write_bytes(text.encode("utf-8"))
    (folder / f"{source_id}.json").write_text(json.dumps(ruleset, indent=1, ensure_ascii=False), encoding="utf-8")


def found_planted(corpus: Corpus, analysis: Any) -> list[tuple[Planted, bool]]:
    """Which planted conflicts engine.analysis found (a finding of the kind naming the claims and sources)."""
    out = []
    for planted in corpus.planted:
        q = analysis.questions.get(planted.question)
        hit = False
        for f in q.findings if q else []:
            if f.kind != planted.kind:
                continue
            if not set(planted.sources[:1]) <= set(f.sources):
                continue
            if not set(planted.claims) <= set(f.claims) | set(f.ending) | set(f.beginning):
                continue
            hit = True
            break
        out.append((planted, hit))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--drugs", type=int, default=0, help="a formulary of this many drugs (generate_formulary)")
    parser.add_argument("--out", help="folder to write into (default: a new temporary folder)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="accord-synth-"))
    if args.drugs:
        formulary = generate_formulary(out, args.drugs, args.sources, args.claims)
        print(f"{out}: {len(formulary.drugs)} drugs x {args.sources} sources, {formulary.claims} claims")
        return 0
    corpus = generate(out, args.sources, args.claims)
    print(
        f"{out}: {len(corpus.sources)} sources, {corpus.claims} claims, planted: "
        + ", ".join(p.kind for p in corpus.planted)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
