"""Architecture rules that keep Accord fast to start and easy to change."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter at the repo root: what it imports is what a user's command imports."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


ENGINE_MODULES = sorted(
    ".".join(p.relative_to(REPO).with_suffix("").parts)
    for p in (REPO / "engine").rglob("*.py")
    if p.name != "__main__.py"
)


def test_engine_never_imports_textual():
    """engine/ is pure Python: importing every module must not pull in Textual (as Harlequin enforces)."""
    code = (
        "import importlib, sys\n"
        f"for name in {ENGINE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.') or m == 'tui' or m.startswith('tui.'))\n"
        "print(','.join(bad))\n"
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_the_workbench_calls_the_engine_never_the_command_line_layer():
    """tui/ is a shell over engine functions: engine/commands/ (argument parsing, printing) is the other shell."""
    import re

    pattern = re.compile(r"^\s*(from|import)\s+engine(\.cli|\.commands)\b", re.MULTILINE)
    offenders = [
        str(p.relative_to(REPO)) for p in sorted((REPO / "tui").rglob("*.py")) if pattern.search(p.read_text("utf-8"))
    ]
    assert offenders == []


def test_validate_does_not_import_heavy_modules():
    """`accord validate` answers fast: no Textual, NumPy, Dask or analysis on its import path."""
    code = (
        "import sys\n"
        "from engine import cli\n"
        "cli.main(['validate', '--quiet', 'tests/data/hostile/hostile.txt'])\n"
        "print('HEAVY:' + ','.join(sorted(m for m in ('textual', 'numpy', 'rich', 'engine.analysis.grid', 'dask', 'distributed') if m in sys.modules)))\n"
    )
    proc = run_python(code)
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY:", proc.stdout


def test_validating_valid_files_never_imports_jsonschema():
    """jsonschema-rs decides validity; the jsonschema package is loaded only to explain an invalid file."""
    code = (
        "import sys\n"
        "from engine import cli\n"
        "code = cli.main(['validate', '--quiet', 'rulesets'])\n"
        "print(code, 'jsonschema' in sys.modules)\n"
    )
    proc = run_python(code)
    assert proc.stdout.split()[-2:] == ["0", "False"], proc.stdout + proc.stderr


def test_nothing_reads_shared_at_run_time():
    for folder in ("engine", "tui", "schema"):
        for path in (REPO / folder).rglob("*.py"):
            assert "../shared" not in path.read_text(encoding="utf-8"), path


# ---------------------------------------------------------------- import graph and exec

import ast  # noqa: E402
import functools  # noqa: E402
from pathlib import Path  # noqa: E402


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(name: str, source: str, is_package: bool, modules: set[str]) -> set[str]:
    """engine modules `source` imports, at module level or inside functions (not `if TYPE_CHECKING:` blocks).

    Importing engine.a.b runs engine.a's __init__ too, so a parent package counts,
    except the module's own parents (a package re-exporting its submodules is no circle).
    """
    package = name if is_package else name.rpartition(".")[0]
    tree = ast.parse(source)
    skipped = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and _is_type_checking(block.test)
        for n in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    with_parents = {".".join(m.split(".")[:i]) for m in found for i in range(2, m.count(".") + 2)}
    return {m for m in with_parents if m in modules and m != name and not name.startswith(m + ".")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@functools.lru_cache(maxsize=1)
def _circles() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(c) for c in import_circles())


def import_circles() -> list[list[str]]:
    """Strongly connected groups of engine modules (Tarjan, iterative): each is an import circle."""
    paths = {_module_name(p): p for p in (REPO / "engine").rglob("*.py")}
    graph = {
        name: sorted(_runtime_imports(name, path.read_text(encoding="utf-8"), path.name == "__init__.py", set(paths)))
        for name, path in paths.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(graph[node]):
                work.append((node, i + 1))
                child = graph[node][i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(circles)


# Circles other rooms of issue 13 are removing. The list may only shrink: a new
# circle fails, and so does an entry here that no longer exists (delete it).
KNOWN_CIRCLES: list[list[str]] = []


def test_import_circles_in_engine_only_shrink():
    circles = [list(c) for c in _circles()]
    assert [c for c in circles if c not in KNOWN_CIRCLES] == [], "new import circle in engine/"
    assert [c for c in KNOWN_CIRCLES if c not in circles] == [], "a known circle is gone: remove it from KNOWN_CIRCLES"


def test_the_rule_language_has_no_import_circle():
    assert [c for c in _circles() if any(m.startswith("engine.jsonlogic") for m in c)] == []


def test_import_finder_sees_lazy_imports_and_skips_type_checking():
    """The finder itself: an import inside a function counts, one under TYPE_CHECKING does not."""
    modules = {"engine.a", "engine.b", "engine.c", "engine.pkg", "engine.pkg.x"}
    assert _runtime_imports("engine.a", "from engine import b\n", False, modules) == {"engine.b"}
    assert _runtime_imports("engine.b", "def f():\n    import engine.a\n", False, modules) == {"engine.a"}
    assert (
        _runtime_imports(
            "engine.c",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from engine import a\n",
            False,
            modules,
        )
        == set()
    )
    assert _runtime_imports("engine.a", "from engine.pkg.x import y\n", False, modules) == {
        "engine.pkg",
        "engine.pkg.x",
    }
    assert _runtime_imports("engine.pkg.x", "from engine.pkg import z\nfrom . import x\n", False, modules) == set()
    assert _runtime_imports("engine.pkg", "from .x import y\n", True, modules) == {"engine.pkg.x"}


EXECUTING_NAMES = {"exec", "eval", "compile", "__import__"}


def _executing_uses(path: Path) -> list[tuple[int, str]]:
    """Lines where `path` names exec/eval/compile/__import__ (a builtin, or an attribute of builtins)."""
    uses = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name) and node.id in EXECUTING_NAMES:
            uses.append((node.lineno, node.id))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in EXECUTING_NAMES
            and ast.unparse(node.value) in ("builtins", "__builtins__")
        ):
            uses.append((node.lineno, node.attr))
    return uses


def test_exec_and_eval_appear_only_in_the_code_generator():
    codegen = REPO / "engine" / "jsonlogic" / "codegen.py"
    offenders = {str(p.relative_to(REPO)): _executing_uses(p) for p in (REPO / "engine").rglob("*.py") if p != codegen}
    assert {k: v for k, v in offenders.items() if v} == {}
    assert sorted(name for _, name in _executing_uses(codegen)) == ["compile", "exec"]


def test_generated_source_is_checked_before_it_is_compiled():
    """In codegen.generate, check_generated runs before compile/exec, in the same try."""
    tree = ast.parse((REPO / "engine" / "jsonlogic" / "codegen.py").read_text(encoding="utf-8"))
    generate = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "generate")
    calls = [n for n in ast.walk(generate) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    order = [(c.lineno, c.col_offset, c.func.id) for c in calls if c.func.id in ("check_generated", "compile", "exec")]
    assert [name for _, _, name in sorted(order)] == ["check_generated", "exec", "compile"]
    guarded = [t for t in ast.walk(generate) if isinstance(t, ast.Try)]
    assert any(
        {"check_generated", "exec"}
        <= {n.func.id for n in ast.walk(t) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        for t in guarded
    )


def test_region_analysis_uses_no_private_name_across_its_modules():
    """engine/analysis/: a module imports only public names of another (what a module shares, it names as shared)."""
    import ast

    crossings = []
    for path in sorted((REPO / "engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            relative = isinstance(node, ast.ImportFrom) and node.level > 0 and path.parent.name == "analysis"
            if isinstance(node, ast.ImportFrom) and ((node.module or "").startswith("engine.analysis") or relative):
                crossings += [
                    f"{path.relative_to(REPO)}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")
                ]
    assert crossings == []


def test_every_package_is_installed_by_a_wheel():
    """pyproject's explicit package list must name every package folder, or a non-editable install
    (pip install ., a wheel) lacks it: engine.analysis and engine.jsonlogic were once missing."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("engine", "tui", "schema")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert found - listed == set(), (
        f"packages missing from pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"
    )


# ---------------------------------------------------------------- only the CLI layer prints or parses arguments

# The command line is engine/cli.py and engine/commands/ (one module per command, and their shared _options,
# _progress, _patients, _rulesets). Everything else under engine/ returns data or text, or writes to a stream it is
# given, so the workbench and the tests can call it without a terminal.
CLI_LAYER = ("engine/cli.py", "engine/commands/")
# Real exceptions, each with why (the list may only shrink: an entry that no longer uses anything fails too).
CLI_EXCEPTIONS: dict[str, set[str]] = {
    # `python -m engine.docgen [--check]` is a developer command of its own (CONTRIBUTING.md): it parses its
    # flag, reads the accord parser's argparse structure to write docs/cli.md, and says what it did.
    "engine/docgen.py": {"import argparse", "print(", "sys.stderr"},
}
CONSOLE_STREAMS = {"stdout", "stderr", "__stdout__", "__stderr__"}
ARGUMENT_PARSERS = {"argparse", "optparse", "getopt"}


def console_uses(source: str) -> set[str]:
    """What `source` does that only the CLI layer may: print(, sys.stdout/stderr, sys.argv, an argument parser."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            found.add("print(")
        elif isinstance(node, ast.Attribute) and ast.unparse(node.value) in ("sys", "builtins", "__builtins__"):
            if node.attr in CONSOLE_STREAMS or node.attr == "argv":
                found.add(f"sys.{node.attr}")
            elif node.attr == "print":
                found.add("print(")
        elif isinstance(node, ast.Import):
            found.update(f"import {a.name}" for a in node.names if a.name.split(".")[0] in ARGUMENT_PARSERS)
        elif isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if top in ARGUMENT_PARSERS:
                found.add(f"import {node.module}")
            elif node.module == "sys":
                found.update(f"sys.{a.name}" for a in node.names if a.name in CONSOLE_STREAMS or a.name == "argv")
    return found


def test_only_the_cli_layer_prints_or_parses_arguments():
    offenders = {}
    for path in sorted((REPO / "engine").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith(CLI_LAYER):
            continue
        uses = console_uses(path.read_text(encoding="utf-8"))
        if uses != CLI_EXCEPTIONS.get(rel, set()):
            offenders[rel] = sorted(uses)
    assert offenders == {}, "print/sys.stdout/sys.stderr/argparse outside engine/cli.py and engine/commands/"
    missing = [rel for rel in CLI_EXCEPTIONS if not (REPO / rel).exists()]
    assert missing == [], "a listed exception is gone: remove it from CLI_EXCEPTIONS"


def test_the_console_finder_sees_what_it_must():
    """The finder itself: each way of printing or parsing arguments is seen, and plain code is not."""
    assert console_uses("print('x')\n") == {"print("}
    assert console_uses("import sys\nsys.stderr.write('x')\n") == {"sys.stderr"}
    assert console_uses("import sys\ndef f(s=None):\n    return s or sys.stdout\n") == {"sys.stdout"}
    assert console_uses("from sys import stdout as out\n") == {"sys.stdout"}
    assert console_uses("import builtins\nbuiltins.print(1)\n") == {"print("}
    assert console_uses("import sys\nargs = sys.argv[1:]\n") == {"sys.argv"}
    assert console_uses("import argparse\n") == {"import argparse"}
    assert console_uses("from optparse import OptionParser\n") == {"import optparse"}
    assert console_uses("def f(stream):\n    stream.write('x')\n\nprinted = 'print(x)'\n") == set()


def test_every_command_module_has_what_the_cli_calls():
    """engine.cli types each COMMANDS module as CommandModule (HELP, EXAMPLE, add_arguments, run): hold it to that."""
    import importlib

    from engine.cli import COMMANDS, CommandModule

    lacking = [
        name for name, module in COMMANDS.items() if not isinstance(importlib.import_module(module), CommandModule)
    ]
    assert lacking == []
