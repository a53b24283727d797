"""Editor and tool support: schema files, yaml-language-server modelines, --help on every subcommand."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from engine.cli import COMMANDS, main

REPO = Path(__file__).resolve().parents[2]
BASE = "https://accord-workbench.github.io/schema/v1/"
SCHEMAS = sorted((REPO / "schema").glob("*.json"))


def test_there_are_schemas() -> None:
    assert len(SCHEMAS) >= 6


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12_with_id_and_title(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    assert schema.get("title"), f"{path.name} has no title"
    assert schema.get("$id") == BASE + path.name, f"{path.name}: $id must be {BASE + path.name}"


def test_schema_ids_are_unique() -> None:
    ids = [json.loads(p.read_text(encoding="utf-8"))["$id"] for p in SCHEMAS]
    assert len(ids) == len(set(ids))


MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def _modeline(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8").splitlines()[:5]:
        m = MODELINE.match(line.strip())
        if m:
            return m[1]
    return None


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("rulesets/*.yaml", "../schema/ruleset.schema.json"),
        ("rulesets/patients/*.yaml", "../../schema/patient.schema.json"),
    ],
)
def test_bundled_files_carry_schema_modelines(pattern: str, expected: str) -> None:
    files = sorted(REPO.glob(pattern))
    assert files, f"no files match {pattern}"
    missing = [f.relative_to(REPO).as_posix() for f in files if _modeline(f) != expected]
    assert not missing, f"without '# yaml-language-server: $schema={expected}': {missing}"
    # the modeline resolves to a real schema file
    assert (files[0].parent / expected).resolve().is_file()


def test_editor_setup_maps_globs_to_existing_schemas() -> None:
    text = (REPO / "docs" / "editor-setup.md").read_text(encoding="utf-8")
    block = re.search(r"```jsonc?\n(.*?)```", text, re.S)
    assert block, "docs/editor-setup.md has a JSON settings block"
    settings = json.loads(re.sub(r"^\s*//.*$", "", block[1], flags=re.M))
    mapping = settings["yaml.schemas"]
    assert any("ruleset" in k for k in mapping) and any("patient" in k for k in mapping)
    for schema_path in mapping:
        assert (REPO / schema_path.lstrip("./")).is_file(), schema_path


# ---------------------------------------------------------------- --help, --version


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_subcommand_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out.lower()
    assert "--quiet" in out and "--verbose" in out


def test_version() -> None:
    from engine import __version__

    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--version"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == f"accord {__version__}"


def test_pre_commit_hooks_file() -> None:
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert hooks["accord-validate"]["entry"] == "accord validate"
    assert hooks["accord-validate"]["files"] == "^rulesets/"
    assert hooks["accord-validate"]["pass_filenames"] is False
    assert hooks["accord-conflicts-check"]["entry"] == "accord conflicts --check"
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["name"]


def test_ci_workflow_example() -> None:
    import yaml

    text = (REPO / "docs" / "ci" / "github-workflow.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "--format sarif > accord.sarif" in runs and "--format github" in runs
    upload = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif")]
    assert upload and upload[0]["with"]["sarif_file"] == "accord.sarif"
