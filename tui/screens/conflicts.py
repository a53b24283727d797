"""Conflicts screen: every conflict of the analysis, filterable, with the quotes side by side.

Reads conflicts/report.json (written by `accord conflicts`) and
conflicts/reviews.yaml; a disposition is recorded with engine.review.
Whenever the screen opens or the rulesets change, engine.reportcache.cached_report
runs in a worker; when its result differs from the files, the screen says
the report is stale and `g` rewrites it (what `accord conflicts` does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from tui.base import WorkbenchScreen
from tui.widgets.filter_button import FilterButton
from tui.workspace import Workspace

if TYPE_CHECKING:
    from engine.reportdata import ConflictData, Report, Reviews

NO_REVIEW = "unreviewed"


def review_state(c: ConflictData, reviews: Reviews) -> str:
    """The conflict's disposition in reviews.yaml (the live file, not the report's copy), or 'unreviewed'."""
    from engine.fingerprint import review_again
    from engine.migrate import disposition_of
    from engine.reportdata import disposition_text

    record = disposition_of(c, reviews.get("conflicts", {}))
    if not isinstance(record, dict) or "disposition" not in record:
        return NO_REVIEW
    text = disposition_text(record["disposition"])
    return f"{text} (review again)" if review_again(record, c) is not None else text


SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}
FILTERS = ("drug", "severity", "kind", "question", "source", "review")  # drug: shown for findings of several drugs
ALL = "__all__"
FIRST_ROWS = 60  # rows added before the first paint when the table's height is not known yet
REGIONS_SHOWN = 3  # regions of a finding in the detail pane; report.md and report.json have every one
COLUMNS = (
    ("Conflict", "id"),
    ("Severity", "severity"),
    ("Kind", "kind"),
    ("Question", "question"),
    ("Sources", "sources"),
    ("Review", "review"),
)
SHRINKABLE = {"question": 10, "sources": 14, "review": 12}  # column -> narrowest width; the others are never cut


def fit_widths(natural: dict[str, int], available: int, padding: int = 2) -> dict[str, int]:
    """Column widths that fit `available` cells: the widest shrinkable column gives way first, ids never do."""
    widths = dict(natural)
    excess = sum(widths.values()) + padding * len(widths) - available
    while excess > 0:
        key = max(
            (k for k in SHRINKABLE if k in widths and widths[k] > SHRINKABLE[k]), key=lambda k: widths[k], default=None
        )
        if key is None:
            break  # nothing left to cut: the table scrolls sideways, the id column stays (fixed)
        widths[key] -= 1
        excess -= 1
    return widths


class ConflictsScreen(WorkbenchScreen):
    """Conflicts with filters, a side-by-side detail and dispositions."""

    _ready = False  # set on mount: the widgets a workspace fills exist
    _fitted_for: int | None = None  # the width the columns were last fitted to

    TITLE = "Conflicts"
    BINDINGS = [
        Binding("d", "dispose", "Set disposition", id="conflicts-dispose"),
        Binding("c", "review_claim", "Review a claim", id="conflicts-review-claim"),
        Binding("o", "open_quote", "Open quote in source", id="conflicts-open-quote"),
        Binding("slash", "focus_filters", "Filters", id="conflicts-filters"),
        Binding("a", "clear_filters", "All", id="conflicts-clear-filters"),
        Binding("g", "rewrite_report", "Rewrite report", id="conflicts-rewrite"),
        Binding("f", "fill_gap", "Fill gap", id="conflicts-fill-gap"),  # shown on gap findings (check_action)
        Binding("t", "witness_to_test", "Witness to test", id="conflicts-witness-test"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters: dict[str, str] = {name: ALL for name in FILTERS}
        self.shown: list[ConflictData] = []
        self._cells: list[tuple[tuple[str, str], ...]] = []
        self._widths: dict[str, int] = {}
        self._generation = 0
        # What a fresh analysis says of the report on disk: None while unknown.
        self.stale: list[str] | None = None
        self._fresh: Report | None = None
        self._fresh_charts: dict[str, str] | None = None  # its band-chart SVGs (engine.reportcharts), with _fresh
        self._fresh_for: Workspace | None = None
        self._write_when_fresh = False  # g was pressed while the analysis was still running

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="conflicts-filters"):
            for name in FILTERS:
                # Options are counted when a filter is opened, not while the screen opens.
                button = FilterButton(
                    name,
                    partial(self.filter_options, name),
                    self.filters[name],
                    default=ALL,
                    id=f"filter-{name}",
                    classes="conflict-filter",
                )
                button.display = name != "drug"  # until the report shows findings of several drugs
                yield button
        yield Static("", id="conflicts-summary", markup=False)
        with Vertical(id="conflicts-body"):
            # The id first and fixed: always readable whole, also when long source names scroll the rest sideways.
            yield DataTable(id="conflicts-table", cursor_type="row", zebra_stripes=True, fixed_columns=1)
            with VerticalScroll(id="conflicts-detail-scroll"):
                yield Static("", id="conflicts-detail", markup=False)
                yield Static("", id="conflicts-bands", markup=False)  # band charts (_show_bands)
                yield Horizontal(id="conflicts-sides")
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        table = self.query_one(DataTable)
        ws = self.workbench.workspace
        if ws is not None:
            self.workspace_changed(ws)
        table.focus()

    # ------------------------------------------------------------ data

    def _values(self, ws: Workspace) -> dict[str, list[str]]:
        vals: dict[str, set[str]] = {name: set() for name in FILTERS}
        for c in ws.conflicts:
            vals["drug"].add(ws.finding_drug(c) or "(none)")
            vals["severity"].add(c["severity"])
            vals["kind"].add(c["kind"])
            vals["question"].add(c["question"])
            vals["source"].update(c["sources"])
            state = review_state(c, ws.reviews)
            vals["review"].add("unreviewed" if state == NO_REVIEW else "reviewed")
            vals["review"].add(state.split(":")[0])
        order = {"high": 0, "medium": 1, "low": 2}
        return {k: sorted(v, key=lambda x: (order.get(x, 9), x)) for k, v in vals.items()}

    def filter_options(self, name: str) -> list[tuple[str, str]]:
        """A filter's menu, built when it is opened: `all` and every value present in the report."""
        ws: Workspace | None = self.workbench.workspace
        values = self._values(ws)[name] if ws is not None else []
        return [(f"{name}: all", ALL)] + [(f"{name}: {v}", v) for v in values]

    def workspace_changed(self, ws: Workspace | None) -> None:
        if ws is None or not self._ready:
            return
        # a project of one drug: a drug filter would only say it again
        self.query_one("#filter-drug", FilterButton).display = len({ws.finding_drug(c) for c in ws.conflicts}) > 1
        if any(v != ALL for v in self.filters.values()):
            # A chosen value that is no longer in the report would hide every row: back to all.
            values = self._values(ws)
            for name in FILTERS:
                if self.filters[name] != ALL and self.filters[name] not in values[name]:
                    self.filters[name] = ALL
                    self.query_one(f"#filter-{name}", FilterButton).value = ALL
        self.refill()
        if self._fresh_for is not ws:  # rulesets or reviews reloaded: is the report still what they say?
            self._fresh_for, self.stale, self._fresh = ws, None, None
            self._check_freshness(ws)

    # ------------------------------------------------------------ freshness

    @work(thread=True, exclusive=True, exit_on_error=False, group="conflicts-freshness")
    def _check_freshness(self, ws: Workspace) -> None:
        """Analyse the rulesets as `accord conflicts` would, off the UI thread, and compare with the files."""
        if any(e.errors for e in ws.entries):
            return  # the analysis would leave the broken rulesets out: no verdict until they are fixed
        from engine.report import stale_files
        from engine.reportcache import ProjectUnusable, cached_report
        from tui.workspace import conflicts_folder

        try:  # the report `accord conflicts` writes: project settings, and the cache when nothing changed
            report, analysed = cached_report(ws.folder, conflicts_folder(ws.folder), ws.rulesets, ws.reviews)
        except ProjectUnusable:
            return  # accord.yaml is broken: `accord validate` and `accord conflicts` say where
        stale = stale_files(conflicts_folder(ws.folder), report, analysed.charts)
        self.app.call_from_thread(self._freshness_known, ws, report, analysed.charts, stale)

    def _freshness_known(self, ws: Workspace, report: Report, charts: dict[str, str], stale: list[str]) -> None:
        if ws is not self._fresh_for:
            return  # a newer workspace is being checked
        self.stale, self._fresh, self._fresh_charts = stale, report, charts
        if self._write_when_fresh:
            self._write_when_fresh = False
            self.action_rewrite_report()
            return
        self._show_summary(ws)

    def _follow_dispositions(self, ws: Workspace) -> None:
        """After a disposition: the analysed report takes the new dispositions, and staleness is judged again."""
        if self._fresh is None or ws is not self._fresh_for:
            return
        from engine.report import refresh_dispositions, stale_files
        from tui.workspace import conflicts_folder

        self._fresh = refresh_dispositions(self._fresh, ws.reviews)
        self.stale = stale_files(conflicts_folder(ws.folder), self._fresh, self._fresh_charts)

    def action_rewrite_report(self) -> None:
        ws: Workspace | None = self.workbench.workspace
        if ws is None:
            return
        if any(e.errors for e in ws.entries):
            self.notify("Fix the rulesets' errors first: the analysis needs every ruleset valid.", severity="warning")
            return
        if self._fresh is None or ws is not self._fresh_for:
            self._write_when_fresh = True
            self.notify("Analysing the rulesets; the report is written as soon as that is done.", timeout=3)
            return
        from engine.review import ReviewsUnusable, write_report_with_reviews
        from tui.workspace import conflicts_folder, load_conflicts

        folder = conflicts_folder(ws.folder)
        # What `accord conflicts` writes, by the same engine call: the analysis, with the dispositions reviews.yaml
        # holds now, re-read under its lock (one recorded since the analysis ran, here or by `accord review`, is kept).
        try:
            changed, self._fresh = write_report_with_reviews(folder, self._fresh, charts=self._fresh_charts)
        except ReviewsUnusable as exc:
            self.notify(
                f"Report not written: {exc.diagnostics[0].format()}",
                title="reviews.yaml unusable",
                severity="error",
                timeout=10,
            )
            return
        except OSError as exc:
            self.notify(f"Report not written: {exc.strerror or exc}", title="Save failed", severity="error", timeout=10)
            return
        summary = self._fresh["summary"]
        self.notify(f"{', '.join(changed) or 'Nothing'} rewritten: {summary['conflicts']} conflicts.", timeout=4)
        load_conflicts(ws)
        self.stale = []
        self.workspace_changed(ws)

    def _matches(self, c: ConflictData, reviews: Reviews) -> bool:
        f = self.filters
        ws = self.workbench.workspace
        if f["drug"] != ALL and ((ws.finding_drug(c) if ws else "") or "(none)") != f["drug"]:
            return False
        if f["severity"] != ALL and c["severity"] != f["severity"]:
            return False
        if f["kind"] != ALL and c["kind"] != f["kind"]:
            return False
        if f["question"] != ALL and c["question"] != f["question"]:
            return False
        if f["source"] != ALL and f["source"] not in c["sources"]:
            return False
        if f["review"] != ALL:
            state = review_state(c, reviews)
            bucket = "unreviewed" if state == NO_REVIEW else "reviewed"
            if f["review"] not in (bucket, state.split(":")[0]):
                return False
        return True

    def refill(self) -> None:
        ws: Workspace | None = self.workbench.workspace
        table = self.query_one(DataTable)
        keep = table.cursor_row
        if ws is None:
            table.clear()
            return
        self.shown = [c for c in ws.conflicts if self._matches(c, ws.reviews)]
        self._cells = [self._cell_texts(c, ws) for c in self.shown]
        self._set_columns(table)
        # The first screenful now, the rest right after the first paint: a big report opens at once.
        self._generation += 1
        first = (
            table.scrollable_content_region.height + 5 if table.size.height else min(FIRST_ROWS, self.app.size.height)
        )
        first = max(first, keep + 1 if keep > 0 else 0)
        table.add_rows([self._row(cells) for cells in self._cells[:first]])
        if len(self.shown) > first:
            generation = self._generation
            self.call_after_refresh(self._add_rest, generation, first)
        if self.shown:
            table.move_cursor(row=min(max(keep, 0), len(self.shown) - 1))
        self._show_summary(ws)
        self._show_detail()

    def _show_summary(self, ws: Workspace) -> None:
        unreviewed = sum(review_state(c, ws.reviews) == NO_REVIEW for c in ws.conflicts)
        summary = Text()
        if ws.conflicts_problem:
            summary.append(ws.conflicts_problem, style="bold red")
        elif ws.conflicts_path is not None and not ws.conflicts_path.exists():
            summary.append(
                f"No conflict report at {ws.conflicts_path}: g analyses the rulesets and writes it.", style="yellow"
            )
        else:
            summary.append(f"{len(self.shown)} of {len(ws.conflicts)} conflicts shown · ")
            summary.append(f"{unreviewed} without a disposition", style="bold yellow" if unreviewed else "green")
            summary.append("  (/ filters, a shows all)", style="dim")
            if ws.not_analysed:  # the report is incomplete: say where, before anyone trusts the count
                where = ", ".join(f"{n['source']} on {n['question']}" for n in ws.not_analysed)
                summary.append(
                    f"\nNot analysed (grid over the cell budget, conflicts there unknown): {where}", style="bold red"
                )
        if self.stale and self._fresh is not None and ws.conflicts_path is not None and ws.conflicts_path.exists():
            now = self._fresh["summary"]["conflicts"]
            summary.append(
                f"\nThe rulesets changed since this report was written ({now} conflicts now): g rewrites it.",
                style="bold yellow",
            )
        self.query_one("#conflicts-summary", Static).update(summary)

    def _set_columns(self, table: DataTable[Any]) -> None:
        """Widths that fit the screen (long questions, sources and reviews end in …; the full text is in the detail)."""
        from rich.cells import cell_len

        natural = {key: cell_len(label) for label, key in COLUMNS}
        for cells in self._cells:
            for (_label, key), (text, _style) in zip(COLUMNS, cells):
                width = cell_len(text)
                if width > natural[key]:
                    natural[key] = width
        # The table spans the screen; its own size is not known before the first layout.
        self._fitted_for = width = self.size.width or self.app.size.width
        widths = fit_widths(natural, width - 2)  # 2: the vertical scrollbar
        if widths == self._widths and len(table.columns) == len(COLUMNS):
            table.clear()
            return
        self._widths = widths
        table.clear(columns=True)
        for label, key in COLUMNS:
            table.add_column(label, key=key, width=widths[key])

    def on_resize(self, _event: Any) -> None:
        if self._ready and self.shown and self.size.width != self._fitted_for:
            self.refill()

    @staticmethod
    def _cell_texts(c: ConflictData, ws: Workspace) -> tuple[tuple[str, str], ...]:
        state = review_state(c, ws.reviews)
        sev = c["severity"]
        return (
            (c["id"], "bold"),
            (sev, SEVERITY_STYLE.get(sev, "")),
            (c["kind"], ""),
            (c["question"], ""),
            (_sources_text(c, ws), ""),
            (state, "bold yellow" if state == NO_REVIEW else "green"),
        )

    @staticmethod
    def _row(cells: tuple[tuple[str, str], ...]) -> tuple[Text, ...]:
        return tuple(Text(text, style=style, no_wrap=True, overflow="ellipsis") for text, style in cells)

    def _add_rest(self, generation: int, first: int) -> None:
        ws: Workspace | None = self.workbench.workspace
        if generation != self._generation or ws is None or not self.is_mounted:
            return  # a newer refill replaced these rows
        self.query_one(DataTable).add_rows([self._row(cells) for cells in self._cells[first:]])

    def on_filter_button_changed(self, event: FilterButton.Changed) -> None:
        name = (event.button.id or "").removeprefix("filter-")
        if name in self.filters and event.value != self.filters[name]:
            self.filters[name] = event.value
            self.refill()

    def current(self) -> ConflictData | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row < 0:
            return None
        return self.shown[min(table.cursor_row, len(self.shown) - 1)]

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self.refresh_bindings()  # f (fill gap) shows on gap findings only

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_dispose()

    def _show_detail(self) -> None:
        from engine.evaluate import format_value

        ws: Workspace | None = self.workbench.workspace
        detail = self.query_one("#conflicts-detail", Static)
        sides = self.query_one("#conflicts-sides", Horizontal)
        c = self.current()
        self._show_bands(c, ws)
        if c is None or ws is None:
            sides.remove_children()
            detail.update(Text("No conflict selected.", style="dim"))
            return
        t = Text()
        t.append(c["id"], style="bold")
        t.append(f"  {c['description']}\n", style="italic")
        regions = c.get("regions") or [
            {
                "id": c["id"],
                "region": c["region"],
                "witness": c["witness"],
                "answers": c["answers"],
                "description": c["description"],
            }
        ]
        for n, entry in enumerate(regions[:REGIONS_SHOWN], 1):  # each region with its witness, largest first
            region = entry["region"]
            label = "where    " if len(regions) == 1 else f"where {n:<3}"
            t.append(label, style="dim")
            t.append(region.get("words") or region["text"] or "every patient")
            if not region["box"]:
                t.append("  (within these bounds, not all of it)", style="dim")
            t.append("\n")
            t.append("witness  ", style="dim")
            t.append((", ".join(f"{k}={v}" for k, v in entry["witness"]["facts"].items()) or "any patient") + "\n")
        if len(regions) > REGIONS_SHOWN:
            t.append(f"… and {len(regions) - REGIONS_SHOWN} more regions (report.md lists them)\n", style="dim")
        state = review_state(c, ws.reviews)
        t.append("review   ", style="dim")
        t.append(state, style="bold yellow" if state == NO_REVIEW else "green")
        from engine.migrate import disposition_of

        record = disposition_of(c, ws.reviews.get("conflicts", {}))
        if isinstance(record, dict):
            t.append(f" by {record.get('reviewer')} on {record.get('date')}", style="dim")
            if record.get("note"):
                t.append(f" — {record['note']}", style="italic")
        t.append("   (d sets it)\n", style="dim")
        if isinstance(record, dict) and record.get("history"):
            from tui.screens.disposition import history_text

            t.append_text(history_text(record, indent="  ", current=False))  # latest first
        detail.update(t)
        panels = []
        quoted = {claim["id"]: claim for claim in c["claims"]}
        for answer in c["answers"]:
            p = Text()
            p.append(answer["source"] + "\n", style="bold cyan")
            p.append("answers  ", style="dim")
            p.append(answer["status"] + "\n", style="bold")
            if answer["missing"]:
                p.append(f"missing  {', '.join(answer['missing'])}\n", style="yellow")
            for item in answer["values"]:
                p.append(f"→ {format_value(item['value'])}\n", style="bold")
                for claim_id in item.get("claims", []):
                    live = ws.claim(claim_id)
                    reported = quoted.get(claim_id)
                    p.append(f"  {claim_id}", style="bold")
                    status = live.status if live is not None else reported["status"] if reported else None
                    quote = reported["quote"] if reported else live.provenance.exact if live is not None else None
                    if quote is None:
                        p.append(" (not found in the rulesets)\n", style="red")
                        continue
                    p.append(f" [{status}]\n", style="dim")
                    cited = (reported is not None and "citation" in reported) or (
                        live is not None and live.provenance.citation is not None
                    )
                    if cited:  # a reference's claim: where the fact stands in the label, not a quote
                        p.append(f"  cited: {quote}\n", style="cyan")
                    else:
                        p.append(f"  “{quote}”\n", style="green")
            panels.append(p)
        # Reuse the panels already mounted (moving the cursor should not rebuild widgets).
        mounted = list(sides.query(".conflict-side").results(Static))
        for widget, panel in zip(mounted, panels):
            widget.update(panel)
        if len(mounted) > len(panels):
            for widget in mounted[len(panels) :]:
                widget.remove()
        elif len(panels) > len(mounted):
            sides.mount_all([Static(panel, classes="conflict-side", markup=False) for panel in panels[len(mounted) :]])

    # ------------------------------------------------------------ band charts (issue 16 item 5)

    _band_cache: tuple[Workspace, Any, dict[str, list[Any]]] | None = None  # (workspace, BandCache, charts by id)

    def _show_bands(self, c: ConflictData | None, ws: Workspace | None) -> None:
        """Under the finding's text, a band strip per numeric fact its region bounds (engine.bands), from the
        loaded rulesets; hidden for a finding with no numeric constraint."""
        from engine.bands import BandCache, chart_facts, chart_for_finding

        widget = self.query_one("#conflicts-bands", Static)
        if c is None or ws is None or not chart_facts(c):
            widget.display = False
            return
        from rich.console import Group

        from tui.widgets.band_strip import BandStrip

        if self._band_cache is None or self._band_cache[0] is not ws:
            self._band_cache = (ws, BandCache(), {})
        _ws, cache, charts = self._band_cache
        if c["id"] not in charts:
            try:
                charts[c["id"]] = chart_for_finding(c, ws.rulesets, cache=cache)
            except Exception as exc:  # noqa: BLE001 (a picture that cannot be drawn must not take the screen down)
                widget.update(Text(f"band chart not drawn: {type(exc).__name__}: {exc}", style="dim red"))
                widget.display = True
                return
        parts: list[Any] = []
        for chart in charts[c["id"]]:
            parts += [Text(""), BandStrip(chart)]  # a blank line above each chart
        widget.display = bool(parts)
        widget.update(Group(*parts[1:]))

    # ------------------------------------------------------------ actions

    def action_focus_filters(self) -> None:
        self.query_one("#filter-severity", FilterButton).focus()

    def action_clear_filters(self) -> None:
        self.filters = {name: ALL for name in FILTERS}
        for name in FILTERS:
            self.query_one(f"#filter-{name}", FilterButton).value = ALL
        self.refill()

    def action_dispose(self) -> None:
        c = self.current()
        ws: Workspace | None = self.workbench.workspace
        if c is None or ws is None:
            self.notify("No conflict selected.", severity="warning")
            return
        from tui.screens.disposition import DispositionScreen
        from tui.workspace import conflicts_folder

        path = conflicts_folder(ws.folder) / "reviews.yaml"

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            from engine.review import save_disposition

            disposition, note = result
            kind, _, source = disposition.partition(":")

            def record(reviewer: str) -> None:
                try:  # locked read-modify-write of reviews.yaml and the report beside it (engine.review)
                    recorded = save_disposition(
                        path,
                        c["id"],
                        kind.strip(),
                        reviewer,
                        note,
                        source=source.strip() or None,
                        conflict_sources=c["sources"],
                    )
                except (OSError, ValueError) as exc:
                    self.notify(f"Disposition not saved: {exc}", title="Save failed", severity="error", timeout=10)
                    return
                if recorded.changed:
                    self.notify(f"{c['id']}: {disposition}.", timeout=3)
                else:
                    self.notify(
                        f"{c['id']}: {disposition} by {reviewer} was already recorded; nothing changed.", timeout=5
                    )
                from tui.workspace import load_conflicts

                load_conflicts(ws)
                self._follow_dispositions(ws)

            self.workbench.with_reviewer(record)
            self.workspace_changed(ws)

        from engine.migrate import disposition_of

        now = disposition_of(c, ws.reviews.get("conflicts", {}))
        self.app.push_screen(DispositionScreen(c["id"], c["sources"], now if isinstance(now, dict) else None), done)

    def _pick_claim(self, then: Callable[[str], None]) -> None:
        c = self.current()
        if c is None:
            return
        ids = [claim["id"] for claim in c["claims"]]
        if len(ids) == 1:
            then(ids[0])
            return
        from tui.screens.dialogs import ChoiceDialog

        self.app.push_screen(
            ChoiceDialog("Which claim?", [(i, i) for i in ids] + [("cancel", "Cancel")]),
            lambda chosen: then(chosen) if chosen and chosen != "cancel" else None,
        )

    def action_review_claim(self) -> None:
        from tui.screens.review import review_claim

        self._pick_claim(lambda claim_id: review_claim(self.workbench, claim_id))

    def action_open_quote(self) -> None:
        def go(claim_id: str) -> None:
            ws = self.workbench.workspace
            claim = ws.claim(claim_id) if ws else None
            if claim is None:
                self.notify(f"{claim_id} is not in the rulesets.", severity="warning")
                return
            self.workbench.open_source(claim.source, claim.provenance.start)

        self._pick_claim(go)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "fill_gap":
            c = self.current() if self._ready else None
            return c is not None and c.get("kind") == "gap"
        return super().check_action(action, parameters)

    def action_fill_gap(self) -> None:
        """A draft claim closing the highlighted gap, in the claim editor (tui.screens.gap_draft, engine.gapfill)."""
        from tui.screens.gap_draft import open_gap_draft

        c = self.current()
        if c is None:
            self.notify("No conflict selected.", severity="warning")
            return
        open_gap_draft(self, dict(c))

    def action_witness_to_test(self) -> None:
        """Save the highlighted finding's first witness as a test patient with each source's current answers
        expected (engine.witnesspatient, what `accord review witness ID` does), so `accord test` guards it."""
        from engine.witnesspatient import WitnessError, save_witness_patient, witness_patient

        ws: Workspace | None = self.workbench.workspace
        c = self.current()
        if ws is None or c is None:
            self.notify("No conflict selected.", severity="warning")
            return
        try:
            path = save_witness_patient(ws.folder, witness_patient(c, ws.rulesets))
        except WitnessError as exc:
            self.notify(str(exc), title="Witness not saved", severity="warning", timeout=8)
            return
        except OSError as exc:
            self.notify(f"{exc.strerror or exc}", title="Witness not saved", severity="error", timeout=8)
            return
        self.notify(f"Saved {path.name}: `accord test` now fails if a source's answer there changes.", timeout=6)
        self.workbench.reload_workspace()  # the patients screen lists the new patient

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Set disposition of the highlighted conflict",
            "source correct / all wrong / not a conflict / needs expert, with a note (d)",
            self.action_dispose,
        )
        yield SystemCommand(
            "Review a claim of the highlighted conflict",
            "Move it through its review states (c)",
            self.action_review_claim,
        )
        yield SystemCommand(
            "Open a quote of the highlighted conflict", "Show it in its source text (o)", self.action_open_quote
        )
        yield SystemCommand(
            "Filter conflicts", "Drug, severity, kind, question, source, review (/)", self.action_focus_filters
        )
        yield SystemCommand("Show all conflicts", "Clear the filters (a)", self.action_clear_filters)
        yield SystemCommand(
            "Save the witness as a test patient",
            "Each source's current answer expected, so `accord test` guards the decision (t)",
            self.action_witness_to_test,
        )
        yield SystemCommand(
            "Rewrite the conflict report",
            "Analyse the rulesets again and write conflicts/report.* (g)",
            self.action_rewrite_report,
        )


def _sources_text(c: ConflictData, ws: Workspace) -> str:
    """'dr-oracle vs olumiant-us-pi (label US)': a reference source says so wherever a source is shown."""

    def named(source: str) -> str:
        entry = ws.entry(source)
        return (
            f"{source} (label {entry.jurisdiction})".replace(" )", ")")
            if entry and entry.role == "reference"
            else source
        )

    if c["kind"] == "within_source":
        return named(c["sources"][0]) + " (itself)"
    return " vs ".join(named(s) for s in c["sources"])
