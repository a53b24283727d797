"""Hostile corpus, containment room: links out of the project, FIFOs, parser limits, floods, cascades.

Files under tests/data/hostile/containment/; symbolic links and FIFOs are made
here in tmp_path (git cannot hold a FIFO, and a link would point at the
machine that checked it out). Each case asserts the exact outcome.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import yaml

from engine import loader
from engine.cli import main
from engine.loader import LoadError, load_file, load_text
from engine.safefile import FileRefused, read_project_file
from engine.testing import run_tests
from engine.validate import MAX_PER_FILE, validate_paths
from tests.conftest import write_ruleset

DATA = Path(__file__).resolve().parent.parent / "data" / "hostile" / "containment"
SECRET = "SECRET-TOKEN-7f3a"
TEXT = "Use 2 mg once daily. Avoid when eGFR is below 30."
GOOD = {"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "Use 2 mg once daily"}

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


@pytest.fixture
def no_hang():
    """Fail instead of hanging if a read blocks (a FIFO opened without O_NONBLOCK would)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def hung(*_):
        raise TimeoutError("blocked reading a file")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(5)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def project(tmp_path: Path) -> Path:
    folder = tmp_path / "rulesets"
    folder.mkdir()
    write_ruleset(folder, "src", TEXT, [GOOD])
    return folder


def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "faraway-x9" / "secret.yaml"
    path.parent.mkdir()
    path.write_text(f"{SECRET}: 1\nfacts: {{egfr: 40}}\n", encoding="utf-8")
    return path


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


# ---------------------------------------------------------------- links out of the project


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
@pytest.mark.parametrize("where", ["evil.yaml", "patients/evil.yaml"])
def test_link_out_is_E010_and_nothing_of_the_target_is_printed(tmp_path, capsys, fmt, where):
    folder = project(tmp_path)
    (folder / "patients").mkdir()
    (folder / where).symlink_to(secret_file(tmp_path))
    code, out = run_cli(["validate", str(folder), "--format", fmt], capsys)
    assert code == 1
    assert "E010" in out
    assert SECRET not in out and "faraway-x9" not in out


def test_link_out_of_a_subfolder_link(tmp_path):
    """A linked patients/ folder pointing elsewhere is refused file by file (realpath of every component)."""
    folder = project(tmp_path)
    secret = secret_file(tmp_path)
    (folder / "patients").symlink_to(secret.parent, target_is_directory=True)
    result = validate_paths([folder])
    assert [(Path(d.path).name, d.code) for d in result.diagnostics] == [("secret.yaml", "E010")]
    assert result.patients == []


def test_link_inside_the_project_is_read(tmp_path):
    folder = project(tmp_path)
    (folder / "patients").mkdir()
    (folder / "shared").mkdir()
    (folder / "shared" / "p.yaml").write_text("id: p1\nfacts: {egfr: 40}\n", encoding="utf-8")
    (folder / "patients" / "p.yaml").symlink_to(folder / "shared" / "p.yaml")
    result = validate_paths([folder])
    assert result.diagnostics == [] and [p.id for p in result.patients] == ["p1"]


def test_load_file_default_root_is_the_folder_the_path_is_named_in(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "link.yaml").symlink_to(secret_file(tmp_path))
    with pytest.raises(LoadError) as info:
        load_file(tmp_path / "a" / "link.yaml")
    assert info.value.diagnostic.code == "E010" and SECRET not in info.value.diagnostic.format()


def test_source_text_link_out_is_refused(tmp_path):
    folder = project(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text(TEXT, encoding="utf-8")
    text = folder / "sources" / "src.txt"
    text.unlink()
    text.symlink_to(outside)
    result = validate_paths([folder])
    assert [d.code for d in result.diagnostics] == ["E400"]
    assert "must be inside" in result.diagnostics[0].message and TEXT not in result.diagnostics[0].message


# ---------------------------------------------------------------- only regular files


@needs_fifo
def test_fifo_source_text_is_refused_without_blocking(tmp_path, no_hang):
    folder = project(tmp_path)
    text = folder / "sources" / "src.txt"
    text.unlink()
    os.mkfifo(text)
    started = time.monotonic()
    result = validate_paths([folder])
    assert time.monotonic() - started < 3
    assert [(d.code, d.pointer) for d in result.diagnostics] == [("E400", "/source/text")]
    assert "FIFO" in result.diagnostics[0].message


@needs_fifo
@pytest.mark.parametrize("name", ["fifo.yaml", "patients/fifo.yaml"])
def test_fifo_ruleset_or_patient_is_E001_not_skipped(tmp_path, no_hang, name):
    folder = project(tmp_path)
    (folder / "patients").mkdir()
    os.mkfifo(folder / name)
    result = validate_paths([folder])
    assert [(Path(d.path).name, d.code) for d in result.diagnostics] == [("fifo.yaml", "E001")]
    assert "FIFO" in result.diagnostics[0].message


@needs_fifo
def test_read_project_file_kinds(tmp_path, no_hang):
    regular = tmp_path / "r.txt"
    regular.write_bytes(b"abc")
    assert read_project_file(regular) == b"abc"
    os.mkfifo(tmp_path / "f")
    cases = {tmp_path / "f": "E001", tmp_path: "E001", tmp_path / "missing": "E001"}
    for path, code in cases.items():
        with pytest.raises(FileRefused) as info:
            read_project_file(path, root=tmp_path.parent)
        assert info.value.code == code, path
    with pytest.raises(FileRefused) as info:
        read_project_file(regular, max_bytes=2)
    assert info.value.code == "E002"
    with pytest.raises(FileRefused) as info:
        read_project_file(regular, root=tmp_path / "sub")
    assert info.value.code == "E010"


# ---------------------------------------------------------------- parser limits are Accord's codes


@pytest.mark.parametrize("name", ["deep-flow.yaml", "deep-block.yaml"])
def test_deep_files_are_E008(name):
    with pytest.raises(LoadError) as info:
        load_file(DATA / name)
    assert info.value.diagnostic.code == "E008"


def test_libyaml_own_depth_message_is_E008(monkeypatch):
    """PyYAML 6.0.4's libyaml stops at 1,000 levels with its own scanner error: still E008."""
    mark = yaml.Mark("<string>", 0, 0, 1000, None, None)

    def parse(*_args, **_kwargs):
        yield yaml.StreamStartEvent()
        raise yaml.scanner.ScannerError("while increasing flow level", mark, "exceeded maximum nesting depth", mark)

    monkeypatch.setattr(loader.yaml, "parse", parse)
    with pytest.raises(LoadError) as info:
        load_text("[[1]]")
    assert (info.value.diagnostic.code, info.value.diagnostic.col) == ("E008", 1001)


def test_recursion_in_a_parser_is_E008(monkeypatch):
    def parse(*_args, **_kwargs):
        raise RecursionError("maximum recursion depth exceeded")
        yield  # pragma: no cover

    monkeypatch.setattr(loader.yaml, "parse", parse)
    with pytest.raises(LoadError) as info:
        load_text("[[1]]")
    assert info.value.diagnostic.code == "E008"


def test_pure_python_parser_reaches_accords_own_limit(monkeypatch):
    monkeypatch.setattr(loader, "EVENT_LOADER", yaml.SafeLoader)
    with pytest.raises(LoadError) as info:
        load_text("[" * 200)
    assert (info.value.diagnostic.code, info.value.diagnostic.col) == ("E008", loader.MAX_DEPTH + 1)


def test_deep_json_is_E008_whichever_parser_stops(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert info.value.diagnostic.code == "E008"


# ---------------------------------------------------------------- floods are capped, fast, and counted


def test_many_bad_claims_are_capped_with_an_honest_note(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "many-bad-claims.json").write_bytes((DATA / "many-bad-claims.json").read_bytes())
    started = time.process_time()  # CPU, not wall: the bound is the work done, not the machine's load
    result = validate_paths([folder])
    assert time.process_time() - started < 3
    codes = [d.code for d in result.diagnostics]
    assert len(codes) == MAX_PER_FILE + 1 and codes[-1] == "E011"
    assert "more than 200 problems" in result.diagnostics[-1].message


def test_counted_rest_is_exact_when_checking_finished(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    distinct = [  # one CrCl value each: no claim is redundant with another (W303), only the quotes are broken
        dict(GOOD, id=f"src/c{i}", when={"==": [{"var": "crcl"}, i]}) for i in range(MAX_PER_FILE + 7)
    ]
    path = write_ruleset(folder, "src", TEXT, distinct)
    path.write_text(path.read_text(encoding="utf-8").replace("end: 19", "end: 18"), encoding="utf-8")
    result = validate_paths([folder])
    assert [d.code for d in result.diagnostics].count("E402") == MAX_PER_FILE
    assert result.diagnostics[-1].code == "E011" and "7 more problems" in result.diagnostics[-1].message


# ---------------------------------------------------------------- one error does not hide others


def broken_with_patients(tmp_path: Path, count: int = 3) -> Path:
    folder = project(tmp_path)
    path = folder / "src.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: submitted", "status: done"), encoding="utf-8")
    (folder / "patients").mkdir()
    for i in range(count):
        (folder / "patients" / f"p{i}.yaml").write_text(
            f"id: p{i}\nfacts: {{egfr: 40}}\nexpected: {{src: {{dose: {{mg: 2, every_days: 1}}}}}}\n", encoding="utf-8"
        )
    return folder


def test_broken_ruleset_is_one_error_and_a_skip_note(tmp_path):
    result = validate_paths([broken_with_patients(tmp_path)])
    assert sorted(d.code for d in result.diagnostics) == ["E100", "W503"]
    assert (
        result.diagnostics[0].message == "3 expectations of 3 patients on source 'src' skipped: this ruleset has errors"
    )
    assert len(result.patients) == 3


def test_unparseable_ruleset_is_known_by_its_file_name(tmp_path):
    folder = broken_with_patients(tmp_path, 2)
    (folder / "src.yaml").write_text("accord: [1,\n", encoding="utf-8")
    result = validate_paths([folder])
    assert sorted(d.code for d in result.diagnostics) == ["E004", "W503"]


def test_accord_test_skips_instead_of_failing(tmp_path):
    report = run_tests([broken_with_patients(tmp_path)])
    assert len(report.outcomes) == 3 and len(report.skipped) == 3 and report.failed == []
    assert sorted(d.code for d in report.diagnostics) == ["E100", "W503"]
    assert not report.ok  # the ruleset's own error still fails the run


def test_unknown_source_is_still_an_error(tmp_path):
    folder = project(tmp_path)
    (folder / "patients").mkdir()
    (folder / "patients" / "p.yaml").write_text(
        "id: p\nfacts: {egfr: 40}\nexpected: {nope: {dose: silent}}\n", encoding="utf-8"
    )
    assert [d.code for d in validate_paths([folder]).diagnostics] == ["E501"]


def test_warnings_never_crowd_an_error_out_of_the_report(tmp_path):
    """250 redundant claims (W303 each) and one broken quote at the end: the error is reported, the warnings counted."""
    folder = tmp_path / "r"
    folder.mkdir()
    claims = [dict(GOOD, id=f"src/c{i}") for i in range(250)]
    path = write_ruleset(folder, "src", TEXT, claims)
    text = path.read_text(encoding="utf-8")
    last = text.rindex("end: 19")
    path.write_text(text[:last] + "end: 18" + text[last + len("end: 19") :], encoding="utf-8")
    result = validate_paths([folder])
    codes = [d.code for d in result.diagnostics]
    assert "E402" in codes and codes.count("W303") == MAX_PER_FILE - 1
    (count,) = [d for d in result.diagnostics if d.code == "W011"]
    assert count.severity == "warning" and "and 50 more warnings" in count.message
    assert not result.ok  # the one error still fails validation
