"""conflicts/report.html: the conflict report for reviewers who read in a browser.

One self-contained file rendered from the report.json data alone (like
report.md): no network, no external asset, inline CSS and one small inline
script whose sha256 the Content-Security-Policy names (default-src 'none', so
nothing is fetched). Every string of the report is untrusted: it is HTML-escaped,
with control, bidi and invisible separator characters shown as visible escapes;
the only markup not built here is the band-chart SVGs the engine generates,
passed in `charts` and checked before they go in. Byte-stable: the same report
gives the same bytes (report order kept, everything else sorted, no timestamps).

Filters (severity, kind, question, source, review state) live in the URL hash,
`#severity=high&kind=omission&source=jak-blog&state=needs_action` (values
comma-separated), so a link reproduces a filtered view; printing shows every
finding and hides the controls. Optional keys of a reworked report shape
(`regions`, `sides`, a disposition's `history`, `coverage`) are rendered when
present and never required.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from engine.evaluate import answer_text, format_value
from engine.fragmentmemo import Memo, no_memo
from engine.reportdata import SEVERITIES, disposition_text, severity_rank

REPORT_HTML = "report.html"

# C0 (but tab and newline), DEL and C1 controls; bidi embeddings, overrides and isolates; line and paragraph
# separators, zero-width space, BOM: shown as visible escapes, never raw (they would reorder or hide text).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def esc(text: object) -> str:
    """`text` safe in HTML text and in a quoted attribute: & < > " ' escaped, controls visible, no lone surrogate."""
    s = text if isinstance(text, str) else str(text)
    s = _UNSAFE.sub(_visible, _SURROGATE.sub("\ufffd", s))
    return html.escape(s, quote=True)


def _value(value: Any) -> str:
    """A fact's or answer's value in words: regimens as '2 mg once daily', strings bare, the rest as JSON."""
    try:
        text = format_value(value)
    except (TypeError, ValueError, KeyError):
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


# ---------------------------------------------------------------- the inline script and style

SCRIPT = """
(function () {
  "use strict";
  var KEYS = ["severity", "kind", "question", "source", "state"];
  var panel = document.getElementById("filters");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-finding]"));
  var boxes = Array.prototype.slice.call(panel.querySelectorAll("input[type=checkbox]"));
  panel.hidden = false;
  function parse() {
    var text = location.hash.replace(/^#/, "");
    if (text.indexOf("=") < 0) { return null; }
    var state = {};
    text.split("&").forEach(function (part) {
      var at = part.indexOf("=");
      if (at < 0) { return; }
      var key, values;
      try {
        key = decodeURIComponent(part.slice(0, at));
        values = part.slice(at + 1).split(",").map(function (v) { return decodeURIComponent(v); });
      } catch (e) { return; }
      if (KEYS.indexOf(key) < 0) { return; }
      values = values.filter(function (v) { return v !== ""; });
      if (values.length) { state[key] = values; }
    });
    return state;
  }
  function fromBoxes() {
    var state = {};
    boxes.forEach(function (box) {
      if (box.checked) { (state[box.name] = state[box.name] || []).push(box.value); }
    });
    return state;
  }
  function toBoxes(state) {
    boxes.forEach(function (box) {
      box.checked = (state[box.name] || []).indexOf(box.value) >= 0;
    });
  }
  function matches(el, state) {
    return KEYS.every(function (key) {
      var wanted = state[key];
      if (!wanted) { return true; }
      if (key === "source") {
        var sources = JSON.parse(el.getAttribute("data-sources"));
        return sources.some(function (s) { return wanted.indexOf(s) >= 0; });
      }
      return wanted.indexOf(el.getAttribute("data-" + key)) >= 0;
    });
  }
  function apply(state) {
    var shown = {}, total = {};
    items.forEach(function (el) {
      var ok = matches(el, state);
      el.hidden = !ok;
      el.classList.toggle("filtered-out", !ok);
      if (el.tagName === "ARTICLE") {
        var group = el.getAttribute("data-group");
        total[group] = (total[group] || 0) + 1;
        shown[group] = (shown[group] || 0) + (ok ? 1 : 0);
      }
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-count-for]"), function (el) {
      var group = el.getAttribute("data-count-for");
      el.textContent = (shown[group] || 0) + " of " + (total[group] || 0) + " " + el.getAttribute("data-noun");
    });
  }
  function hashOf(state) {
    return KEYS.filter(function (k) { return state[k]; }).map(function (k) {
      return k + "=" + state[k].map(encodeURIComponent).join(",");
    }).join("&");
  }
  function update() {
    var state = fromBoxes();
    var text = hashOf(state);
    var url = location.pathname + location.search + (text ? "#" + text : "");
    try { history.replaceState(null, "", url); } catch (e) { location.hash = text; }
    apply(state);
  }
  function load() {
    var state = parse();
    if (state === null) { return; }
    toBoxes(state);
    apply(state);
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  document.getElementById("reset").addEventListener("click", function () { toBoxes({}); update(); });
  Array.prototype.forEach.call(document.querySelectorAll("a[data-jump]"), function (a) {
    a.addEventListener("click", function (event) {
      var target = document.getElementById(a.getAttribute("data-jump"));
      if (target) { event.preventDefault(); target.scrollIntoView(); }
    });
  });
  window.addEventListener("hashchange", load);
  apply({});
  load();
}());
"""

SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
CSP = (
    "default-src 'none'; "
    f"script-src '{SCRIPT_HASH}'; "
    "style-src 'unsafe-inline'; "
    "img-src data:; "
    "base-uri 'none'; "
    "form-action 'none'"
)

STYLE = """
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --soft: #f6f8fa;
  --high: #b42318; --medium: #9a6700; --low: #1a7f37; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.top { padding: 1rem 1.5rem 0.5rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.5rem; margin: 0 0 0.3rem; }
h2 { font-size: 1.25rem; margin: 1.6rem 0 0.6rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 0 0 0.4rem; }
h4 { font-size: 0.95rem; margin: 0.8rem 0 0.3rem; color: var(--muted); }
.layout { display: grid; grid-template-columns: 17rem minmax(0, 1fr); gap: 1.5rem; padding: 0 1.5rem 2rem; }
#filters { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; padding: 1rem 0; }
#filters fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 0.7rem; padding: 0.3rem 0.6rem 0.5rem; }
#filters legend { font-weight: 600; font-size: 0.85rem; padding: 0 0.3rem; }
#filters label { display: block; font-size: 0.85rem; overflow-wrap: anywhere; }
#filters fieldset.long { max-height: 14rem; overflow: auto; }
#filters button { font: inherit; padding: 0.2rem 0.8rem; }
.count { font-weight: 600; margin: 0.3rem 0 0.6rem; }
main { min-width: 0; }
table { border-collapse: collapse; margin: 0.3rem 0 0.8rem; font-size: 0.9rem; }
th, td { border: 1px solid var(--line); padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.index { width: 100%; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; overflow-wrap: anywhere; }
.sev { display: inline-block; padding: 0 0.45rem; border-radius: 1rem; color: #fff; font-size: 0.8rem; font-weight: 600; }
.sev-high { background: var(--high); } .sev-medium { background: var(--medium); } .sev-low { background: var(--low); }
.tag { display: inline-block; padding: 0 0.4rem; border: 1px solid var(--line); border-radius: 4px; font-size: 0.8rem; background: var(--soft); }
.state-needs_action { color: var(--high); font-weight: 600; }
article.finding { border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 6px; padding: 0.8rem 1rem; margin: 0 0 1rem; }
article.finding[data-severity=high] { border-left-color: var(--high); }
article.finding[data-severity=medium] { border-left-color: var(--medium); }
article.finding[data-severity=low] { border-left-color: var(--low); }
.meta { color: var(--muted); font-size: 0.88rem; margin: 0 0 0.4rem; }
.description { margin: 0.3rem 0 0.6rem; overflow-wrap: anywhere; }
.sides { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 0.8rem; }
.side { background: var(--soft); border-radius: 6px; padding: 0.5rem 0.7rem; min-width: 0; }
.side h4 { margin-top: 0; color: var(--fg); }
.claim { border-top: 1px solid var(--line); padding: 0.4rem 0; break-inside: avoid; }
.claim:first-of-type { border-top: 0; }
blockquote { margin: 0.2rem 0; padding: 0.1rem 0.6rem; border-left: 3px solid var(--accent); white-space: pre-wrap; overflow-wrap: anywhere; }
.citation { margin: 0.2rem 0; padding: 0.1rem 0.6rem; border-left: 3px dashed var(--muted); font-size: 0.9rem; overflow-wrap: anywhere; }
.value { font-weight: 600; }
dl.kv { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.1rem 0.8rem; margin: 0.2rem 0; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; overflow-wrap: anywhere; }
.region { border-top: 1px dashed var(--line); margin-top: 0.6rem; padding-top: 0.4rem; }
.counts { display: flex; flex-wrap: wrap; gap: 0 2rem; }
figure.chart { margin: 0.5rem 0; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; }
ul.plain { margin: 0.2rem 0; padding-left: 1.2rem; }
.none { color: var(--muted); font-style: italic; }
.print-note { display: none; }
@media (max-width: 900px) { .layout { grid-template-columns: minmax(0, 1fr); } #filters { position: static; max-height: none; } }
@media print {
  #filters, .noprint { display: none !important; }
  .print-note { display: block; }
  .layout { display: block; padding: 0; }
  body { font-size: 10.5pt; }
  [data-finding][hidden] { display: block !important; }
  tr[data-finding][hidden] { display: table-row !important; }
  article.finding { break-inside: auto; }
  .side { background: none; border: 1px solid var(--line); }
  a { color: inherit; text-decoration: none; }
}
"""


# ---------------------------------------------------------------- pieces


def _sev(severity: object) -> str:
    s = str(severity)
    cls = f" sev-{s}" if s in SEVERITIES else ""
    return f'<span class="sev{cls}">{esc(s)}</span>'


def _review_state(item: Mapping[str, Any]) -> str:
    """needs_action (no disposition, or a stale one), needs_expert (triaged only) or decided."""
    d = item.get("disposition")
    if not isinstance(d, Mapping) or d.get("stale") or item.get("review_again"):
        return "needs_action"
    if d.get("disposition") == "needs_expert":
        return "needs_expert"
    return "decided"


STATE_LABELS = {
    "needs_action": "needs action (no disposition, or review again)",
    "needs_expert": "awaiting an expert (triaged)",
    "decided": "decided",
    "no_action": "no disposition needed (note)",
}


def _generic(value: Any) -> str:
    """Any JSON value as escaped HTML: a mapping as a definition list, a list as items, a scalar as text."""
    if isinstance(value, Mapping):
        if not value:
            return '<span class="none">none</span>'
        rows = "".join(f"<dt>{esc(k)}</dt><dd>{_generic(value[k])}</dd>" for k in sorted(value, key=str))
        return f'<dl class="kv">{rows}</dl>'
    if isinstance(value, list | tuple):
        if not value:
            return '<span class="none">none</span>'
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            return esc(", ".join(_json(v) for v in value))
        return '<ul class="plain">' + "".join(f"<li>{_generic(v)}</li>" for v in value) + "</ul>"
    if isinstance(value, bool) or value is None:
        return esc(json.dumps(value))
    return esc(_json(value))


def _table(head: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    """A table of already-escaped cells."""
    attr = f' class="{cls}"' if cls else ""
    out = [f"<table{attr}><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    out += ["<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows]
    return "".join(out) + "</tbody></table>\n"


def _num(n: object) -> str:
    return f"{n:,}" if isinstance(n, int) and not isinstance(n, bool) else esc(n)


_SVG_START = re.compile(r"\A<svg[\s>]")
# Matched on the lower-cased text, one short pattern at a time: a single IGNORECASE alternation took
# 0.5 ms per chart, a third of a cached `accord conflicts --check` on the bundled report.
_SVG_FORBIDDEN = tuple(
    re.compile(p)
    for p in (
        r"<\s*(?:script|foreignobject|iframe|image)",
        r"\son[a-z]+\s*=",
        r"href\s*=\s*[\"']?\s*[^\"'#\s]",  # also xlink:href
        r"url\(\s*[\"']?\s*[^\"'#\s)]",
    )
)
_SVG_FORBIDDEN_TEXT = ("@import", "javascript:")


def _svg(text: str) -> str:
    """An engine-generated chart, checked: one <svg> element, no script, no handler, no external reference."""
    s = text.strip()
    low = s.lower()
    if (
        not _SVG_START.match(s)
        or not s.endswith("</svg>")
        or any(p.search(low) for p in _SVG_FORBIDDEN)
        or any(t in low for t in _SVG_FORBIDDEN_TEXT)
    ):
        raise ValueError("a band chart is not a plain inline <svg> (script, handler or external reference)")
    return s


# ---------------------------------------------------------------- a finding


def _answers(answers: Any) -> str:
    if not isinstance(answers, list) or not answers:
        return '<p class="none">no answers</p>'
    rows = []
    for a in answers:
        if not isinstance(a, Mapping):
            rows.append(f"<li>{_generic(a)}</li>")
            continue
        try:
            values = a.get("values") or []
            text = answer_text(
                str(a.get("status", "")),
                [v["value"] for v in values],
                a.get("missing") or [],
                [v.get("qualifiers") for v in values],
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            text = _json({k: a[k] for k in a if k != "source"})
        claims = sorted({c for v in (a.get("values") or []) if isinstance(v, Mapping) for c in v.get("claims", [])})
        by = f' <span class="meta">({esc(", ".join(claims))})</span>' if claims else ""
        rows.append(f'<li><b>{esc(a.get("source", "?"))}</b>: <span class="value">{esc(text)}</span>{by}</li>')
    return '<ul class="plain">' + "".join(rows) + "</ul>"


def _witness(witness: Any, inline: bool = False) -> str:
    facts = witness.get("facts") if isinstance(witness, Mapping) else None
    if not isinstance(facts, Mapping):
        return _generic(witness)
    if not facts:
        return '<span class="none">(no facts)</span>'
    if inline:
        return "<code>" + esc(", ".join(f"{k} = {_json(facts[k])}" for k in sorted(facts, key=str))) + "</code>"
    cells = "".join(f"<dt><code>{esc(k)}</code></dt><dd>{esc(_json(facts[k]))}</dd>" for k in sorted(facts, key=str))
    return f'<dl class="kv">{cells}</dl>'


def _region(region: Any) -> str:
    if not isinstance(region, Mapping):
        return _generic(region)
    text = esc(region.get("text", ""))
    extra = []
    if "cells" in region:
        extra.append(f"{_num(region['cells'])} cells")
    if region.get("box") is False:
        extra.append("not one box")
    out = f"<code>{text}</code>" + (f' <span class="meta">({esc("; ".join(extra))})</span>' if extra else "")
    if region.get("note"):
        out += f'<div class="meta">{esc(region["note"])}</div>'
    return out


def _claim(claim: Mapping[str, Any]) -> str:
    cid = esc(claim.get("id", "?"))
    citation = claim.get("citation")
    if isinstance(citation, Mapping):
        parts = [
            f"<dt>{esc(k)}</dt><dd>{esc(citation[k])}</dd>"
            for k in ("document", "version", "section", "table", "locator", "read_in")
            if citation.get(k)
        ]
        parts += [
            f"<dt>{esc(k)}</dt><dd>{_generic(citation[k])}</dd>"
            for k in sorted(citation, key=str)
            if k not in ("document", "version", "section", "table", "locator", "read_in")
        ]
        said = f'<div class="citation">cited: <dl class="kv">{"".join(parts)}</dl></div>'
    else:
        said = f"<blockquote>{esc(claim.get('quote', ''))}</blockquote>"
    where = ""
    if isinstance(claim.get("start"), int) and isinstance(claim.get("end"), int) and not isinstance(citation, Mapping):
        where = f", chars {claim['start']}–{claim['end']}"
    return (
        f'<div class="claim">{said}<div>→ <span class="value">{esc(_value(claim.get("value")))}</span></div>'
        f'<div class="meta"><code>{cid}</code>, {esc(claim.get("status", ""))}{where}</div></div>'
    )


def _quotes(item: Mapping[str, Any], roles: Mapping[str, str]) -> str:
    claims = [c for c in item.get("claims") or [] if isinstance(c, Mapping)]
    by_source: dict[str, list[Mapping[str, Any]]] = {}
    for c in claims:
        by_source.setdefault(str(c.get("source", "")), []).append(c)
    order = [str(s) for s in item.get("sources") or []]
    order += sorted(s for s in by_source if s not in order)
    cols = []
    for source in order:
        role = f' <span class="tag">{esc(roles[source])}</span>' if source in roles else ""
        body = "".join(_claim(c) for c in by_source.get(source, [])) or '<p class="none">no claim here</p>'
        cols.append(f'<div class="side"><h4>{esc(source)}{role}</h4>{body}</div>')
    return f'<div class="sides">{"".join(cols)}</div>' if cols else ""


def _disposition(item: Mapping[str, Any], needed: bool) -> str:
    d = item.get("disposition")
    if not isinstance(d, Mapping):
        return "<p><b>Disposition:</b> none yet</p>" if needed else ""
    what = _disposition_words(d.get("disposition"))
    out = (
        f'<p><b>Disposition:</b> <span class="value">{esc(what)}</span> by {esc(d.get("reviewer", "?"))} '
        f"on {esc(d.get('date', '?'))}" + (f": {esc(d['note'])}" if d.get("note") else "") + "</p>"
    )
    if d.get("stale"):
        out += f'<p class="state-needs_action">Stale: {esc(_json(d["stale"]))}</p>'
    if d.get("migration"):
        out += f'<p class="meta">Migrated: {esc(d["migration"])}</p>'
    elif d.get("migrated_from"):
        out += f'<p class="meta">Migrated from {esc(", ".join(str(m) for m in d["migrated_from"]))}</p>'
    if isinstance(d.get("judged"), Mapping) and d["judged"]:
        out += f'<p class="meta">Judged {len(d["judged"])} claims as they stood then (fingerprints recorded).</p>'
    history = d.get("history")
    if isinstance(history, list) and history:
        rows = []
        for step in history:
            if not isinstance(step, Mapping):
                rows.append([_generic(step), "", "", ""])
                continue
            value = step.get("disposition")
            shown = _disposition_words(value) if value is not None else ""
            rest = {k: step[k] for k in step if k not in ("disposition", "reviewer", "date", "note", "judged")}
            note = esc(step.get("note", "")) + (_generic(rest) if rest else "")
            rows.append([esc(shown), esc(step.get("reviewer", "")), esc(step.get("date", "")), note])
        out += "<h4>History</h4>" + _table(["disposition", "reviewer", "date", "note"], rows)
    return out


def _memo_finding(
    memo: Memo,
    item: Mapping[str, Any],
    group: str,
    charts: Mapping[str, list[str]],
    roles: Mapping[str, str],
    needed: bool,
) -> str:
    """_finding's article, through `memo` keyed by everything it reads: the entry, its charts, its sources' roles."""
    fid = str(item.get("id", "?"))
    named = {str(s) for s in item.get("sources") or []}
    named |= {str(c.get("source", "")) for c in item.get("claims") or [] if isinstance(c, Mapping)}
    parts = [item, group, needed, list(charts.get(fid, [])), {s: r for s, r in roles.items() if s in named}]
    return memo("html/finding", parts, lambda: _finding(item, group, charts, roles, needed))


def _finding(
    item: Mapping[str, Any], group: str, charts: Mapping[str, list[str]], roles: Mapping[str, str], needed: bool
) -> str:
    fid = str(item.get("id", "?"))
    state = _review_state(item) if needed else "no_action"
    sources = sorted({str(s) for s in item.get("sources") or []})
    attrs = (
        f'data-finding="" data-group="{esc(group)}" data-severity="{esc(item.get("severity", ""))}" '
        f'data-kind="{esc(item.get("kind", ""))}" data-question="{esc(item.get("question", ""))}" '
        f'data-sources="{esc(json.dumps(sources, ensure_ascii=False))}" data-state="{esc(state)}"'
    )
    out = [f'<article class="finding" id="finding-{esc(fid)}" {attrs}>']
    out.append(
        f'<h3><code>{esc(fid)}</code> {_sev(item.get("severity", ""))} <span class="tag">{esc(item.get("kind", ""))}</span> '
        f"{esc(item.get('question', ''))}</h3>"
    )
    meta = [f"sources: {esc(', '.join(str(s) for s in item.get('sources') or []))}"]
    if item.get("reference"):
        meta.append(f"reference: {esc(item['reference'])} (an official label; its claims are cited, not quoted)")
    if item.get("questions"):
        meta.append(f"questions: {esc(', '.join(str(q) for q in item['questions']))}")
    if item.get("fact"):
        meta.append(
            f"fact: {esc(item['fact'])}" + (f" at {esc(_json(item['threshold']))}" if "threshold" in item else "")
        )
    if needed:
        meta.append(f'review: <span class="state-{esc(state)}">{esc(STATE_LABELS.get(state, state))}</span>')
    out.append(f'<p class="meta">{" · ".join(meta)}</p>')
    out.append(f'<p class="description">{esc(item.get("description", ""))}</p>')
    link = item.get("link")
    if isinstance(link, Mapping):
        out.append(f"<p><b>Link broken:</b> <code>{esc(link.get('id', ''))}</code>: {esc(link.get('message', ''))}</p>")
    for note in item.get("notes") or []:
        out.append(f'<p class="meta">Note: {esc(note)}</p>')
    sides = item.get("sides")
    if isinstance(sides, list) and sides:
        out.append("<h4>What each side says</h4>" + _sides(sides))
    if item.get("silent") or item.get("unaddressed"):
        silent = esc(item.get("silent", "a source"))
        facts = esc(", ".join(str(f) for f in item.get("unaddressed") or []))
        out.append(f'<p class="meta">Omission: {silent} does not address {facts or "the deciding facts"}.</p>')
    again = item.get("review_again")
    if isinstance(again, Mapping):
        claims = esc(", ".join(str(c) for c in again.get("claims") or []))
        out.append(
            f'<p class="state-needs_action">Review again: {esc(again.get("reason", ""))}'
            + (f" (claims {claims})" if claims else "")
            + "</p>"
        )
    suggestion = item.get("suggestion")
    if isinstance(suggestion, Mapping):
        candidates = ", ".join(
            f"{esc(_value(c.get('value')))} (as <code>{esc(c.get('from_claim', ''))}</code>)"
            for c in suggestion.get("candidates") or []
            if isinstance(c, Mapping)
        )
        out.append(
            f"<p><b>To close it:</b> a claim on {esc(suggestion.get('question', ''))} where "
            f"{esc(suggestion.get('text', ''))} (<code>when</code> <code>{esc(_json(suggestion.get('when')))}</code>); "
            f"its value is for a person to choose{': the neighbours say ' + candidates if candidates else ''}, and "
            "its quote to find in the source (the workbench drafts it with <kbd>f</kbd>).</p>"
        )
    out.append("<h4>Quotes side by side</h4>" + _quotes(item, roles))
    for svg in charts.get(fid, []):
        out.append(f'<figure class="chart">{_svg(svg)}</figure>')
    if "region" in item or "witness" in item or "answers" in item:
        out.append('<div class="region">')
        if "region" in item:
            out.append(f"<p><b>Region:</b> {_region(item['region'])}</p>")
        if "witness" in item:
            out.append(f"<p><b>Witness patient:</b></p>{_witness(item['witness'])}")
        if "answers" in item:
            out.append(f"<p><b>Answers at the witness:</b></p>{_answers(item['answers'])}")
        out.append("</div>")
    regions = item.get("regions")
    if isinstance(regions, list) and regions:
        out.append(f"<h4>Regions ({len(regions)})</h4>")
        for r in regions:
            if not isinstance(r, Mapping):
                out.append(f'<div class="region">{_generic(r)}</div>')
                continue
            out.append('<div class="region">')
            head = f"<code>{esc(r['id'])}</code> " if r.get("id") else ""
            out.append(f"<p>{head}<b>Region:</b> {_region(r.get('region', {}))}</p>")
            if r.get("description"):
                out.append(f'<p class="description">{esc(r["description"])}</p>')
            if "witness" in r:
                out.append(f"<p><b>Witness patient:</b> {_witness(r['witness'], inline=True)}</p>")
            if "answers" in r:
                out.append(f"<p><b>Answers at the witness:</b></p>{_answers(r['answers'])}")
            rest = {k: r[k] for k in r if k not in ("id", "region", "description", "witness", "answers")}
            if rest:
                out.append(_generic(rest))
            out.append("</div>")
    out.append(_disposition(item, needed))
    out.append("</article>\n")
    return "".join(out)


# ---------------------------------------------------------------- the page


def _counts(counts: Any, order: Any = None) -> str:
    if not isinstance(counts, Mapping) or not counts:
        return '<p class="none">none</p>'
    keys = sorted(counts, key=order or str)
    return _table(["", "findings"], [[esc(k), f'<span class="mono">{_num(counts[k])}</span>'] for k in keys])


def _sides(sides: list[Any]) -> str:
    rows = []
    for side in sides:
        if not isinstance(side, Mapping):
            rows.append(f"<li>{_generic(side)}</li>")
            continue
        claims = ", ".join(str(c) for c in side.get("claims") or [])
        rest = {k: side[k] for k in side if k not in ("source", "says", "claims")}
        rows.append(
            f'<li><b>{esc(side.get("source", "?"))}</b>: <span class="value">{esc(side.get("says", ""))}</span>'
            + (f' <span class="meta">({esc(claims)})</span>' if claims else "")
            + (_generic(rest) if rest else "")
            + "</li>"
        )
    return '<ul class="plain">' + "".join(rows) + "</ul>"


def _coverage(coverage: Any) -> str:
    """Which sources address which questions, in whatever shape the report gives it."""
    if (
        isinstance(coverage, list)
        and coverage
        and all(isinstance(v, Mapping) and isinstance(v.get("claims"), Mapping) for v in coverage)
    ):  # [{question, claims: {source: n}}]: questions down, sources across, 0 shown as silence
        cols = sorted({str(k) for v in coverage for k in v["claims"]})
        rows = []
        for v in sorted(coverage, key=lambda v: str(v.get("question", ""))):
            cells = [v["claims"].get(c, 0) for c in cols]
            rows.append(
                [esc(v.get("question", ""))]
                + [f'<span class="mono">{_num(n)}</span>' if n else '<span class="none">silent</span>' for n in cells]
            )
        return _table(["question"] + [esc(c) for c in cols], rows, "coverage")
    if isinstance(coverage, Mapping) and coverage and all(isinstance(v, Mapping) for v in coverage.values()):
        cols = sorted({str(k) for v in coverage.values() for k in v})
        rows = [[esc(k)] + [_mark(coverage[k].get(c)) for c in cols] for k in sorted(coverage, key=str)]
        return _table([""] + [esc(c) for c in cols], rows)
    if isinstance(coverage, Mapping) and coverage and all(isinstance(v, list) for v in coverage.values()):
        cols = sorted({_json(x) for v in coverage.values() for x in v})
        rows = [
            [esc(k)] + [_mark(c in {_json(x) for x in coverage[k]}) for c in cols] for k in sorted(coverage, key=str)
        ]
        return _table([""] + [esc(c) for c in cols], rows)
    if isinstance(coverage, list) and coverage and all(isinstance(v, Mapping) for v in coverage):
        cols = sorted({str(k) for v in coverage for k in v})
        return _table([esc(c) for c in cols], [[_mark(v.get(c)) for c in cols] for v in coverage])
    return _generic(coverage)


def _mark(value: Any) -> str:
    if value is True:
        return "✓"
    if value is False or value is None:
        return '<span class="none">—</span>'
    return _generic(value)


def _checkbox(name: str, value: str, label: str, count: int) -> str:
    return (
        f'<label><input type="checkbox" name="{esc(name)}" value="{esc(value)}"> {esc(label)} '
        f'<span class="meta">({count:,})</span></label>'
    )


def _filters(groups: list[tuple[str, Mapping[str, Any]]], roles: Mapping[str, str]) -> str:
    def tally(key: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for group, items in groups:
            for item in items.values():
                if key == "source":
                    values = sorted({str(s) for s in item.get("sources") or []})
                elif key == "state":
                    values = [_review_state(item) if group == "conflicts" else "no_action"]
                else:
                    values = [str(item.get(key, ""))]
                for v in values:
                    out[v] = out.get(v, 0) + 1
        return out

    parts = ['<nav id="filters" class="noprint" hidden aria-label="Filters">']
    sev = tally("severity")
    parts.append("<fieldset><legend>Severity</legend>")
    parts += [_checkbox("severity", s, s, sev[s]) for s in sorted(sev, key=lambda s: (severity_rank(s), s))]
    parts.append("</fieldset>")
    state = tally("state")
    parts.append("<fieldset><legend>Review state</legend>")
    order = list(STATE_LABELS)
    parts += [
        _checkbox("state", s, STATE_LABELS.get(s, s), state[s])
        for s in sorted(state, key=lambda s: (order.index(s) if s in order else len(order), s))
    ]
    parts.append("</fieldset>")
    for key, legend in (("kind", "Kind"), ("source", "Source"), ("question", "Question")):
        counts = tally(key)
        cls = ' class="long"' if len(counts) > 8 else ""
        parts.append(f"<fieldset{cls}><legend>{legend}</legend>")
        parts += [
            _checkbox(key, v, v + (f" ({roles[v]})" if key == "source" and v in roles else ""), counts[v])
            for v in sorted(counts)
        ]
        parts.append("</fieldset>")
    parts.append(
        '<p><button type="button" id="reset">Show all</button></p>'
        '<p class="meta">Nothing ticked in a group means any. The filter is in the address (after #): '
        "copy the link to share this view.</p></nav>\n"
    )
    return "".join(parts)


def _index(items: list[Mapping[str, Any]]) -> str:
    rows = []
    for item in items:
        fid = str(item.get("id", "?"))
        state = _review_state(item)
        sources = sorted({str(s) for s in item.get("sources") or []})
        d = item.get("disposition")
        decided = ""
        if isinstance(d, Mapping):
            decided = _disposition_words(d.get("disposition"))
        rows.append(
            f'<tr data-finding="" data-group="index" data-severity="{esc(item.get("severity", ""))}" '
            f'data-kind="{esc(item.get("kind", ""))}" data-question="{esc(item.get("question", ""))}" '
            f'data-sources="{esc(json.dumps(sources, ensure_ascii=False))}" data-state="{esc(state)}">'
            f'<td><a href="#finding-{esc(fid)}" data-jump="finding-{esc(fid)}"><code>{esc(fid)}</code></a></td>'
            f"<td>{_sev(item.get('severity', ''))}</td><td>{esc(item.get('kind', ''))}</td>"
            f"<td>{esc(item.get('question', ''))}</td><td>{esc(', '.join(str(s) for s in item.get('sources') or []))}</td>"
            f'<td class="state-{esc(state)}">{esc(decided or "none yet")}</td></tr>'
        )
    head = "".join(f"<th>{h}</th>" for h in ("finding", "severity", "kind", "question", "sources", "disposition"))
    return f'<table class="index noprint"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>\n'


def _comparisons(items: list[Mapping[str, Any]]) -> str:
    """Claims comparing drugs, with their verdict against both drugs' labels (report.json `comparisons`)."""
    if not items:
        return ""
    order = {"not_supported": 0, "labels_silent": 1, "supported_by_labels": 2}
    rows = []
    for item in sorted(items, key=lambda i: (order.get(str(i.get("verdict")), 9), str(i.get("claim")))):
        checked = item.get("checked") if isinstance(item.get("checked"), Mapping) else {}
        assert isinstance(checked, Mapping)
        evidence = "; ".join(
            f"{esc(drug)}: "
            + ", ".join(f"<code>{esc(e.get('claim', ''))}</code>" for e in ev if isinstance(e, Mapping))
            for drug, ev in sorted(checked.items())
            if isinstance(ev, list) and ev
        )
        verdict = esc(item.get("verdict", ""))
        rows.append(
            [
                f"<strong>{verdict}</strong>" if item.get("verdict") == "not_supported" else verdict,
                f"<code>{esc(item.get('claim', ''))}</code>",
                f"{esc(item.get('question', ''))} = {esc(_value(item.get('value')))}",
                esc(item.get("reason", "")),
                evidence or "none",
            ]
        )
    return (
        '<h2 id="comparisons">Comparisons with another drug</h2><p class="meta">Each claim comparing the drug with '
        "another, checked against both drugs' official labels. Not conflicts: no disposition is needed.</p>"
        + _table(["verdict", "claim", "says", "reason", "label claims checked"], rows)
    )


def render_html(report: Mapping[str, Any], charts: Mapping[str, list[str]] | None = None, memo: Memo = no_memo) -> str:
    """report.html text for a report.json dict; `charts` maps a finding id to its band-chart SVGs (engine-made);
    `memo` (engine.fragmentmemo) may hand back each finding's article from an earlier run."""
    charts = charts or {}
    sources = [s for s in report.get("sources") or [] if isinstance(s, Mapping)]
    roles: dict[str, str] = {}
    for s in sources:
        if s.get("role"):
            roles[str(s.get("id", ""))] = " ".join(str(p) for p in (s.get("role"), s.get("jurisdiction")) if p)
    conflicts = [c for c in report.get("conflicts") or [] if isinstance(c, Mapping)]
    precision = [c for c in report.get("precision_notes") or [] if isinstance(c, Mapping)]
    differences = [c for c in report.get("label_differences") or [] if isinstance(c, Mapping)]
    summary = report.get("summary") if isinstance(report.get("summary"), Mapping) else {}
    assert isinstance(summary, Mapping)
    analysis = report.get("analysis") if isinstance(report.get("analysis"), Mapping) else {}
    assert isinstance(analysis, Mapping)

    out = [
        "<!DOCTYPE html>\n",
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">\n',
        '<meta name="referrer" content="no-referrer">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        "<title>Accord conflict report</title>\n",
        f"<style>{STYLE}</style>\n</head>\n<body>\n",
        '<header class="top"><h1>Accord conflict report</h1>',
        '<p class="meta">Generated by <code>accord conflicts</code> from the rulesets alone (test patients are '
        "not used); the same findings as report.json and report.md. Record decisions with "
        "<code>accord review conflict ID ...</code>.</p>",
        '<p class="print-note">Printed: every finding is shown, whatever the filter.</p></header>\n',
        '<div class="layout">\n',
    ]
    groups: list[tuple[str, Mapping[str, Any]]] = [
        ("conflicts", {str(i): c for i, c in enumerate(conflicts)}),
        ("precision", {str(i): c for i, c in enumerate(precision)}),
        ("label", {str(i): c for i, c in enumerate(differences)}),
    ]
    out.append(_filters(groups, roles))
    out.append("<main>\n")

    skipped = analysis.get("not_analysed") or []
    if skipped:
        out.append(
            "<h2>Not analysed</h2><p>These sources were left out of a question; conflicts involving them "
            "there are <b>not</b> in this report:</p>"
        )
        out.append(
            _table(
                ["question", "source", "cells", "facts", "reason"],
                [
                    [
                        esc(n.get("question", "")),
                        esc(n.get("source", "")),
                        _num(n.get("cells", "")),
                        esc(", ".join(str(f) for f in n.get("facts") or [])),
                        esc(n.get("reason", "")),
                    ]
                    for n in skipped
                    if isinstance(n, Mapping)
                ],
            )
        )
    truncated = report.get("truncated")
    if truncated:
        out.append("<h2>Truncated</h2>" + _generic(truncated))
    # sources and summary: rendered here, placed after the findings (a reviewer opens the file to read findings)
    start = len(out)
    out.append("<h3>Sources</h3>")
    out.append(
        _table(
            ["source", "title", "role", "jurisdiction", "version", "claims"],
            [
                [
                    f"<code>{esc(s.get('id', ''))}</code>",
                    esc(s.get("title", "")),
                    esc(s.get("role", "")),
                    esc(s.get("jurisdiction", "")),
                    esc(s.get("version", "")),
                    f'<span class="mono">{_num(s.get("claims", ""))}</span>',
                ]
                for s in sources
            ],
        )
    )
    out.append(f"<p>Cells evaluated: {_num(analysis.get('cells_evaluated', 0))}.</p>")
    out.append("<h3>Counts</h3>")
    high = summary.get("high_without_disposition") or []
    out.append(
        f"<p>{_num(summary.get('conflicts', len(conflicts)))} findings; {_num(len(high))} high-severity without a "
        f"disposition{': ' + esc(', '.join(str(h) for h in high)) if high else ''}.</p>"
    )
    out.append('<div class="counts">')
    out.append(
        "<div><h4>By severity</h4>"
        + _counts(summary.get("by_severity"), lambda s: (severity_rank(str(s)), str(s)))
        + "</div>"
    )
    out.append("<div><h4>By kind</h4>" + _counts(summary.get("by_kind")) + "</div>")
    out.append("<div><h4>By question</h4>" + _counts(summary.get("by_question")) + "</div>")
    out.append("</div>")
    again = summary.get("review_again") or []
    if again:
        out.append(
            f'<p class="state-needs_action">{_num(len(again))} findings to review again (their disposition judged '
            f"claims that changed since): {esc(', '.join(str(a) for a in again))}.</p>"
        )
    references = summary.get("references") or []
    if references:
        cols = ["source", "reference", "agree", "deviate", "other_label", "not_covered", "undetermined"]
        extra = sorted({str(k) for r in references if isinstance(r, Mapping) for k in r} - set(cols))
        out.append(
            '<h3>Against the references</h3><p class="meta">Each source\'s claims against each reference: agree, '
            "deviate, follow the other label, or not covered (the reference says nothing there).</p>"
        )
        out.append(
            _table(
                [esc(c.replace("_", " ")) for c in cols + extra],
                [
                    [esc(r.get(c, "")) if c in ("source", "reference") else _num(r.get(c, "")) for c in cols]
                    + [_generic(r.get(c, "")) for c in extra]
                    for r in references
                    if isinstance(r, Mapping)
                ],
            )
        )
    if "coverage" in report:
        out.append(
            '<h2>Coverage</h2><p class="meta">Which sources address which questions: silence on a whole '
            "question is shown here, not as a conflict.</p>" + _coverage(report["coverage"])
        )
    if "configuration" in report:
        out.append("<h3>Configuration</h3>" + _generic(report["configuration"]))
    notes = analysis.get("notes") or []
    if notes:
        out.append('<h3>Analysis notes</h3><ul class="plain">' + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    constraints = analysis.get("constraints") or []
    if constraints:
        out.append(
            "<h3>Vocabulary constraints applied</h3>"
            + _table(
                ["id", "message", "definition"],
                [
                    [
                        f"<code>{esc(c.get('id', ''))}</code>",
                        esc(c.get("message", "")),
                        f"<code>{esc(c.get('definition', ''))}</code>",
                    ]
                    for c in constraints
                    if isinstance(c, Mapping)
                ],
            )
        )

    appendix = out[start:]
    del out[start:]
    needing = sum(1 for c in conflicts if _review_state(c) == "needs_action")
    by_sev = ", ".join(
        f"{n} {esc(k)}"
        for k, n in sorted(_tally_severity(conflicts).items(), key=lambda kv: (severity_rank(kv[0]), kv[0]))
    )
    out.append(
        f"<p>{len(conflicts):,} findings ({by_sev or 'none'}); {needing:,} need action (no disposition). "
        '<a href="#summary" data-jump="summary">Sources, counts and coverage</a> follow the findings.</p>'
    )

    # findings
    total = len(conflicts)
    out.append(
        f'<h2 id="findings">Findings</h2><p class="count" data-count-for="conflicts" data-noun="findings">'
        f"{total} of {total} findings</p>"
    )
    if conflicts:
        out.append(_index(conflicts))
    else:
        out.append('<p class="none">No findings.</p>')
    out += [_memo_finding(memo, c, "conflicts", charts, roles, True) for c in conflicts]
    if precision:
        out.append(
            f'<h2 id="precision-notes">Precision notes</h2><p class="meta">Where two sources\' answers do not '
            "contradict but one is more precise. Not conflicts: no disposition is needed and "
            '<code>accord conflicts --check</code> never fails on them.</p><p class="count" '
            f'data-count-for="precision" data-noun="precision notes">{len(precision)} of {len(precision)} precision notes</p>'
        )
        out += [_memo_finding(memo, c, "precision", charts, roles, False) for c in precision]
    if differences:
        out.append(
            '<h2 id="label-differences">Label differences</h2><p class="meta">Where the official labels differ from '
            "each other, and where a source differs from one label but agrees with the other (it follows that "
            "label: not a source error). No disposition is needed.</p>"
            f'<p class="count" data-count-for="label" data-noun="label differences">{len(differences)} of '
            f"{len(differences)} label differences</p>"
        )
        out += [_memo_finding(memo, c, "label", charts, roles, False) for c in differences]
    out.append(_comparisons([c for c in report.get("comparisons") or [] if isinstance(c, Mapping)]))
    out.append('<h2 id="summary">Summary and sources</h2>')
    out += appendix
    out.append("<h2>Orphaned dispositions</h2>")
    orphans = [o for o in report.get("orphaned_dispositions") or [] if isinstance(o, Mapping)]
    if orphans:
        out.append("<p>Dispositions whose finding no longer exists (kept, not dropped):</p>")
        out.append(
            _table(
                ["id", "disposition", "reviewer", "date", "note"],
                [
                    [
                        f"<code>{esc(o.get('id', ''))}</code>",
                        esc(_disposition_words(o.get("disposition"))),
                        esc(o.get("reviewer", "")),
                        esc(o.get("date", "")),
                        esc(o.get("note", "")),
                    ]
                    for o in orphans
                ],
            )
        )
    else:
        out.append("<p>None.</p>")
    out.append("</main>\n</div>\n")
    out.append(f"<script>{SCRIPT}</script>\n</body>\n</html>\n")
    return "".join(out)


def _tally_severity(items: list[Mapping[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in items:
        out[str(c.get("severity", ""))] = out.get(str(c.get("severity", "")), 0) + 1
    return out


def _disposition_words(value: Any) -> str:
    try:
        return disposition_text(value)
    except (TypeError, KeyError, AttributeError):
        return _json(value)
