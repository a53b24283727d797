"""docs/cli.md is generated from the parser; it must match what engine.docgen generates now."""

from __future__ import annotations

from engine.cli import COMMANDS
from engine.docgen import CLI_MD, generate


def test_cli_reference_is_up_to_date() -> None:
    assert CLI_MD.read_text(encoding="utf-8") == generate(), (
        "docs/cli.md is stale: run `python -m engine.docgen` and commit it"
    )


def test_cli_reference_covers_every_command_and_code() -> None:
    from engine.diagnostics import CODES

    text = generate()
    for name in COMMANDS:
        assert f"## accord {name}\n" in text
    for code in CODES:
        assert f"| `{code}` |" in text
