"""Patients screen: every test patient by every source for one question.

Each cell is the source's answer and its status (answered, conflicting,
indeterminate with the missing facts, silent). A cell that differs from the
patient's expected answer, or a row where sources disagree, stands out.
Facts can be changed here (what-if, in memory) and the row re-evaluates at
once; enter on a cell explains the answer.
"""
from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select, Static

from tui.workspace import Workspace

STATUS_STYLE = {"answered": "", "conflicting": "bold magenta", "indeterminate": "yellow", "silent": "dim"}


class PatientsScreen(Screen[None]):
    """Patients × sources for a question."""

    TITLE = "Patients"
    BINDINGS = [
        Binding("e", "explain", "Explain cell", id="patients-explain"),
        Binding("f", "edit_facts", "Edit facts", id="patients-edit-facts"),
        Binding("x", "reset_facts", "Reset facts", id="patients-reset-facts"),
        Binding("q", "focus_question", "Question", id="patients-question"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.question: str | None = None
        self.overrides: dict[str, dict[str, Any]] = {}  # patient id -> what-if facts
        self.answers: dict[tuple[str, str], Any] = {}  # (patient, source) -> Answer
        self._sources: list[str] = []
        self._patients: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="patients-top"):
            yield Select([], prompt="Question", id="patients-question", allow_blank=True)
            yield Static("", id="patients-summary", markup=False)
        with Vertical(id="patients-body"):
            yield DataTable(id="patients-table", cursor_type="cell", zebra_stripes=True)
            yield Static("", id="patients-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        ws = self.app.workspace  # type: ignore[attr-defined]
        if ws is not None:
            self.workspace_changed(ws)
        self.query_one(DataTable).focus()

    def workspace_changed(self, ws: Workspace | None) -> None:
        if ws is None or not getattr(self, "_ready", False):
            return
        counts: dict[str, int] = {}
        for r in ws.rulesets:
            for c in r.claims:
                counts[c.question] = counts.get(c.question, 0) + 1
        questions = sorted(counts, key=lambda q: (-counts[q], q))
        select = self.query_one("#patients-question", Select)
        with self.prevent(Select.Changed):
            select.set_options([(f"{q} ({counts[q]} claims)", q) for q in questions])
        if self.question not in counts:
            self.question = "dose" if "dose" in counts else (questions[0] if questions else None)
        if self.question is not None:
            with self.prevent(Select.Changed):
                select.value = self.question
        self.rebuild()

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.question:
            self.question = event.value
            self.rebuild()
            self.query_one(DataTable).focus()

    def facts_of(self, patient: Any) -> dict[str, Any]:
        return self.overrides.get(patient.id, patient.facts)

    def rebuild(self) -> None:
        from engine.evaluate import evaluate_patient

        ws: Workspace | None = self.app.workspace  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        keep = table.cursor_coordinate
        table.clear(columns=True)
        if ws is None or self.question is None:
            self.query_one("#patients-summary", Static).update("No rulesets with claims yet.")
            return
        rulesets = ws.rulesets
        self._sources = [r.source_id for r in rulesets]
        self._patients = list(ws.patients)
        table.add_column("Patient", key="patient")
        table.add_column("", key="agree")
        for s in self._sources:
            table.add_column(s, key=s)
        self.answers = {}
        mismatches = disagreements = 0
        for patient in self._patients:
            evaluation = evaluate_patient(rulesets, self.facts_of(patient), patient.id, questions=[self.question])
            cells: list[Any] = []
            values = set()
            for s in self._sources:
                a = evaluation.get(s, self.question)
                self.answers[(patient.id, s)] = a
                cell, bad = self._cell(patient, s, a)
                mismatches += bad
                cells.append(cell)
                if a is not None and a.status in ("answered", "conflicting"):
                    values.add(tuple(sorted(str(v.value) for v in a.values)))
            differ = len(values) > 1
            disagreements += differ
            name = Text(patient.id + (" *" if patient.id in self.overrides else ""), style="bold")
            flag = Text("≠", style="bold magenta") if differ else Text("")
            table.add_row(name, flag, *cells, key=patient.id)
        if self._patients:
            table.move_cursor(row=min(keep.row, len(self._patients) - 1), column=max(2, min(keep.column, len(self._sources) + 1)))
        summary = Text()
        summary.append(f"{len(self._patients)} patients × {len(self._sources)} sources · ")
        summary.append(f"{mismatches} differ from expected", style="bold red" if mismatches else "green")
        summary.append(" · ")
        summary.append(f"{disagreements} rows where sources disagree (≠)", style="magenta" if disagreements else "green")
        if self.overrides:
            summary.append(f" · {len(self.overrides)} edited (*)", style="yellow")
        self.query_one("#patients-summary", Static).update(summary)
        self._show_detail()

    def _cell(self, patient: Any, source: str, a: Any) -> tuple[Text, int]:
        from engine.testing import describe_expectation, matches

        if a is None:
            return Text("—", style="dim"), 0
        text = a.summary()
        if len(text) > 34:
            text = text[:33] + "…"
        cell = Text(text, style=STATUS_STYLE.get(a.status, ""))
        expected = patient.expected.get(source, {}).get(self.question) if isinstance(patient.expected, dict) else None
        if expected is None:
            return cell, 0
        if matches(expected, a):
            cell.append(" ✓", style="green")
            return cell, 0
        cell.stylize("bold white on #7a1f1f")
        cell.append(f" ≠ {describe_expectation(expected)}"[:30], style="bold red")
        return cell, 1

    def _current(self) -> tuple[Any, str | None]:
        table = self.query_one(DataTable)
        if not self._patients:
            return None, None
        coord = table.cursor_coordinate
        patient = self._patients[min(coord.row, len(self._patients) - 1)]
        col = coord.column - 2
        source = self._sources[col] if 0 <= col < len(self._sources) else None
        return patient, source

    def on_data_table_cell_highlighted(self, _event: DataTable.CellHighlighted) -> None:
        self._show_detail()

    def on_data_table_cell_selected(self, _event: DataTable.CellSelected) -> None:
        self.action_explain()

    def _show_detail(self) -> None:
        from engine.testing import describe_expectation

        patient, source = self._current()
        panel = self.query_one("#patients-detail", Static)
        if patient is None:
            panel.update(Text("No test patients (rulesets/patients/*.yaml).", style="dim"))
            return
        t = Text()
        t.append(patient.id, style="bold")
        if patient.description:
            t.append(f" — {patient.description}", style="italic")
        t.append("\nfacts: ", style="dim")
        facts = self.facts_of(patient)
        t.append(", ".join(f"{k}={v}" for k, v in facts.items()) or "(none)")
        if patient.id in self.overrides:
            t.append("  (edited; x resets)", style="yellow")
        if source is not None:
            a = self.answers.get((patient.id, source))
            t.append(f"\n{source}: ", style="bold")
            if a is not None:
                t.append(f"{a.status} — {a.summary()}")
            expected = patient.expected.get(source, {}).get(self.question)
            if expected is not None:
                t.append("   expected: ", style="dim")
                t.append(describe_expectation(expected))
            t.append("   (enter explains)", style="dim")
        panel.update(t)

    # ------------------------------------------------------------ actions

    def action_focus_question(self) -> None:
        self.query_one("#patients-question", Select).focus()

    def action_explain(self) -> None:
        patient, source = self._current()
        if patient is None or source is None or self.question is None:
            self.notify("Put the cursor on a source's cell.", severity="warning")
            return
        from tui.screens.explain import ExplainScreen

        ws = self.app.workspace  # type: ignore[attr-defined]
        entry = ws.entry(source) if ws else None
        if entry is None or entry.ruleset is None:
            return
        self.app.push_screen(ExplainScreen(entry.ruleset, self.question, self.facts_of(patient), patient.id))

    def action_edit_facts(self) -> None:
        patient, _ = self._current()
        if patient is None:
            return
        from tui.screens.facts import FactsScreen

        def done(facts: dict[str, Any] | None) -> None:
            if facts is None:
                return
            if facts == patient.facts:
                self.overrides.pop(patient.id, None)
            else:
                self.overrides[patient.id] = facts
            self.rebuild()

        self.app.push_screen(FactsScreen(patient.id, dict(self.facts_of(patient))), done)

    def action_reset_facts(self) -> None:
        patient, _ = self._current()
        if patient is not None and self.overrides.pop(patient.id, None) is not None:
            self.rebuild()

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Explain the highlighted answer", "Which claims apply and why (e / enter)", self.action_explain)
        yield SystemCommand("Edit the highlighted patient's facts", "What-if: change a fact and re-evaluate (f)", self.action_edit_facts)
        yield SystemCommand("Reset the highlighted patient's facts", "Back to the facts in the file (x)", self.action_reset_facts)
        yield SystemCommand("Choose the question", "Which question the table shows (q)", self.action_focus_question)
        ws = self.app.workspace  # type: ignore[attr-defined]
        if ws is not None:
            for q in sorted({c.question for r in ws.rulesets for c in r.claims}):
                yield SystemCommand(f"Patients: show question {q}", "Evaluate every patient for this question", lambda q=q: self._set_question(q))

    def _set_question(self, q: str) -> None:
        self.question = q
        with self.prevent(Select.Changed):
            self.query_one("#patients-question", Select).value = q
        self.rebuild()


__all__ = ["PatientsScreen", "Coordinate"]
