"""A finding's witness saved as a test patient, so that `accord test` guards the decision (issue 18 item 6).

A reviewer who decides a finding wants to know when the sources' answers there change. The
witness patient of one of its regions, with each of its sources' current answers (on the
finding's question, or both of a broken link's) as expected answers, becomes
rulesets/patients/<id>.yaml: when an edit changes what a source answers for that patient,
`accord test` fails and says which. The answers come from engine.evaluate.evaluate_patient,
the code `accord eval` and `accord test` run, and each expectation is checked to match before
anything is written. An existing patient file is never overwritten.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.atomic import write_atomic
from engine.evaluate import ANSWERED, CONFLICTING, Answer, evaluate_patient
from engine.meaning.questions import cardinality
from engine.testing import matches
from engine.yamltext import dump_block, reads_back

if TYPE_CHECKING:
    from engine.model import Ruleset
    from engine.reportdata import ConflictData

PATIENT_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
HEADER = "# yaml-language-server: $schema=../../schema/patient.schema.json\n"


class WitnessError(ValueError):
    """Why a witness cannot be saved (no such region, the patient exists, an unusable id)."""


def expectation_of(answer: Answer) -> Any:
    """What a patient file expects for `answer`: its value, its values (cardinality many), conflicting, or a status."""
    if answer.status == ANSWERED:
        values = [v.value for v in answer.values]
        return values if cardinality(answer.question) == "many" and len(values) > 1 else values[0]
    if answer.status == CONFLICTING:
        return {"conflicting": [v.value for v in answer.values]}
    return answer.status  # silent or indeterminate


def witness_patient(
    finding: ConflictData, rulesets: list[Ruleset], region: int = 1, patient_id: str | None = None
) -> dict[str, Any]:
    """The patient for region `region` (1-based) of `finding`: its witness facts, each source's answer expected."""
    witnesses = [r["witness"] for r in finding.get("regions", [])] or [finding["witness"]]
    count = len(witnesses)
    if not 1 <= region <= count:
        raise WitnessError(f"{finding['id']} has {count} region{'s' if count != 1 else ''}; no region {region}")
    facts = dict(witnesses[region - 1]["facts"])
    pid = patient_id or f"witness-{finding['id'].lower()}" + (f"-{region}" if count > 1 else "")
    if not PATIENT_ID.fullmatch(pid) or len(pid) > 100:
        raise WitnessError(f"{pid[:60]!r} is not a patient id (lower-case letters, digits, - and _)")
    by_id = {r.source_id: r for r in rulesets}
    missing = [s for s in finding["sources"] if s not in by_id]
    if missing:
        raise WitnessError(f"the rulesets have no source {', '.join(missing)}: run `accord conflicts` first")
    questions = list(finding.get("questions") or [finding["question"]])
    evaluated = evaluate_patient([by_id[s] for s in finding["sources"]], facts, pid, questions)
    expected: dict[str, dict[str, Any]] = {}
    for a in evaluated.answers:
        want = expectation_of(a)
        if not matches(want, a):  # never write an expectation the engine would fail at once
            raise WitnessError(f"{a.source} on {a.question}: its answer cannot be written as an expectation")
        expected.setdefault(a.source, {})[a.question] = want
    description = f"Witness of {finding['kind'].replace('_', ' ')} {finding['id']} on {finding['question']}"
    if count > 1:
        description += f", region {region} of {count}"
    description += ": saved with each source's answer at the time, so `accord test` fails when one changes."
    return {"id": pid, "description": description, "facts": facts, "expected": expected}


def save_witness_patient(rulesets_dir: str | os.PathLike[str], patient: dict[str, Any]) -> Path:
    """Write rulesets/patients/<id>.yaml (atomically, read back); WitnessError when it exists."""
    folder = Path(rulesets_dir) / "patients"
    path = folder / f"{patient['id']}.yaml"
    if path.exists() or path.is_symlink():
        raise WitnessError(f"{path} exists: the witness is already a test patient (or choose another --id)")
    body = dump_block(patient)
    if not reads_back(body, patient):
        raise WitnessError("the patient would not read back as written")
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(path, HEADER + body)
    return path
