"""Accord's engine: load, validate, evaluate, analyse and report on rulesets.

Pure Python with no Textual import (a test enforces it), so the CLI starts
fast and the TUI is only a shell over these functions.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`engine.__version__`, read from the installed package metadata (pyproject.toml's, one copy).

    Lazy because importlib.metadata costs ~40 ms of imports that only --version and SARIF output need.
    """
    if name != "__version__":
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("accord")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
