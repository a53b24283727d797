"""Patients screen: every test patient by every source for one question.

Each cell is the source's answer and its status (answered, conflicting,
indeterminate with the missing facts, silent). A cell that differs from the
patient's expected answer, or a row where sources disagree, stands out.
Facts can be changed here (what-if, in memory) and the row re-evaluates at
once; ctrl+s writes the edited facts back to the patient files
(engine.patientedit: atomic, only the changed facts' lines touched, never
over a file changed on disk without asking); enter on a cell explains the
answer.

The detail panel shows the highlighted patient's facts as the engine uses them
(tui.derived, over engine.derive and engine.meaning.facts): given facts, each
derived one marked as derived with its definition and inputs, and a W504
warning beside a given value that breaks a relation (the patient's name in the
table carries ⚠). An indeterminate answer asks for what a record holds: a fact
a relation derives is replaced by the inputs it lacks (egfr or crcl, not
renal_impairment).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Header, Select, Static

from tui.base import WorkbenchScreen
from tui.workspace import Workspace

if TYPE_CHECKING:
    from engine.atomic import FileStamp
    from engine.evaluate import Answer
    from engine.model import Patient
    from tui.derived import DerivedFact, PatientFacts

STATUS_STYLE = {"answered": "", "conflicting": "bold magenta", "indeterminate": "yellow", "silent": "dim"}
DERIVED_STYLE = "italic cyan"  # a derived fact, never mistaken for a given one
WARNING_STYLE = "bold yellow"


class PatientsScreen(WorkbenchScreen):
    """Patients × sources for a question."""

    _ready = False  # set on mount: the widgets a workspace fills exist

    TITLE = "Patients"
    BINDINGS = [
        Binding("e", "explain", "Explain cell", id="patients-explain"),
        Binding("f", "edit_facts", "Edit facts", id="patients-edit-facts"),
        Binding("x", "reset_facts", "Reset facts", id="patients-reset-facts"),
        Binding("ctrl+s", "save_facts", "Save facts", id="patients-save-facts"),
        Binding("q", "focus_question", "Question", id="patients-question"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.question: str | None = None
        self.overrides: dict[str, dict[str, Any]] = {}  # patient id -> what-if facts
        self.stamps: dict[str, FileStamp] = {}  # patient id -> its file's stamp as the edited facts were loaded
        self._warned_external: set[str] = set()
        self._save_queue: list[Patient] = []
        self.answers: dict[tuple[str, str], Answer | None] = {}  # (patient, source) -> its answer
        self._sources: list[str] = []
        self._patients: list[Patient] = []
        self.fact_views: dict[str, PatientFacts] = {}  # patient id -> given, derived facts and warnings
        self.known: dict[str, dict[str, Any]] = {}  # patient id -> the facts evaluation used (given and derived)

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
        ws = self.workbench.workspace
        if ws is not None:
            self.workspace_changed(ws)
        self.query_one(DataTable).focus()

    # ------------------------------------------------------------ unsaved edits

    @property
    def dirty(self) -> bool:
        """Edited facts not yet written to their files (the app asks before quitting)."""
        return bool(self.overrides)

    @property
    def title_for_quit(self) -> str:
        return "the facts of " + ", ".join(sorted(self.overrides))

    def check_external_change(self) -> None:
        from engine.atomic import changed_since

        for pid in sorted(self.overrides):
            patient = self._patient(pid)
            if patient is None or pid in self._warned_external:
                continue
            if changed_since(patient.path, self.stamps.get(pid)):
                self._warned_external.add(pid)
                self.notify(
                    f"{pid}'s file changed on disk while its facts were edited here. Saving will ask what to do.",
                    title="Changed on disk",
                    severity="warning",
                    timeout=8,
                )

    def _patient(self, pid: str) -> Patient | None:
        ws: Workspace | None = self.workbench.workspace
        return next((p for p in ws.patients if p.id == pid), None) if ws is not None else None

    def workspace_changed(self, ws: Workspace | None) -> None:
        if ws is None or not self._ready:
            return
        self.check_external_change()
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

    def facts_of(self, patient: Patient) -> dict[str, Any]:
        return self.overrides.get(patient.id, patient.facts)

    def rebuild(self) -> None:
        from engine.evaluate import evaluate_patient
        from tui.derived import patient_facts

        ws: Workspace | None = self.workbench.workspace
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
        self.fact_views = {}
        self.known = {}
        mismatches = disagreements = warned = 0
        for patient in self._patients:
            evaluation = evaluate_patient(rulesets, self.facts_of(patient), patient.id, questions=[self.question])
            view = self.fact_views[patient.id] = patient_facts(self.facts_of(patient))
            self.known[patient.id] = evaluation.facts
            warned += bool(view.warnings)
            cells: list[Text] = []
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
            if view.warnings:
                name.append(" ⚠", style=WARNING_STYLE)
            flag = Text("≠", style="bold magenta") if differ else Text("")
            table.add_row(name, flag, *cells, key=patient.id)
        if self._patients:
            table.move_cursor(
                row=min(keep.row, len(self._patients) - 1), column=max(2, min(keep.column, len(self._sources) + 1))
            )
        summary = Text()
        summary.append(f"{len(self._patients)} patients × {len(self._sources)} sources · ")
        summary.append(f"{mismatches} differ from expected", style="bold red" if mismatches else "green")
        summary.append(" · ")
        summary.append(
            f"{disagreements} rows where sources disagree (≠)", style="magenta" if disagreements else "green"
        )
        if warned:
            summary.append(f" · {warned} with fact warnings (⚠)", style=WARNING_STYLE)
        if self.overrides:
            summary.append(f" · {len(self.overrides)} edited (*), ctrl+s saves", style="yellow")
        self.query_one("#patients-summary", Static).update(summary)
        self._show_detail()

    def _cell(self, patient: Patient, source: str, a: Answer | None) -> tuple[Text, int]:
        from engine.testing import describe_expectation, matches

        if a is None:
            return Text("—", style="dim"), 0
        text = self._summary(patient, a)
        if len(text) > 34:
            text = text[:33] + "…"
        cell = Text(text, style=STATUS_STYLE.get(a.status, ""))
        expected = self._expected(patient, source)
        if expected is None:
            return cell, 0
        if matches(expected, a):
            cell.append(" ✓", style="green")
            return cell, 0
        cell.stylize("bold white on #7a1f1f")
        cell.append(f" ≠ {describe_expectation(expected)}"[:30], style="bold red")
        return cell, 1

    def _summary(self, patient: Patient, a: Answer) -> str:
        """The answer in words; an indeterminate one names what to ask for, never a fact a relation derives."""
        from engine.evaluate import answer_text
        from engine.meaning.lineage import asked_for

        if a.status != "indeterminate":
            return a.summary()
        asked = asked_for(a.missing, self.known.get(patient.id, {}))
        return answer_text(a.status, [v.value for v in a.values], asked, [v.qualifiers for v in a.values])

    def _expected(self, patient: Patient, source: str) -> Any:
        """The patient's expected answer from `source` to the shown question (None: no expectation)."""
        if self.question is None or not isinstance(patient.expected, dict):
            return None
        return patient.expected.get(source, {}).get(self.question)

    def _current(self) -> tuple[Patient | None, str | None]:
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
        # What changed and the answer first: a patient with forty facts would push them out of the panel.
        facts = self.facts_of(patient)
        if patient.id in self.overrides:
            from engine.patientedit import fact_changes

            t.append("\nunsaved: ", style="yellow")
            t.append("; ".join(c.describe() for c in fact_changes(patient.facts, facts)), style="bold yellow")
            t.append("  (ctrl+s saves to the file, x resets)", style="yellow")
        if source is not None:
            a = self.answers.get((patient.id, source))
            t.append(f"\n{source}: ", style="bold")
            if a is not None:
                t.append(f"{a.status} — {self._summary(patient, a)}")
            expected = self._expected(patient, source)
            if expected is not None:
                t.append("   expected: ", style="dim")
                t.append(describe_expectation(expected))
            t.append("   (enter explains)", style="dim")
            if a is not None and a.status == "indeterminate":
                self._dependences(t, source, a, facts)
        view = self.fact_views.get(patient.id)
        if view is None:
            from tui.derived import patient_facts

            view = patient_facts(facts)
        self._facts_text(t, view)
        panel.update(t)

    def _dependences(self, t: Text, source: str, a: Answer, facts: dict[str, Any]) -> None:
        """What an indeterminate answer hangs on, band by band (engine.conditional)."""
        from engine.conditional import depends_on

        ws = self.workbench.workspace
        ruleset = next((r for r in (ws.rulesets if ws else []) if r.source_id == source), None)
        if ruleset is None or self.question is None:
            return
        for dependence in depends_on(ruleset, self.question, facts, a):
            t.append(f"\n  {dependence.text()}", style="yellow")

    @staticmethod
    def _facts_text(t: Text, view: PatientFacts) -> None:
        """Given facts (a warned one marked beside it), then each derived group, then the warnings in full."""
        from engine.explain import show_value as show

        t.append("\ngiven: ", style="dim")
        if not view.given:
            t.append("(none)")
        for i, (name, value) in enumerate(view.given.items()):
            if i:
                t.append(", ")
            t.append(f"{name}={show(value)}")
            for w in view.warnings_at(name):
                t.append(f" ⚠ {w.code}", style=WARNING_STYLE)
        for group in view.groups():
            t.append("\nderived: ", style=DERIVED_STYLE)
            t.append(", ".join(f"{d.fact} = {show(d.value)}" for d in group), style="bold cyan")
            t.append(f"  by {_basis(group[0])}", style=DERIVED_STYLE)
            if group[0].inputs:
                t.append(f" from {group[0].inputs_text()}", style=DERIVED_STYLE)
        titles = {d.definition: d.title for d in view.derived if d.kind != "formula"}
        if titles:
            t.append("\ndefinitions: ", style="dim")
            t.append("; ".join(f"{ident} = {title}" for ident, title in titles.items()), style="dim italic")
        for w in view.warnings:
            t.append(f"\n⚠ {w.code} {w.fact}: ", style=WARNING_STYLE)
            t.append(w.message, style="yellow")

    # ------------------------------------------------------------ actions

    def action_focus_question(self) -> None:
        self.query_one("#patients-question", Select).focus()

    def action_explain(self) -> None:
        patient, source = self._current()
        if patient is None or source is None or self.question is None:
            self.notify("Put the cursor on a source's cell.", severity="warning")
            return
        from tui.screens.explain import ExplainScreen

        ws = self.workbench.workspace
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
            from engine.patientedit import fact_changes, stamp_of_loaded

            if facts is None:
                return
            if not fact_changes(patient.facts, facts):
                self._forget_edit(patient.id)
            else:
                if patient.id not in self.overrides and patient.document is not None:
                    self.stamps[patient.id] = stamp_of_loaded(patient.document)
                self.overrides[patient.id] = facts
            self.rebuild()

        self.app.push_screen(FactsScreen(patient.id, dict(self.facts_of(patient))), done)

    def action_reset_facts(self) -> None:
        patient, _ = self._current()
        if patient is not None and patient.id in self.overrides:
            self._forget_edit(patient.id)
            self.rebuild()

    def _forget_edit(self, pid: str) -> None:
        self.overrides.pop(pid, None)
        self.stamps.pop(pid, None)
        self._warned_external.discard(pid)

    # ------------------------------------------------------------ saving

    def action_save_facts(self) -> None:
        """Write every edited patient's facts to its file (asks first for a file changed on disk)."""
        if not self.overrides:
            self.notify("No edited facts to save: f edits the highlighted patient's facts.")
            return
        missing = [pid for pid in self.overrides if self._patient(pid) is None]
        if missing:
            self.notify(
                f"Not saved: {', '.join(missing)} is no longer in the folder (x on its row discards the edit).",
                severity="error",
            )
        self._save_queue = [p for pid in sorted(self.overrides) if (p := self._patient(pid)) is not None]
        self._save_next()

    def _save_next(self) -> None:
        from engine.patientedit import ChangedOnDisk

        while self._save_queue:
            patient = self._save_queue.pop(0)
            try:
                self._write_facts(patient, force=False)
            except ChangedOnDisk:
                self._ask_changed_on_disk(patient)
                return  # the dialog's answer continues the queue
        self.rebuild()

    def _write_facts(self, patient: Patient, force: bool) -> bool:
        """Save one patient's edit; False (edit kept, reason shown) when it could not be written."""
        from engine.loader import load_text
        from engine.patientedit import PatientEditError, fact_changes, save_facts

        facts = self.overrides[patient.id]
        changes = fact_changes(patient.facts, facts)
        try:
            text, _stamp = save_facts(patient.path, facts, self.stamps.get(patient.id), force=force)
        except OSError as exc:
            self.notify(
                f"Could not save {patient.id}'s facts: {exc.strerror or exc}. The edit is still here; fix the problem and press ctrl+s again.",
                title="Save failed",
                severity="error",
                timeout=10,
            )
            return False
        except PatientEditError as exc:
            self.notify(
                f"Could not save {patient.id}'s facts: {exc}. The edit is still here.",
                title="Save failed",
                severity="error",
                timeout=10,
            )
            return False
        # The workspace's snapshot of this patient follows the file at once; the reload refreshes the rest.
        from dataclasses import replace

        saved = replace(patient, facts=dict(facts), document=load_text(text, patient.path))
        ws: Workspace | None = self.workbench.workspace
        for patients in ((ws.patients if ws is not None else []), self._patients):
            for i, p in enumerate(patients):
                if p is patient:
                    patients[i] = saved
        self._forget_edit(patient.id)
        what = "; ".join(c.describe() for c in changes) if changes else "facts as on disk"
        self.notify(f"Saved {patient.id}: {what}.", timeout=4)
        self.workbench.reload_workspace()
        return True

    def _ask_changed_on_disk(self, patient: Patient) -> None:
        from pathlib import Path

        from tui.screens.dialogs import ChoiceDialog

        name = Path(patient.path).name

        def chosen(choice: str | None) -> None:
            if choice == "reload":
                self._forget_edit(patient.id)
                self.notify(
                    f"Discarded the edit of {patient.id}; its facts are read from disk again.", severity="warning"
                )
                self.workbench.reload_workspace()
            elif choice == "mine":
                self._keep_mine(patient)
            elif choice == "diff":
                self._show_difference(patient, then=lambda: self._ask_changed_on_disk(patient))
                return
            else:
                self._save_queue.clear()  # cancel: nothing more is written
            self._save_next()

        self.app.push_screen(
            ChoiceDialog(
                f"{name} ({patient.id}) was changed on disk after its facts were loaded. Saving now would overwrite that change to its facts.",
                [
                    ("diff", "Show difference"),
                    ("reload", "Reload (discard mine)"),
                    ("mine", "Keep mine (merge)"),
                    ("cancel", "Cancel"),
                ],
            ),
            chosen,
        )

    def _keep_mine(self, patient: Patient) -> bool:
        """Save only the facts edited here onto the facts on disk now (engine.merge.merge_facts); a fact changed on both sides is shown, not written."""
        from engine.loader import LoadError, load_file
        from engine.merge import merge_facts
        from engine.patientedit import PatientEditError, facts_of

        try:
            disk = facts_of(load_file(patient.path))
        except (LoadError, PatientEditError) as exc:
            reason = exc.diagnostic.format() if isinstance(exc, LoadError) else str(exc)
            self.notify(
                f"Not saved: {reason}. The edit of {patient.id} is still here.",
                title="Save failed",
                severity="error",
                timeout=10,
            )
            return False
        merged, clashes = merge_facts(patient.facts, self.overrides[patient.id], disk)
        if clashes:
            self.notify(
                f"Not saved: {', '.join(clashes)} of {patient.id} changed both here and on disk. The edit is still here; "
                "reload (discard mine) to take the file's values, then edit again.",
                title="Changed on both sides",
                severity="error",
                timeout=12,
            )
            return False
        self.overrides[patient.id] = merged
        return self._write_facts(patient, force=True)

    def _show_difference(self, patient: Patient, then: Callable[[], None] | None = None) -> None:
        import difflib
        from pathlib import Path

        from rich.syntax import Syntax

        from engine.patientedit import PatientEditError, facts_file_text
        from tui.screens.dialogs import TextDialog

        name = Path(patient.path).name
        try:
            disk, mine = facts_file_text(patient.path, self.overrides.get(patient.id, patient.facts))
        except (OSError, PatientEditError) as exc:
            disk, mine = f"(cannot read: {exc})\n", ""
        diff = "".join(
            difflib.unified_diff(disk.splitlines(True), mine.splitlines(True), f"{name} (on disk)", f"{name} (yours)")
        )
        body = Syntax(diff or "No difference.\n", "diff", theme="ansi_dark", word_wrap=True)
        self.app.push_screen(
            TextDialog(f"Difference: on disk → yours ({name})", body), (lambda _r: then()) if then else None
        )

    def action_diff_facts(self) -> None:
        patient, _ = self._current()
        if patient is None or patient.id not in self.overrides:
            self.notify("The highlighted patient has no unsaved edit.")
            return
        self._show_difference(patient)

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Explain the highlighted answer", "Which claims apply and why (e / enter)", self.action_explain
        )
        yield SystemCommand(
            "Edit the highlighted patient's facts", "What-if: change a fact and re-evaluate (f)", self.action_edit_facts
        )
        yield SystemCommand(
            "Reset the highlighted patient's facts", "Back to the facts in the file (x)", self.action_reset_facts
        )
        yield SystemCommand(
            "Save edited facts to the patient files",
            "Atomic; only the changed facts' lines are touched (ctrl+s)",
            self.action_save_facts,
        )
        yield SystemCommand(
            "Show the difference a save would make",
            "Unified diff of the highlighted patient's file",
            self.action_diff_facts,
        )
        yield SystemCommand("Choose the question", "Which question the table shows (q)", self.action_focus_question)
        ws = self.workbench.workspace
        if ws is not None:
            for q in sorted({c.question for r in ws.rulesets for c in r.claims}):
                yield SystemCommand(
                    f"Patients: show question {q}",
                    "Evaluate every patient for this question",
                    lambda q=q: self._set_question(q),
                )

    def _set_question(self, q: str) -> None:
        self.question = q
        with self.prevent(Select.Changed):
            self.query_one("#patients-question", Select).value = q
        self.rebuild()


def _basis(d: DerivedFact) -> str:
    """'fda-renal-2024', 'lucius-vte-risk-factors (implication)', or the formula's name."""
    return d.basis if d.kind in ("formula", "derivation") else f"{d.basis} ({d.kind})"


__all__ = ["PatientsScreen", "Coordinate"]
