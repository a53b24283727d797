"""Claim editor: one claim's YAML with highlighting, validation as you type, a vocabulary picker,
and live cues: the overlaps and gaps the edited rule makes with its source's other claims.

The buffer is the claim's own text; saving splices it into the ruleset file
at the claim's place (engine.claimedit), leaving everything else as it was.
A draft opened to close a gap (engine.gapfill, from the conflicts screen) is
not saved until a person has chosen its value and its quote.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from engine.claimedit import SnippetCheck, check_claim_snippet, claim_index, claim_snippet, splice_claim
from engine.loader import Document, LoadError, load_file, load_text
from tui.screens.editor_base import EditorScreen
from tui.widgets.yaml_editor import MarkedTextArea, markers_for, yaml_editor


class ClaimEditorScreen(EditorScreen):
    """Edit (or create) one claim of a ruleset."""

    TITLE = "Claim editor"
    BINDINGS = [
        Binding("f2", "pick", "Complete", id="claim-pick"),
        Binding("ctrl+space", "pick", "Complete", show=False, id="claim-pick-alt"),
        Binding("f9", "build_condition", "Build condition", id="claim-build-condition"),
        Binding("f8", "next_error", "Next error", id="claim-next-error"),
        Binding("f3", "review", "Review status", id="claim-review"),
        Binding("f4", "diff", "Diff vs disk", id="claim-diff"),
        Binding("f5", "quote", "Quote from source", show=False, id="claim-quote"),  # in the help and palette
    ]

    CUE_DEBOUNCE = 0.04  # seconds of quiet typing before the cues are recomputed (a newer keystroke cancels)

    def __init__(
        self, path: str | Path, index: int | None, snippet: str | None, claim_id: str, *, suggestion: Any = None
    ) -> None:
        super().__init__(path)
        # engine.gapfill.GapSuggestion when the draft closes a gap: its candidates are offered, and the
        # claim is not saved before a value and a quote are chosen.
        self.suggestion = suggestion
        self.index = index
        self.claim_id = claim_id
        self.initial_snippet = snippet
        self.is_new = snippet is not None
        self.doc: Document | None = None
        self.check: SnippetCheck | None = None
        self.last_validation_ms: float | None = None
        self.validations = 0
        self._changed_at: float | None = None
        self.last_latency_ms: float | None = None
        self._saved_text = ""
        self._replaces: str | None = None if snippet is not None else claim_id  # the saved version the cues replace
        self.cues: list[Any] | None = None  # engine.cues.Cue list last shown (None: not computed yet)
        self.cue_runs = 0
        self._cue_lock = threading.Lock()
        self.last_cue_ms: float | None = None  # the engine's time for the last cues shown
        self.last_cue_latency_ms: float | None = None  # from the keystroke to the cues on screen

    @property
    def title_for_quit(self) -> str:
        return f"claim {self.claim_id}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="claim-title", markup=False)
        with Horizontal(id="claim-body"):
            yield yaml_editor("claim-text", soft_wrap=True, blink=not self.app.is_headless)
            with Vertical(id="claim-side"):
                yield Static("", id="claim-state", markup=False)
                yield Static("", id="claim-cues", markup=False)
                yield OptionList(id="claim-problems")
                with VerticalScroll(id="claim-words-scroll"):
                    yield Static("", id="claim-words", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        from engine.atomic import FileStamp

        try:
            self.doc = load_file(self.path)
            self.stamp = FileStamp.of(self.path)
        except LoadError as exc:
            self.notify(
                f"{self.path.name} cannot be read as YAML ({exc.diagnostic.message}); fix the file first.",
                severity="error",
            )
            self.doc = None
        snippet = self.initial_snippet
        if snippet is None and self.doc is not None:
            found = claim_index(self.doc, self.claim_id)
            if found is None and self.index is not None:
                found = self.index
            self.index = found
            snippet = claim_snippet(self.doc, found) if found is not None else ""
        self._saved_text = "" if self.is_new else (snippet or "")
        area = self.query_one(TextArea)
        area.load_text(snippet or "")
        self._update_title()
        if self.is_new:
            # Put the cursor where the author types first: after "question: ".
            lines = (snippet or "").split("\n")
            row = next((i for i, line in enumerate(lines) if line.startswith("question:")), 0)
            area.move_cursor((row, len(lines[row])))
            self.dirty = True
        area.focus()
        cues_box = self.query_one("#claim-cues", Static)
        cues_box.display = False
        cues_box.styles.margin = (0, 0, 1, 0)
        self.validate_buffer(area.text)
        self.update_cues(area.text)

    def _update_title(self) -> None:
        t = Text()
        t.append("New claim " if self.is_new else "Claim ", style="bold")
        t.append(self.claim_id, style="bold cyan")
        t.append(f"  in {self.path.name}")
        if self.dirty:
            t.append("  ● unsaved", style="yellow")
        self.query_one("#claim-title", Static).update(t)

    # ------------------------------------------------------------ validation

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        text = event.text_area.text
        self._changed_at = time.perf_counter()
        self.dirty = self.is_new or text != self._saved_text
        self._update_title()
        self.validate_buffer(text)
        self.update_cues(text)

    @work(exclusive=True, thread=True, exit_on_error=False, group="claim-validate")
    def validate_buffer(self, text: str) -> None:
        if self.doc is None:
            return
        started = time.perf_counter()
        result = check_claim_snippet(text, self.doc, self.index, str(self.path))
        elapsed = (time.perf_counter() - started) * 1000
        self.app.call_from_thread(self._show_check, text, result, elapsed)

    def _show_check(self, text: str, check: SnippetCheck, elapsed_ms: float) -> None:
        if not self.is_mounted or text != self.query_one(TextArea).text:
            return  # an older run; a newer one is on its way
        self.check = check
        self.last_validation_ms = elapsed_ms
        self.validations += 1
        errors = [d for d in check.diagnostics if d.severity == "error"]
        warnings = [d for d in check.diagnostics if d.severity != "error"]
        state = Text()
        if errors:
            state.append(f"✗ {len(errors)} error{'s' if len(errors) != 1 else ''}", style="bold red")
        else:
            state.append("✓ valid claim", style="bold green")
        if warnings:
            state.append(f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}", style="yellow")
        state.append("  (enter on a problem jumps to it)" if check.diagnostics else "", style="dim")
        self.query_one("#claim-state", Static).update(state)
        self.query_one(MarkedTextArea).set_markers(
            markers_for(check.diagnostics)
        )  # ● in the gutter at each finding's line
        problems = self.query_one("#claim-problems", OptionList)
        problems.clear_options()
        for i, d in enumerate(check.diagnostics):
            label = Text()
            label.append(f"{d.line}:{d.col} ", style="bold")
            label.append(f"{d.code} ", style="red" if d.severity == "error" else "yellow")
            label.append(d.message)
            problems.add_option(Option(label, id=f"p{i}"))
        self._show_words(check)
        if self._changed_at is not None:
            # keystroke handled -> findings on screen (what the benchmark reports)
            self.last_latency_ms = (time.perf_counter() - self._changed_at) * 1000

    # ------------------------------------------------------------ live cues

    def _ruleset_here(self) -> Any:
        """The saved ruleset of this file (the workspace's), or None when it is not valid."""
        ws = self.workbench.workspace
        if ws is None:
            return None
        here = self.path.resolve()
        for entry in ws.entries:
            if entry.ruleset is not None and Path(entry.path).resolve() == here:
                return entry.ruleset
        return None

    @work(exclusive=True, thread=True, exit_on_error=False, group="claim-cues")
    def update_cues(self, text: str) -> None:
        """The overlaps and gaps of the buffer's claim in its source (engine.cues), after CUE_DEBOUNCE seconds
        of quiet: a newer keystroke cancels this run (exclusive), so typing never waits for it."""
        worker = get_current_worker()
        time.sleep(self.CUE_DEBOUNCE)
        if worker.is_cancelled:
            return
        # One analysis at a time: a cancelled run cannot be stopped mid-way, so newer ones wait for it
        # (and give up if a keystroke cancelled them meanwhile) rather than pile up on a large source.
        with self._cue_lock:
            if worker.is_cancelled:
                return
            started = time.perf_counter()
            state, found, question = self._compute_cues(text)
            elapsed = (time.perf_counter() - started) * 1000
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show_cues, text, state, found, question, elapsed)

    def _compute_cues(self, text: str) -> tuple[str, list[Any], str]:
        """(state, cues, question): state "ok", "hidden" (no question yet) or "wait" (not a complete claim yet)."""
        from engine.cues import claim_from_data, cues

        try:
            data = load_text(text, str(self.path)).data
        except LoadError:
            return "wait", [], ""
        if not isinstance(data, dict) or not isinstance(data.get("question"), str) or not data["question"]:
            return "hidden", [], ""
        question = data["question"]
        ruleset = self._ruleset_here()
        if ruleset is None:
            return "wait", [], question
        claim = claim_from_data(data, ruleset.source_id, self.index if self.index is not None else 0)
        if claim is None:
            return "wait", [], question
        try:
            return "ok", cues(ruleset, question, claim, replaces=self._replaces), question
        except Exception:  # a half-typed rule (unknown fact, bad operator): the cues wait for a valid one
            return "wait", [], question

    def _show_cues(self, text: str, state: str, found: list[Any], question: str, elapsed_ms: float) -> None:
        if not self.is_mounted or text != self.query_one(TextArea).text:
            return  # an older run; a newer one is on its way
        box = self.query_one("#claim-cues", Static)
        if state == "hidden":
            box.display = False
            return
        box.display = True
        ruleset = self._ruleset_here()
        source = ruleset.source_id if ruleset is not None else "this source"
        t = Text()
        t.append(f"In {source} on {question}\n", style="bold")
        if state == "wait":
            t.append("(overlaps and gaps wait for a complete claim: question, value and rule)", style="dim")
            box.update(t)
            return
        self.cues = found
        self.cue_runs += 1
        self.last_cue_ms = elapsed_ms
        if self._changed_at is not None:  # keystroke handled -> cues on screen (benchmarks/cues_bench.py)
            self.last_cue_latency_ms = (time.perf_counter() - self._changed_at) * 1000
        if not found:
            t.append(f"✓ no overlap or gap with the other {question} claims", style="green")
        for cue in found:
            mark, style = ("▲ ", "yellow") if cue.kind == "overlap" else ("○ ", "magenta")
            t.append(mark, style=f"bold {style}")
            t.append(cue.text() + "\n", style=style)
        box.update(t)

    def _show_words(self, check: SnippetCheck) -> None:
        from engine.contract import vocabulary
        from engine.describe import describe
        from engine.evaluate import format_value

        data = check.data if isinstance(check.data, dict) else {}
        t = Text()
        question = data.get("question")
        vocab = vocabulary()
        if self.suggestion is not None:
            self._suggestion_help(t, data)
        if "when" in data:
            t.append("Applies when\n", style="bold")
            try:
                t.append(describe(data["when"]) + "\n\n")
            except Exception:  # a half-typed rule
                t.append("(not a complete rule yet)\n\n", style="dim")
        if "value" in data and data.get("value") is not None:
            t.append("Answer\n", style="bold")
            t.append(format_value(data["value"]) + "\n\n")
        if isinstance(question, str) and question in vocab.questions:
            q = vocab.questions[question]
            t.append(f"Question {question}\n", style="bold")
            t.append(" ".join(q.description.split()) + "\n", style="italic")
            self._value_help(t, question, vocab)
        elif not question:
            t.append(
                "Press F2 (or ctrl+space) to complete a question, a fact or an answer at the cursor; "
                "F9 builds a condition.\n",
                style="italic",
            )
        prov = data.get("provenance")
        if not isinstance(prov, dict):
            prov = {}
        if isinstance(prov.get("exact"), str):
            t.append("\nQuote\n", style="bold")
            t.append(prov["exact"] + "\n", style="green")
        self.query_one("#claim-words", Static).update(t)

    @staticmethod
    def _value_help(t: Text, question: str, vocab: Any) -> None:
        """Every form the question's schema allows, each with an example (engine.valueforms), in the schema's order."""
        from engine.valueforms import value_forms

        forms = value_forms(question, vocab)
        if not forms:
            return
        t.append("Value forms (F2 on the value line inserts one)\n", style="bold")
        for form in forms:
            t.append(f"  {form.title}", style="bold cyan")
            if form.words and len(form.words) > 1:
                t.append(": " + ", ".join(str(w) for w in form.words) + "\n")
            else:
                t.append("\n")
            if form.description:
                t.append(f"    {form.description}\n", style="italic")
            for f in form.fields:
                t.append(f"    {f.name}", style="bold")
                t.append(f" ({'required' if f.required else 'optional'}, {f.kind})", style="dim")
                t.append(f" {f.description}\n" if f.description else "\n")
            if form.example is not None:
                t.append("    e.g. ", style="dim")
                t.append(f"value: {form.example_text}\n", style="green")

    def _suggestion_help(self, t: Text, data: dict[str, Any]) -> None:
        """What a gap draft still needs: the value (one of the neighbours', or another) and the quote."""
        from engine.evaluate import format_value

        s = self.suggestion
        t.append(f"Closes gap {s.finding}\n", style="bold magenta")
        t.append(f"{s.interval_text} in {s.source} on {s.question}\n")
        t.append("Choose the value (F2 on the value line lists these first):\n", style="bold")
        for c in s.candidates:
            t.append(f"  {format_value(c['value'])}", style="cyan")
            t.append(f"  from {c['from_claim']}\n", style="dim")
        if not self._has_quote(data):
            t.append(
                "Choose the quote: F5 finds the source's words, or take it from the sources screen.\n", style="bold"
            )
        t.append("Nothing is saved until both are chosen.\n\n", style="italic")

    @staticmethod
    def _has_value(data: Any) -> bool:
        return isinstance(data, dict) and data.get("value") not in (None, "")

    @staticmethod
    def _has_quote(data: Any) -> bool:
        prov = data.get("provenance") if isinstance(data, dict) else None
        return isinstance(prov, dict) and (
            isinstance(prov.get("exact"), str) and bool(prov["exact"]) or "citation" in prov
        )

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        """On a marked line, the list highlights that line's finding (its message is there)."""
        if self.check is None:
            return
        row = event.selection.end[0] + 1
        index = next((i for i, d in enumerate(self.check.diagnostics) if d.line == row), None)
        if index is not None:
            self.query_one("#claim-problems", OptionList).highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.check is None or event.option_list.id != "claim-problems":
            return
        d = self.check.diagnostics[event.option_index]
        self._jump(d.line, d.col)

    def _jump(self, line: int, col: int) -> None:
        area = self.query_one(TextArea)
        area.move_cursor((max(0, line - 1), max(0, col - 1)), center=True)
        area.focus()

    def action_next_error(self) -> None:
        if self.check is None or not self.check.diagnostics:
            self.notify("No problems.")
            return
        area = self.query_one(TextArea)
        row = area.cursor_location[0] + 1
        after = [d for d in self.check.diagnostics if d.line > row] or self.check.diagnostics
        self._jump(after[0].line, after[0].col)

    # ------------------------------------------------------------ picker

    def action_pick(self) -> None:
        """Complete the word at the cursor (engine.completion): the list's choice replaces the partial word.

        With nothing to complete (no partial word, no context), the vocabulary picker opens as before.
        """
        from engine.completion import complete, location_of, offset_of
        from engine.contract import vocabulary
        from tui.screens.picker import PickerScreen

        area = self.query_one(TextArea)
        text = area.text
        row, col = area.cursor_location
        found = complete(text, offset_of(text, row, col), vocabulary())
        if found.context == "any" and not found.prefix:
            self._vocabulary_picker()
            return
        if not found.candidates:
            self.notify(f"Nothing in the vocabulary completes {found.prefix!r} here.", severity="warning")
            return
        by_label = {(c.kind, c.label): c for c in found.candidates}
        items = [(c.kind, c.label, c.detail) for c in found.candidates]
        start, end = location_of(text, found.start), location_of(text, found.end)

        def picked(item: tuple[str, Any] | None) -> None:
            if item is None:
                return
            chosen = by_label.get((item[0], str(item[1])))
            if chosen is None or area.text != text:
                return  # the buffer changed meanwhile: the range no longer holds
            area.replace(chosen.text, start, end)
            self.last_completion = chosen.text

        title = {
            "fact": "Complete a fact",
            "fact value": "Complete a value of the fact",
            "operator": "Complete an operator",
            "question": "Complete a question",
            "value": "Complete the answer",
        }.get(found.context, "Complete")
        suffix = f" (replaces {found.prefix!r})" if found.prefix else ""
        self.app.push_screen(PickerScreen(items, title=title + suffix), picked)

    last_completion: str | None = None  # the text the last completion inserted (tests read it)

    def _vocabulary_picker(self) -> None:
        from tui.screens.picker import PickerScreen, vocabulary_items

        area = self.query_one(TextArea)
        row = area.cursor_location[0]
        line = area.document.get_line(row)
        question = None
        if self.check is not None and isinstance(self.check.data, dict):
            question = self.check.data.get("question")
        key = line.split(":", 1)[0].strip() if ":" in line else ""
        items = vocabulary_items(question if isinstance(question, str) else None, focus=key)
        if self.suggestion is not None and key in ("value", ""):
            candidates = [
                ("answer", c["value"], f"the value of {c['from_claim']}, beside the gap")
                for c in self.suggestion.candidates
            ]
            items = candidates + [i for i in items if i not in candidates]

        def picked(item: tuple[str, Any] | None) -> None:
            if item is not None:
                self._insert_pick(*item)

        self.app.push_screen(
            PickerScreen(
                items,
                title={"question": "Pick a question", "value": "Pick an answer"}.get(
                    key, "Insert a fact, question or answer"
                ),
            ),
            picked,
        )

    # ------------------------------------------------------------ condition builder

    def action_build_condition(self) -> None:
        """A band, an equality or a true/false fact (and/or), written at when: as the file writes its rules."""
        from engine.conditionbuild import BuildError, set_when, when_style
        from engine.contract import vocabulary
        from tui.screens.condition_builder import ConditionBuilderDialog

        area = self.query_one(TextArea)
        style = when_style(self.doc.text) if self.doc is not None else "flow"

        def built(rule: Any) -> None:
            if rule is None:
                return
            try:
                text = set_when(area.text, rule, style, str(self.path))
            except BuildError as exc:
                self.notify(f"Not inserted: {exc}", severity="error", timeout=8)
                return
            row = next((i for i, line in enumerate(text.split("\n")) if line.startswith("when:")), 0)
            area.replace(text, (0, 0), area.document.end)
            area.move_cursor((row, 0))

        self.app.push_screen(ConditionBuilderDialog(vocabulary()), built)

    def _insert_pick(self, kind: str, value: Any) -> None:
        import json

        area = self.query_one(TextArea)
        row, col = area.cursor_location
        line = area.document.get_line(row)
        if kind in ("question", "answer"):
            key = "question" if kind == "question" else "value"
            text = value if kind == "question" else json.dumps(value, ensure_ascii=False)
            lines = area.text.split("\n")
            target = next((i for i, line in enumerate(lines) if line.startswith(f"{key}:")), None)
            if target is not None:
                old = area.document.get_line(target)
                area.replace(f"{key}: {text}", (target, 0), (target, len(old)))
                area.move_cursor((target, len(key) + 2 + len(text)))
                return
            area.insert(text)
            return
        if kind == "fact":
            area.insert(json.dumps({"var": value}))
            return
        area.insert(json.dumps(value, ensure_ascii=False))
        del line, col

    # ------------------------------------------------------------ saving

    def file_text_to_write(self, on_disk: str | None = None) -> str:
        if self.doc is None:
            raise OSError(f"{self.path.name} is not readable YAML; open it with the file editor")
        return splice_claim(self.doc, self.query_one(TextArea).text, self.index)

    def action_save(self, force: bool = False) -> None:
        self.save_then(None, force=force)

    def save_then(self, done: Any, *, force: bool = False) -> None:
        """Save, then call `done` once saved; a claim that breaks the schema is written only if the author says so."""
        if self.doc is None:
            self.notify(
                f"{self.path.name} cannot be parsed; fix the file first (rulesets screen, e).", severity="error"
            )
            return
        text = self.query_one(TextArea).text
        try:
            snippet_doc = load_text(text, str(self.path))
        except LoadError as exc:
            d = exc.diagnostic
            self.notify(f"Not saved: line {d.line}: {d.message}. Fix the YAML first.", severity="error", timeout=6)
            return
        if not isinstance(snippet_doc.data, dict) or not isinstance(snippet_doc.data.get("id"), str):
            self.notify("Not saved: a claim needs at least an id.", severity="error")
            return
        if self.suggestion is not None and not (
            self._has_value(snippet_doc.data) and self._has_quote(snippet_doc.data)
        ):
            missing = " and ".join(
                what
                for what, ok in (
                    ("a value", self._has_value(snippet_doc.data)),
                    ("a quote", self._has_quote(snippet_doc.data)),
                )
                if not ok
            )
            self.notify(
                f"Not saved: this draft closes a gap, and it needs {missing} chosen by you first "
                "(F2 on the value line offers the neighbours' values; F5 finds the quote in the source).",
                severity="error",
                timeout=8,
            )
            return
        if not force:
            errors = [
                d
                for d in check_claim_snippet(text, self.doc, self.index, str(self.path)).diagnostics
                if d.severity == "error"
            ]
            if errors:
                self._confirm_invalid_save(errors, done)
                return
        self.claim_id = snippet_doc.data["id"]
        super().action_save()
        if done is not None and not self.dirty:
            done()

    def _confirm_invalid_save(self, errors: list[Any], done: Any) -> None:
        """Ask before writing a claim the schema refuses: "Save anyway" writes it, "Keep editing" writes nothing."""
        from tui.screens.dialogs import ChoiceDialog

        shown = "\n".join(f"  line {d.line}:{d.col} {d.code} {d.message}" for d in errors[:3])
        more = f"\n  … and {len(errors) - 3} more" if len(errors) > 3 else ""
        self.confirm_asked = True

        def chosen(choice: str | None) -> None:
            if choice == "save":
                self.save_then(done, force=True)
            else:
                self.notify("Not saved; the claim is still here to fix (F8 jumps to each problem).", timeout=4)

        self.app.push_screen(
            ChoiceDialog(
                f"This claim breaks the schema ({len(errors)} error{'s' if len(errors) != 1 else ''}):\n"
                f"{shown}{more}\n\nSaved as it is, {self.path.name} is an invalid ruleset until it is fixed.",
                [("keep", "Keep editing"), ("save", "Save anyway")],
            ),
            chosen,
        )

    confirm_asked = False  # whether a save asked about schema errors (tests read it)

    def base_text(self) -> str | None:
        return self.doc.text if self.doc is not None else None

    def after_save(self, text: str) -> None:
        self.doc = load_text(text, str(self.path))
        self.index = claim_index(self.doc, self.claim_id)
        self.is_new = False
        self._replaces = self.claim_id
        self._saved_text = self.query_one(TextArea).text
        self._update_title()
        if self.check is not None and not self.check.ok:
            self.notify(
                "Saved with validation errors: the ruleset is invalid until they are fixed.",
                severity="warning",
                timeout=6,
            )
        self.validate_buffer(self._saved_text)

    def reload_from_disk(self) -> None:
        from engine.atomic import FileStamp

        try:
            self.doc = load_file(self.path)
        except LoadError as exc:
            self.notify(f"{self.path.name} on disk is not valid YAML: {exc.diagnostic.message}", severity="error")
            return
        self.stamp = FileStamp.of(self.path)
        self._external_warned = False
        found = claim_index(self.doc, self.claim_id)
        if found is None:
            self.index = None
            self.is_new = True
            self.notify(
                f"Claim {self.claim_id} is not in the file on disk; your text is kept as a new claim.",
                severity="warning",
            )
            return
        self.index = found
        self.is_new = False
        snippet = claim_snippet(self.doc, found)
        self._saved_text = snippet
        self.query_one(TextArea).load_text(snippet)
        self.dirty = False
        self._update_title()

    def action_quote(self) -> None:
        """Set the claim's quote from words typed or pasted here, found verbatim in the source text."""
        from tui.screens.dialogs import InputDialog

        ruleset = self._ruleset_here()
        if ruleset is None:
            self.notify("The ruleset is not valid yet; its source text cannot be searched.", severity="warning")
            return

        def chosen(words: str | None) -> None:
            if words:
                self._set_quote(ruleset, words)

        self.app.push_screen(
            InputDialog(
                f"The source's words for this claim's quote, exactly as in {ruleset.text_path}:",
                placeholder="e.g. For eGFR 30-49 mL/min/1.73m²",
                hint="enter finds them in the source · escape cancels",
            ),
            chosen,
        )

    def _set_quote(self, ruleset: Any, words: str) -> None:
        from engine.gapfill import with_quote
        from engine.loader import read_text
        from engine.provenance import selector

        text = ruleset.source_text
        if text is None:
            try:
                text = read_text(ruleset.resolve_text_path(), root=self.project_folder)
            except (OSError, LoadError) as exc:
                self.notify(f"Cannot read the source text: {exc}", severity="error")
                return
        start = text.find(words)
        if start < 0:
            self.notify(
                "Not found verbatim in the source text (quotes are byte for byte): select it in the sources screen "
                "instead.",
                severity="warning",
                timeout=8,
            )
            return
        more = text.count(words)
        area = self.query_one(TextArea)
        area.load_text(with_quote(area.text, selector(text, start, start + len(words))))
        self.dirty = True
        self._update_title()
        self.validate_buffer(area.text)
        self.update_cues(area.text)
        if more > 1:
            self.notify(
                f"Found {more} times; the first (offset {start}) is quoted. Check it, or select another in the "
                "sources screen.",
                severity="warning",
                timeout=8,
            )

    def action_diff(self) -> None:
        if self.doc is None:
            return
        self.show_difference()

    def action_review(self) -> None:
        if self.dirty or self.is_new:
            self.notify("Save the claim first (ctrl+s), then move it through review.", severity="warning")
            return
        from tui.screens.review import review_claim

        review_claim(self.workbench, self.claim_id, after=self.reload_from_disk)

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Save claim", "Write the claim into its ruleset file (ctrl+s)", self.action_save)
        yield SystemCommand(
            "Insert a fact, question or answer",
            "Vocabulary picker, filtered as you type (F2 or ctrl+space)",
            self.action_pick,
        )
        yield SystemCommand("Next validation problem", "Jump to the next located error (F8)", self.action_next_error)
        yield SystemCommand(
            "Review status of this claim", "Submit, start review, approve or reject (F3)", self.action_review
        )
        yield SystemCommand(
            "Show difference with the file on disk", "Unified diff of what saving would change (F4)", self.action_diff
        )
        yield SystemCommand(
            "Quote from the source",
            "Find typed words verbatim in the source text and quote them (F5)",
            self.action_quote,
        )
        yield SystemCommand("Close the claim editor", "Asks when there are unsaved edits (escape)", self.action_close)
