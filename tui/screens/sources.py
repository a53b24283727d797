"""Sources screen: the verbatim text with every claim's quote highlighted, and coverage.

Select text (shift+arrows, mouse) and press `n` to start a claim prefilled
with the exact quote, its context and offsets; the editor never types a
quote by hand. `x` records the selection (or the sentence under the cursor)
as excluded from coverage, with a reason and an optional note (engine.exclusions).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Select, Static

from tui.base import WorkbenchScreen
from tui.widgets.source_view import Mark, SourceView
from tui.workspace import RulesetEntry, Workspace

STATUS_STYLE = {
    "approved": "on #1d4a2b",
    "under_review": "on #1f3b63",
    "submitted": "on #2a3560",
    "draft": "on #4a4220",
    "rejected": "strike on #402020",
}
CONFLICT_STYLE = "bold underline #ff7b72"
UNREVIEWED_STYLE = "underline #d29922"
EXCLUDED_STYLE = "dim italic"
REASON_HELP = {
    "navigation": "headings, menus, links, page furniture",
    "no_checkable_content": "says nothing a rule could check",
    "disclaimer": "legal or medical disclaimer",
    "marketing": "advertising, calls to action",
    "mechanism": "how the drug works, no advice",
    "background": "background on the disease or the drug",
    "not_about_this_drug": "about another drug or topic",
    "reader_comment": "a reader's comment",
}


class SourcesScreen(WorkbenchScreen):
    """A source text with claim highlights, the claims under the cursor and coverage figures."""

    _ready = False  # set on mount: the widgets a workspace fills exist

    TITLE = "Sources"
    BINDINGS = [
        # Short footer descriptions so the main keys fit at 120 columns; tooltips and the palette say more.
        Binding(
            "n",
            "new_claim",
            "New claim",
            id="sources-new-claim",
            tooltip="New claim from the selection (or the sentence)",
        ),
        Binding(
            "x",
            "exclude_span",
            "Exclude",
            id="sources-exclude-span",
            tooltip="Exclude the selection (or the sentence) from coverage",
        ),
        Binding(
            "u",
            "next_unreviewed",
            "Unreviewed",
            id="sources-next-unreviewed",
            tooltip="Next sentence neither claimed nor excluded",
        ),
        Binding("e", "edit_claim", "Edit", id="sources-edit-claim", tooltip="Edit the claim under the cursor"),
        Binding(
            "r", "review_claim", "Review", id="sources-review", tooltip="Review status of the claim under the cursor"
        ),
        # Off the footer (n and x already act on the sentence under the cursor; the side panel
        # names s and ] where they apply), still in the palette and the keys panel.
        Binding(
            "s",
            "select_sentence",
            "Sentence",
            id="sources-select-sentence",
            show=False,
            tooltip="Select the sentence under the cursor",
        ),
        Binding(
            "g",
            "suggestions",
            "Suggest",
            id="sources-suggestions",
            show=False,
            tooltip="Draft claims suggested for the unclaimed sentences (accept, edit, dismiss)",
        ),
        Binding("right_square_bracket", "next_claim(1)", "Next claim", id="sources-next-claim", show=False),
        Binding("left_square_bracket", "next_claim(-1)", "Prev claim", id="sources-prev-claim", show=False),
        Binding("tab", "app.focus_next", "Focus next", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.source_id: str | None = None
        self.text = ""
        self.coverage: Any = None
        self._claim_spans: list[tuple[int, int, Any]] = []
        self._pending_offset: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="sources-top"):
            yield Select([], prompt="Choose a source", id="sources-select", allow_blank=True)
            yield Static("", id="sources-coverage", markup=False)
        with Horizontal(id="sources-body"):
            yield SourceView(id="source-view")
            with Vertical(id="sources-side"):
                yield Static("", id="sources-legend", markup=False)
                with VerticalScroll(id="sources-claims-scroll"):
                    yield Static("", id="sources-claims", markup=False)
        yield Footer(compact=True)  # the full set of keys fits at 120 columns

    def on_mount(self) -> None:
        self._ready = True
        self.query_one("#sources-legend", Static).update(self._legend())
        ws = self.workbench.workspace
        if ws is not None:
            self.workspace_changed(ws)
        self.query_one(SourceView).focus()

    @staticmethod
    def _legend() -> Text:
        t = Text()
        for status, style in STATUS_STYLE.items():
            t.append(f" {status} ", style=style)
            t.append(" ")
        t.append("\n")
        t.append("in a conflict", style=CONFLICT_STYLE)
        t.append("  ")
        t.append("unclaimed sentence", style=UNREVIEWED_STYLE)
        t.append("  ")
        t.append("excluded", style=EXCLUDED_STYLE)
        return t

    # ------------------------------------------------------------ data

    def workspace_changed(self, ws: Workspace | None) -> None:
        if ws is None or not self._ready:
            return
        select = self.query_one("#sources-select", Select)
        options = [(e.source_id, e.source_id) for e in ws.entries]
        with self.prevent(Select.Changed):
            select.set_options(options)
            if self.source_id and ws.entry(self.source_id):
                select.value = self.source_id
        pending, self._pending_offset = self._pending_offset, None
        if self.source_id is None and ws.entries:
            self.show_source(ws.entries[0].source_id)
        elif self.source_id is not None and pending is not None:
            self.show_source(self.source_id, pending)  # asked for (o on a conflict) before this screen was ready
        elif self.source_id is not None:
            self.show_source(self.source_id, keep_cursor=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL and isinstance(event.value, str) and event.value != self.source_id:
            self.show_source(event.value)
            self.query_one(SourceView).focus()

    def entry(self) -> RulesetEntry | None:
        ws = self.workbench.workspace
        return ws.entry(self.source_id) if ws is not None and self.source_id else None

    def show_source(self, source_id: str, offset: int | None = None, keep_cursor: bool = False) -> None:
        ws: Workspace | None = self.workbench.workspace
        if ws is None or not self._ready:
            self.source_id, self._pending_offset = source_id, offset
            return
        entry = ws.entry(source_id)
        view = self.query_one(SourceView)
        if entry is None:
            self.notify(f"No ruleset for source {source_id!r}.", severity="warning")
            return
        changed_source = source_id != self.source_id
        self.source_id = source_id
        select = self.query_one("#sources-select", Select)
        if select.value != source_id:
            with self.prevent(Select.Changed):
                select.value = source_id
        ruleset = entry.ruleset
        if ruleset is None:
            view.set_text(
                f"{entry.path} has errors, so its claims cannot be shown.\n\n"
                + "\n".join(d.format() for d in entry.diagnostics[:20])
                + "\n\nPress 1 for the rulesets screen, then e to open the file at its first error."
            )
            self.text = ""
            self.coverage = None
            self._claim_spans = []
            self.query_one("#sources-coverage", Static).update(Text("invalid ruleset", style="bold red"))
            self._show_claims_at(0)
            return
        if not ruleset.text_path:  # a reference citing its label: nothing to read, its citations instead
            view.set_text(_citations_text(ruleset))
            self.text = ""
            self.coverage = None
            self._claim_spans = []
            summary = f"reference {ruleset.jurisdiction} · {ruleset.version} · {len(ruleset.claims)} cited claims"
            self.query_one("#sources-coverage", Static).update(Text(summary, style="bold cyan"))
            self._show_claims_at(0)
            return
        if ruleset.source_text is None:  # validation read it; if not, read it off the UI thread (a huge file, a FIFO)
            view.set_text(f"Reading {ruleset.text_path}…")
            self.text = ""
            self.coverage = None
            self._claim_spans = []
            self.read_source_text(source_id, ruleset, ws.folder, offset, keep_cursor)
            return
        self._show_text(ws, ruleset, ruleset.source_text, offset, keep_cursor, changed_source)

    @work(exclusive=True, thread=True, exit_on_error=False, group="source-read")
    def read_source_text(self, source_id: str, ruleset: Any, root: Any, offset: int | None, keep_cursor: bool) -> None:
        """The source text through engine.loader (engine.safefile: regular files inside the project folder only)."""
        from engine.loader import LoadError, read_text

        try:
            text = read_text(ruleset.resolve_text_path(), root=root)
        except LoadError as exc:
            self.app.call_from_thread(self._source_refused, source_id, exc.diagnostic.format())
            return
        ruleset.source_text = text
        self.app.call_from_thread(self._source_read, source_id, ruleset, text, offset, keep_cursor)

    def _source_read(self, source_id: str, ruleset: Any, text: str, offset: int | None, keep_cursor: bool) -> None:
        ws = self.workbench.workspace
        entry = ws.entry(source_id) if ws is not None else None
        if ws is None or entry is None or entry.ruleset is not ruleset or self.source_id != source_id:
            return  # another source (or a newer workspace) is shown by now
        self._show_text(ws, ruleset, text, offset, False, True)  # the view showed "Reading…": a fresh start

    def _source_refused(self, source_id: str, message: str) -> None:
        if self.source_id != source_id:
            return
        self.query_one(SourceView).set_text(f"The source text cannot be shown:\n\n{message}")
        self.query_one("#sources-coverage", Static).update(Text("source text refused", style="bold red"))
        self._show_claims_at(0)

    def _show_text(
        self, ws: Workspace, ruleset: Any, text: str, offset: int | None, keep_cursor: bool, changed_source: bool
    ) -> None:
        """The text with its claim, exclusion and unclaimed-sentence marks, and the coverage figures."""
        from engine.coverage import coverage

        view = self.query_one(SourceView)
        self.text = text
        self.coverage = coverage(ruleset, text)
        in_conflict = {claim["id"] for c in ws.conflicts for claim in c["claims"]}
        marks: list[Mark] = []
        for i, sentence in enumerate(self.coverage.sentences):
            status = self.coverage.status[i]
            if status == "unreviewed":
                marks.append(Mark(sentence.start, sentence.end, UNREVIEWED_STYLE))
        for excl in ruleset.excluded:
            marks.append(Mark(excl.start, excl.end, EXCLUDED_STYLE))
        self._claim_spans = []
        for claim in ruleset.claims:
            p = claim.provenance
            style = STATUS_STYLE.get(claim.status, "reverse")
            if claim.id in in_conflict:
                style = f"{style} {CONFLICT_STYLE}"
            marks.append(Mark(p.start, p.end, style))
            self._claim_spans.append((p.start, p.end, claim))
        self._claim_spans.sort(key=lambda t: (t[0], t[1]))
        cursor = view.cursor if keep_cursor and not changed_source else (offset or 0)
        if keep_cursor and not changed_source:
            anchor = view.selection_anchor
            view.text = text
            view.set_marks(marks)
            view._wrap_width = 0
            view._rewrap()
            view.selection_anchor = anchor
            view.set_cursor(min(cursor, len(text)), select=anchor is not None)
        else:
            view.set_text(text, marks, cursor)
        counts = self.coverage.counts()
        total = max(1, counts["sentences"])
        cov = Text()
        cov.append(f"{len(ruleset.claims)} claims · ", style="bold")
        cov.append(f"{counts['sentences']} sentences: ")
        cov.append(f"{counts['claimed']} claimed", style="green")
        cov.append(", ")
        cov.append(f"{counts['excluded']} excluded", style="dim")
        cov.append(", ")
        cov.append(f"{counts['unreviewed']} unreviewed", style="yellow" if counts["unreviewed"] else "green")
        cov.append(f" ({100 * (counts['claimed'] + counts['excluded']) // total}% covered)")
        from engine.verification import age_summary

        if ruleset.retrieved or any(c.verified for c in ruleset.claims):  # how old the text and its checks are (W406)
            cov.append(f" · {age_summary(ruleset)}", style="dim")
        self.query_one("#sources-coverage", Static).update(cov)
        self._show_claims_at(view.cursor)

    # ------------------------------------------------------------ cursor → claims

    def claims_at(self, offset: int) -> list[Any]:
        return [c for s, e, c in self._claim_spans if s <= offset < e or (s == e == offset)]

    def on_source_view_cursor_moved(self, event: SourceView.CursorMoved) -> None:
        self._show_claims_at(event.offset)

    def on_source_view_selection_changed(self, event: SourceView.SelectionChanged) -> None:
        self._show_claims_at(self.query_one(SourceView).cursor)

    def _show_claims_at(self, offset: int) -> None:
        from engine.describe import describe
        from engine.evaluate import format_value

        panel = self.query_one("#sources-claims", Static)
        view = self.query_one(SourceView)
        t = Text()
        sel = view.selection
        if sel is not None:
            t.append(f"Selected {sel[1] - sel[0]} characters ({sel[0]}–{sel[1]}).\n", style="bold")
            t.append("Press n to start a claim with this quote, x to exclude it.\n\n", style="italic")
        found = self.claims_at(offset)
        ws = self.workbench.workspace
        conflicts_by_claim: dict[str, list[str]] = {}
        if ws is not None:
            for c in ws.conflicts:
                for claim in c["claims"]:
                    conflicts_by_claim.setdefault(claim["id"], []).append(c["id"])
        if not found:
            if self.coverage is not None:
                sentence = self._sentence_at(offset)
                if sentence is not None:
                    i, s = sentence
                    status = self.coverage.status[i]
                    t.append(
                        f"Sentence {i + 1} of {len(self.coverage.sentences)}: {status}.\n",
                        style="yellow" if status == "unreviewed" else "dim",
                    )
                    if status == "unreviewed":
                        t.append("s selects it, n starts a claim from it, x excludes it.\n", style="italic")
            t.append("No claim here. ] jumps to the next claim, u to the next unreviewed sentence.", style="dim")
        for claim in found:
            t.append(claim.id + "\n", style="bold")
            t.append("  status   ", style="dim")
            t.append(claim.status + "\n", style=STATUS_STYLE.get(claim.status, ""))
            t.append("  question ", style="dim")
            t.append(claim.question + "\n")
            t.append("  answer   ", style="dim")
            t.append(format_value(claim.value) + "\n", style="bold")
            t.append("  when     ", style="dim")
            t.append(describe(claim.when) + "\n")
            if claim.note:
                t.append("  note     ", style="dim")
                t.append(claim.note + "\n", style="italic")
            for conflict in conflicts_by_claim.get(claim.id, []):
                t.append("  conflict ", style="dim")
                t.append(conflict + "\n", style=CONFLICT_STYLE)
            t.append("\n")
        if found:
            t.append("e edits, r moves it through review.", style="dim italic")
        panel.update(t)

    def _sentence_at(self, offset: int) -> tuple[int, Any] | None:
        if self.coverage is None:
            return None
        for i, s in enumerate(self.coverage.sentences):
            if s.start <= offset < s.end or (
                offset == s.end
                and (i + 1 == len(self.coverage.sentences) or self.coverage.sentences[i + 1].start > offset)
            ):
                return i, s
            if s.start > offset:
                return None
        return None

    # ------------------------------------------------------------ actions

    def action_select_sentence(self) -> None:
        view = self.query_one(SourceView)
        found = self._sentence_at(view.cursor)
        if found is None:
            self.notify("The cursor is not on a sentence.", severity="warning")
            return
        _, s = found
        view.select(s.start, s.end)

    def action_next_claim(self, direction: int) -> None:
        view = self.query_one(SourceView)
        starts = sorted({s for s, _e, _c in self._claim_spans})
        if not starts:
            self.notify("This source has no claims yet.")
            return
        if direction > 0:
            target = next((s for s in starts if s > view.cursor), starts[0])
        else:
            target = next((s for s in reversed(starts) if s < view.cursor), starts[-1])
        view.set_cursor(target, center=True)

    def action_next_unreviewed(self) -> None:
        if self.coverage is None:
            return
        view = self.query_one(SourceView)
        todo = [s for s, st in zip(self.coverage.sentences, self.coverage.status) if st == "unreviewed"]
        if not todo:
            self.notify("Every sentence is claimed or excluded.")
            return
        target = next((s for s in todo if s.start > view.cursor), todo[0])
        view.set_cursor(target.start, center=True)

    def _span_for_action(self, entry: RulesetEntry | None) -> tuple[int, int] | None:
        """The selection, or the sentence under the cursor (said so), or None (said why)."""
        view = self.query_one(SourceView)
        if entry is None or entry.ruleset is None or not self.text:
            self.notify("Open a valid ruleset's source first.", severity="warning")
            return None
        sel = view.selection
        if sel is None:
            found = self._sentence_at(view.cursor)
            if found is None:
                self.notify(
                    "Select the text first (shift+arrows or the mouse), or put the cursor on a sentence.",
                    severity="warning",
                )
                return None
            sel = (found[1].start, found[1].end)
            self.notify("No selection: using the sentence under the cursor.", timeout=3)
        return sel

    def action_exclude_span(self) -> None:
        """Record the selection (or the sentence) as excluded from coverage, with a reason from the contract."""
        from engine.exclusions import ExclusionError, reasons, trim_span
        from tui.screens.dialogs import InputDialog
        from tui.widgets.filter_button import FilterMenu

        entry = self.entry()
        sel = self._span_for_action(entry)
        if sel is None or entry is None or entry.ruleset is None:
            return
        try:
            span = trim_span(self.text, *sel)
        except ExclusionError:
            self.notify("The selection is only whitespace.", severity="warning")
            return
        if any(e.start <= span.start and span.end <= e.end for e in entry.ruleset.excluded):
            self.notify("That text is already excluded.", severity="warning")
            return
        short = " ".join(span.exact.split())
        short = short if len(short) <= 40 else short[:39] + "…"
        options = [(f"{r} — {REASON_HELP[r]}" if r in REASON_HELP else r, r) for r in reasons()]
        ruleset, text = entry.ruleset, self.text

        def chosen(reason: str | None) -> None:
            if reason is None:
                return

            def noted(note: str | None) -> None:
                if note is not None:  # escape at the note step cancels the whole exclusion
                    self._save_exclusion(entry, ruleset, text, span.start, span.end, reason, note)

            self.app.push_screen(
                InputDialog(
                    f"Exclude “{short}” ({reason}). Note (optional):",
                    placeholder="why, for the reviewer; empty for none",
                    hint="enter saves (an empty note writes none) · escape cancels the exclusion",
                ),
                noted,
            )

        self.app.push_screen(FilterMenu(f"Exclude “{short}” from coverage: why?", options, "navigation"), chosen)

    def _save_exclusion(
        self, entry: RulesetEntry, ruleset: Any, text: str, start: int, end: int, reason: str, note: str = ""
    ) -> None:
        from engine.atomic import ChangedOnDisk
        from engine.exclusions import ExclusionError, save_exclusion

        if ruleset.document is None:
            return
        try:
            save_exclusion(entry.path, ruleset.document, text, start, end, reason, note)
        except ChangedOnDisk:
            self.notify(
                f"{entry.path.name} changed on disk since it was loaded; nothing was written. Reloading: select the text again.",
                title="Changed on disk",
                severity="warning",
                timeout=8,
            )
            self.workbench.reload_workspace()
            return
        except OSError as exc:
            self.notify(
                f"Could not save {entry.path.name}: {exc.strerror or exc}. Nothing was excluded.",
                title="Save failed",
                severity="error",
                timeout=10,
            )
            return
        except ExclusionError as exc:
            self.notify(f"Not excluded: {exc}", severity="error", timeout=8)
            return
        overlapping = [c.id for s, e, c in self._claim_spans if s < end and start < e]
        message = f"Excluded {end - start} characters ({reason}{', with a note' if note else ''}); coverage is being recounted."
        if overlapping:
            message += f" Sentences it shares with {', '.join(overlapping)} stay claimed."
        self.notify(message, timeout=5)
        self.query_one(SourceView).action_clear_selection()
        self.workbench.reload_workspace()

    def action_new_claim(self) -> None:
        entry = self.entry()
        view = self.query_one(SourceView)
        sel = self._span_for_action(entry)
        if sel is None or entry is None:
            return
        from engine.claimedit import new_claim_snippet, slugify, unique_id
        from engine.provenance import selector

        start, end = sel
        # Trim surrounding whitespace: quotes start and end on text.
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        if start >= end:
            self.notify("The selection is only whitespace.", severity="warning")
            return
        prov = selector(self.text, start, end)
        ws = self.workbench.workspace
        taken = {c.id for r in ws.rulesets for c in r.claims} if ws else set()
        claim_id = unique_id(entry.source_id, slugify(prov.exact), taken)
        snippet = new_claim_snippet(claim_id, prov)
        from tui.screens.claim_editor import ClaimEditorScreen

        view.action_clear_selection()
        self.app.push_screen(ClaimEditorScreen(entry.path, None, snippet, claim_id))

    def _claim_under_cursor(self) -> Any:
        found = self.claims_at(self.query_one(SourceView).cursor)
        if not found:
            self.notify("Move the cursor onto a highlighted quote (] jumps to the next claim).", severity="warning")
            return None
        return found[0]

    def action_edit_claim(self) -> None:
        claim = self._claim_under_cursor()
        entry = self.entry()
        if claim is None or entry is None:
            return
        from tui.screens.claim_editor import ClaimEditorScreen

        self.app.push_screen(ClaimEditorScreen(entry.path, claim.index, None, claim.id))

    def action_review_claim(self) -> None:
        claim = self._claim_under_cursor()
        if claim is None:
            return
        from tui.screens.review import review_claim

        review_claim(self.workbench, claim.id)

    def action_suggestions(self) -> None:
        """Open the suggestions pane on this source (engine.suggest; dismissed ones left out)."""
        from engine.contract import vocabulary
        from engine.dismissed import DismissedError, dismissed_path, keys, read_dismissed
        from engine.suggest import suggest_text
        from tui.screens.suggestions import SuggestionsScreen

        entry = self.entry()
        if entry is None or entry.ruleset is None or not self.text:
            self.notify("Choose a valid source with a text first.", severity="warning")
            return
        ruleset = entry.ruleset
        if ruleset.document is None:
            self.notify("The ruleset's text is not loaded; reload (ctrl+r) and try again.", severity="warning")
            return
        try:
            gone = keys(read_dismissed(dismissed_path(entry.path.parent)), entry.source_id)
        except DismissedError as exc:
            self.notify(f"Cannot read the dismissed suggestions: {exc}", severity="error", timeout=10)
            return
        text, document = self.text, ruleset.document.text
        claimed = [(c.provenance.start, c.provenance.end) for c in ruleset.claims if c.provenance.is_quote]
        excluded = [(e.start, e.end) for e in ruleset.excluded]

        def find() -> None:  # off the UI thread: a long text takes seconds, and typing must not wait for it
            try:
                found = suggest_text(text, vocabulary(), entry.source_id, claimed, excluded, dismissed=gone)
            except Exception as exc:  # noqa: BLE001 (shown, never fatal: the workbench must not die on a text)
                self.app.call_from_thread(
                    self.notify, f"No suggestions: {type(exc).__name__}: {str(exc)[:120]}", severity="error"
                )
                return
            self.app.call_from_thread(
                self.app.push_screen, SuggestionsScreen(entry.path, entry.source_id, document, found)
            )

        self.notify("Reading the unclaimed sentences for claims to suggest…", timeout=2)
        self.run_worker(find, thread=True, exclusive=True, group="suggestions", exit_on_error=False)

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Suggested claims",
            "Draft claims proposed from the unclaimed sentences: accept, edit or dismiss each (g)",
            self.action_suggestions,
        )
        yield SystemCommand(
            "New claim from selection", "Start a draft claim with the selected quote (n)", self.action_new_claim
        )
        yield SystemCommand("Edit claim under cursor", "Open the claim editor (e)", self.action_edit_claim)
        yield SystemCommand(
            "Review claim under cursor",
            "Move the claim through draft → submitted → under review → approved/rejected (r)",
            self.action_review_claim,
        )
        yield SystemCommand(
            "Select sentence under cursor", "Select the whole sentence (s)", self.action_select_sentence
        )
        yield SystemCommand("Next claim", "Jump to the next highlighted quote (])", lambda: self.action_next_claim(1))
        yield SystemCommand(
            "Previous claim", "Jump to the previous highlighted quote ([)", lambda: self.action_next_claim(-1)
        )
        yield SystemCommand(
            "Next unreviewed sentence",
            "Jump to the next sentence neither claimed nor excluded (u)",
            self.action_next_unreviewed,
        )
        yield SystemCommand(
            "Exclude this span from coverage",
            "Record the selection (or the sentence) in `excluded`, with a reason and an optional note (x)",
            self.action_exclude_span,
        )


def _citations_text(ruleset: Any) -> str:
    """What a reference that bundles no text shows: its role, and each claim with where it stands in the label."""
    from engine.evaluate import value_text

    lines = [
        f"{ruleset.title}",
        "",
        f"A reference source ({ruleset.jurisdiction}, {ruleset.version}): an official label that the other sources",
        "are judged against (accord conflicts reports where they deviate from it). Its full text is not bundled,",
        "so each claim cites the label's section instead of quoting it.",
        "",
    ]
    for claim in ruleset.claims:
        lines.append(f"{claim.provenance.exact}")
        lines.append(f"    {claim.id}: {claim.question} = {value_text(claim.value, claim.qualifiers or None)}")
    return "\n".join(lines)
