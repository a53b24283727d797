"""The YAML editing widget: a code-editor TextArea with tree-sitter highlighting."""
from __future__ import annotations

from textual.widgets import TextArea


def yaml_editor(widget_id: str, soft_wrap: bool = True, blink: bool = True) -> TextArea:
    """A TextArea for YAML (tree-sitter-yaml); cursor blink off in tests for stable snapshots."""
    area = TextArea.code_editor("", language="yaml", id=widget_id, soft_wrap=soft_wrap, theme="vscode_dark")
    area.cursor_blink = blink
    return area
