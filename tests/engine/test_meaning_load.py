"""A broken vocabulary file is a located diagnostic at load, in every command, never an internal error.

engine.meaning.load.load_vocabulary checks the four files (vocabulary.yaml, relations.yaml, shapes.yaml,
links.yaml): the loader's own codes for YAML problems, E600 for a schema violation or a name the
vocabulary lacks. $ACCORD_SCHEMA_DIR points every command at a copy of schema/ (here, in tmp).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine import cli
from engine.contract import SCHEMA_DIR_VARIABLE, VocabularyError, vocabulary
from engine.diagnostics import CODES
from engine.meaning.load import load_vocabulary, vocabulary_problems

REPO = Path(__file__).resolve().parents[2]
PATIENT = REPO / "rulesets" / "patients" / "active-tb.yaml"


@pytest.fixture
def fresh() -> Iterator[None]:
    """vocabulary() is cached: read it anew under the variable, and the bundled one again afterwards."""
    vocabulary.cache_clear()
    yield
    vocabulary.cache_clear()


def copy(tmp: Path) -> Path:
    folder = tmp / "schema"
    shutil.copytree(REPO / "schema", folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` (which must exist) and return its 1-based line."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text[:at].count("\n") + 1


def unknown_shape_value(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "shapes.yaml", "      - value: class_effect", "      - value: classy_effect")
    return "shapes.yaml", line, "E600"


def unknown_link_question(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "links.yaml", "answer: {question: dose,", "answer: {question: dosage,")
    return "links.yaml", line, "E600"


def unknown_link_value(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "links.yaml", "values: [do_not_start, contraindicated]", "values: [do_not_start, forbidden]")
    return "links.yaml", line, "E600"


def unknown_relation_fact(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "relations.yaml", "    fact: renal_function_category", "    fact: renal_function_class")
    return "relations.yaml", line, "E600"


def relation_schema(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "relations.yaml", "    fact: renal_function_category", "    fact: 42")
    return "relations.yaml", line, "E600"


def links_syntax(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "links.yaml", "  - id: dose-verdict", "  - id: [dose-verdict")
    return "links.yaml", line, "E004"  # the unclosed list's line (the parser notices it on the next one)


def shapes_syntax(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "shapes.yaml", "questions:\n", "questions:\n  - broken: [\n")
    return "shapes.yaml", line + 1, "E004"  # the unclosed list's line (the parser notices it two keys later)


def relations_syntax(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "relations.yaml", "version: 1\n", "version: 1\n\tversion: 2\n")
    return "relations.yaml", line + 1, "E004"


def links_schema(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "links.yaml", "  - id: dose-verdict", "  - idd: dose-verdict")
    return "links.yaml", line, "E600"


def shapes_schema(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "shapes.yaml", "    cardinality: one\n", "    cardinality: several\n")
    return "shapes.yaml", line, "E600"


def vocabulary_schema(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "vocabulary.yaml", "  age_years:\n    type: number", "  age_years:\n    type: numeral")
    return "vocabulary.yaml", line + 1, "E600"


def vocabulary_syntax(folder: Path) -> tuple[str, int, str]:
    line = edit(folder / "vocabulary.yaml", "  age_years:\n", "  age_years:\n  age_years:\n")
    return "vocabulary.yaml", line + 1, "E005"


def vocabulary_fact_missing(folder: Path) -> tuple[str, int, str]:
    """A fact relations.yaml reads, renamed in vocabulary.yaml: relations.yaml is where it breaks."""
    edit(folder / "vocabulary.yaml", "  renal_function_category:", "  renal_function_class:")
    text = (folder / "relations.yaml").read_text(encoding="utf-8")
    return "relations.yaml", text[: text.index("fact: renal_function_category")].count("\n") + 1, "E600"


BREAKS: dict[str, Callable[[Path], tuple[str, int, str]]] = {
    fn.__name__: fn
    for fn in (
        unknown_shape_value,
        shapes_schema,
        shapes_syntax,
        relations_syntax,
        links_schema,
        unknown_link_question,
        unknown_link_value,
        links_syntax,
        unknown_relation_fact,
        relation_schema,
        vocabulary_schema,
        vocabulary_syntax,
        vocabulary_fact_missing,
    )
}


def test_bundled_vocabulary_loads_clean():
    vocab, diagnostics = load_vocabulary()
    assert diagnostics == [] and vocab is not None


def test_the_code_is_registered():
    assert CODES["E600"][0] == "broken-vocabulary"


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_broken_file_is_located_at_load(tmp_path, name):
    folder = copy(tmp_path)
    file, line, code = BREAKS[name](folder)
    vocab, diagnostics = load_vocabulary(folder)
    assert vocab is None
    assert diagnostics, name
    first = diagnostics[0]
    assert (Path(first.path).name, first.line, first.code) == (file, line, code), first.format()
    assert first.format().startswith(f"{first.path}:{line}:{first.col}: error[{code}]: ")


def test_a_folder_without_the_files_is_located_too(tmp_path):
    vocab, diagnostics = load_vocabulary(tmp_path / "nowhere")
    assert vocab is None
    assert [(Path(d.path).name, d.line, d.code) for d in diagnostics] == [("vocabulary.yaml", 1, "E001")]


def test_load_names_the_file_relative_to_the_working_folder(tmp_path, monkeypatch):
    folder = copy(tmp_path)
    unknown_link_question(folder)
    monkeypatch.chdir(tmp_path)
    _vocab, diagnostics = load_vocabulary(folder)
    assert diagnostics[0].path == "schema/links.yaml"
    assert "unknown question 'dosage'" in diagnostics[0].message


def test_vocabulary_raises_on_what_the_loader_and_schemas_find(tmp_path, monkeypatch, fresh):
    folder = copy(tmp_path)
    _file, line, _code = vocabulary_schema(folder)
    monkeypatch.setenv(SCHEMA_DIR_VARIABLE, str(folder))
    with pytest.raises(VocabularyError) as info:
        vocabulary()
    assert (info.value.diagnostics[0].code, info.value.diagnostics[0].line) == ("E600", line)
    assert vocabulary_problems() == info.value.diagnostics


def test_vocabulary_problems_adds_what_only_meaning_can_check(tmp_path, monkeypatch, fresh):
    folder = copy(tmp_path)
    _file, line, _code = unknown_link_value(folder)
    monkeypatch.setenv(SCHEMA_DIR_VARIABLE, str(folder))
    vocabulary()  # loads: the schema accepts the file
    (found,) = vocabulary_problems()
    assert (found.code, found.line, found.pointer) == ("E600", line, "/links/0/requires/values/1")
    assert "'forbidden' is not a value of question initiation" in found.message


def test_the_bundled_vocabulary_has_no_problems(fresh):
    assert vocabulary_problems() == []


COMMANDS = {
    "validate": ["validate", str(REPO / "rulesets")],
    "test": ["test", str(REPO / "rulesets")],
    "eval": ["eval", "--patient", str(PATIENT), "--rulesets", str(REPO / "rulesets")],
    "explain": ["explain", "--patient", str(PATIENT), "--source", "jak-blog", "--question", "dose"],
    "coverage": ["coverage", str(REPO / "rulesets")],
    "conflicts": ["conflicts", "--rulesets", str(REPO / "rulesets"), "--out", "OUT"],
    # rulesets and out in tmp: should the check ever let it through, nothing bundled is written
    "review": [
        "review",
        "--rulesets",
        "OUT",
        "--out",
        "OUT",
        "claim",
        "x/y",
        "--status",
        "approved",
        "--reviewer",
        "t",
        "--note",
        "n",
    ],
    # a folder that does not exist: should the check ever let it through, the workbench exits 2, never opens
    "tui": ["tui", "NO-SUCH-FOLDER"],
}


@pytest.mark.parametrize(
    "break_name", ["unknown_shape_value", "unknown_link_value", "links_syntax", "relation_schema", "vocabulary_schema"]
)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_reports_a_broken_file(tmp_path, monkeypatch, capsys, fresh, command, break_name):
    folder = copy(tmp_path)
    file, line, code = BREAKS[break_name](folder)
    monkeypatch.setenv(SCHEMA_DIR_VARIABLE, str(folder))
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in COMMANDS[command]]
    rc = cli.main(argv)
    err = capsys.readouterr().err
    assert rc == 1, err
    assert "internal error" not in err
    assert f"{file}:{line}:" in err and f"error[{code}]" in err, err
    assert "is broken" in err
    assert not (tmp_path / "out").exists()
