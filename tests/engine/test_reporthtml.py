"""conflicts/report.html (engine.reporthtml): escaping, byte stability, no network, every finding present."""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from engine.reporthtml import CSP, SCRIPT, SCRIPT_HASH, esc, render_html
from tests.conftest import REPO

HOSTILE = "<script>alert(1)</script>\"'&</script><img src=x onerror=alert(2)>\u2028\u2029\u202e\x00\x1b[31m"
CHART = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60" viewBox="0 0 100 20" role="img"><title>egfr bands</title>'
    '<rect x="0" y="0" width="50" height="20" fill="#c33"/></svg>'
)


def claim(cid: str, source: str, value: Any, quote: str = HOSTILE, **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "source": source,
        "value": value,
        "status": "submitted",
        "quote": quote,
        "start": 3,
        "end": 3 + len(quote),
        **extra,
    }


def answer(source: str, value: Any) -> dict[str, Any]:
    return {
        "source": source,
        "question": "dose",
        "status": "answered",
        "values": [{"value": value, "claims": [f"{source}/c"]}],
        "missing": [],
    }


def finding(fid: str, severity: str, kind: str, sources: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "id": fid,
        "kind": kind,
        "question": "dose",
        "severity": severity,
        "sources": sources,
        "description": f"{sources[0]} says {HOSTILE} but {sources[-1]} disagrees",
        "claims": [claim(f"{s}/c", s, {"mg": 2, "every_days": 1}) for s in sources],
        "region": {"text": "egfr < 30 " + HOSTILE, "box": True, "cells": 2, "constraints": []},
        "witness": {"facts": {"egfr": 20, "pregnant": False, "indication": HOSTILE}},
        "answers": [answer(s, "not_recommended") for s in sources],
        "notes": [HOSTILE],
        **extra,
    }


def synthetic() -> dict[str, Any]:
    ref_claim = claim(
        "label/c",
        "label",
        "not_recommended",
        citation={"document": "Label " + HOSTILE, "version": "v1", "section": "4.2", "locator": "renal"},
    )
    omission = finding(
        "C-omit",
        "low",
        "omission",
        ["jak-blog", "dr-oracle"],
        sides=[
            {"source": "jak-blog", "claims": [], "says": "silent on " + HOSTILE},
            {"source": "dr-oracle", "claims": ["dr-oracle/c"], "says": "reduce"},
        ],
        silent="jak-blog",
        unaddressed=["strong_oat3_inhibitor"],
        regions=[
            {
                "id": "R-1",
                "region": {"text": "strong_oat3_inhibitor = true", "box": True, "cells": 1},
                "witness": {"facts": {"strong_oat3_inhibitor": True}},
                "answers": [answer("dr-oracle", {"mg": 1, "every_days": 1})],
                "description": "region one " + HOSTILE,
            }
        ],
    )
    del omission["region"], omission["witness"], omission["answers"]
    deviation = finding("C-dev", "high", "deviates_from_reference", ["jak-blog", "label"], reference="label")
    deviation["claims"][1] = ref_claim
    deviation["disposition"] = {
        "disposition": {"source_correct": "label"},
        "reviewer": "Dr " + HOSTILE,
        "date": "2026-12-01",
        "note": "checked " + HOSTILE,
        "history": [
            {"disposition": "needs_expert", "reviewer": "triage", "date": "2026-11-30", "note": "first look"},
            {"disposition": {"source_correct": "label"}, "reviewer": "Dr X", "date": "2026-12-01"},
        ],
    }
    triaged = finding("C-tri", "high", "between_sources", ["dr-oracle", "jak-blog"])
    triaged["disposition"] = {"disposition": "needs_expert", "reviewer": "triage", "date": "2026-12-01"}
    hostile_id = finding(HOSTILE, "medium", "within_source", ["jak-blog"])
    stale = finding("C-again", "medium", "between_sources", ["dr-oracle", "jak-blog"])
    stale["disposition"] = {
        "disposition": "not_a_conflict",
        "reviewer": "Dr Y",
        "date": "2026-11-01",
        "migration": "findings grouped by cause: " + HOSTILE,
        "judged": {"dr-oracle/c": "0123456789ab"},
    }
    stale["review_again"] = {"claims": ["dr-oracle/c"], "reason": "its quote changed " + HOSTILE}
    return {
        "accord": 1,
        "sources": [
            {"id": "dr-oracle", "title": "Dr " + HOSTILE, "claims": 3},
            {"id": "jak-blog", "title": "https://example.com/blog " + HOSTILE, "claims": 4},
            {"id": "label", "title": "Label", "claims": 5, "role": "reference", "jurisdiction": "US", "version": "1"},
        ],
        "analysis": {"cells_evaluated": 1234, "questions": [], "notes": ["note " + HOSTILE]},
        "summary": {
            "conflicts": 5,
            "by_severity": {"high": 2, "low": 1, "medium": 1},
            "by_kind": {"between_sources": 1, "deviates_from_reference": 1, "omission": 1, "within_source": 1},
            "by_question": {"dose": 4},
            "high_without_disposition": [],
            "references": [
                {
                    "source": "jak-blog",
                    "reference": "label",
                    "agree": 1,
                    "deviate": 2,
                    "other_label": 0,
                    "not_covered": 3,
                    "undetermined": 0,
                }
            ],
        },
        "coverage": [
            {"question": "initiation", "claims": {"dr-oracle": 2, "jak-blog": 0}},
            {"question": "dose", "claims": {"dr-oracle": 1, "jak-blog": 3}},
        ],
        "conflicts": [deviation, triaged, hostile_id, omission, stale],
        "precision_notes": [finding("P-1", "low", "precision", ["dr-oracle", "jak-blog"])],
        "label_differences": [finding("L-1", "low", "label_difference", ["jak-blog", "label"])],
        "orphaned_dispositions": [
            {"id": "C-gone", "disposition": "not_a_conflict", "reviewer": HOSTILE, "date": "2026-01-01"}
        ],
    }


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parsed(text: str) -> Tags:
    p = Tags()
    p.feed(text)
    p.close()
    return p


def test_hostile_strings_are_escaped():
    text = render_html(synthetic(), {"C-dev": [CHART]})
    p = parsed(text)
    assert [t for t, _ in p.tags].count("script") == 1 and p.scripts == [SCRIPT]
    assert "img" not in [t for t, _ in p.tags]
    assert "<script>alert" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&amp;&lt;/script&gt;" in text
    for raw in ("\u2028", "\u2029", "\u202e", "\x00", "\x1b"):
        assert raw not in text
    assert "\\u2028" in text and "\\u202e" in text and "\\x1b" in text
    for tag, attrs in p.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert "style" not in attrs
    # the finding whose id is hostile keeps it as text and as an escaped attribute
    ids = [a["id"] for t, a in p.tags if t == "article"]
    assert "finding-" + html.unescape(esc(HOSTILE)) in ids and "finding-" + HOSTILE not in ids


def test_no_network_resource():
    text = render_html(synthetic(), {"C-dev": [CHART]})
    p = parsed(text)
    for tag, attrs in p.tags:
        assert "src" not in attrs and "srcset" not in attrs and "action" not in attrs, tag
        href = attrs.get("href")
        assert href is None or href.startswith("#"), (tag, href)
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", text, re.I) and "@import" not in text
    assert "<link" not in text
    assert "https://example.com/blog" in text  # a link in a string is shown as text
    csp = [a for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0]["content"] == CSP and "default-src 'none'" in CSP
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()
    assert SCRIPT_HASH == f"sha256-{digest}" and f"script-src '{SCRIPT_HASH}'" in CSP
    assert "'unsafe-inline'" not in CSP.split("script-src", 1)[1].split(";", 1)[0]


def test_byte_stable():
    report = synthetic()
    first = render_html(report, {"C-dev": [CHART]})
    shuffled = copy.deepcopy(report)
    shuffled["summary"]["by_kind"] = dict(reversed(list(shuffled["summary"]["by_kind"].items())))
    for item in shuffled["conflicts"]:
        if "witness" in item:
            item["witness"]["facts"] = dict(reversed(list(item["witness"]["facts"].items())))
    assert render_html(shuffled, {"C-dev": [CHART]}) == first
    assert render_html(json.loads(json.dumps(report)), {"C-dev": [CHART]}) == first
    assert not re.search(r"20\d\d-\d\d-\d\dT", first)


def test_every_finding_and_optional_shape_rendered():
    report = synthetic()
    text = render_html(report, {"C-dev": [CHART]})
    p = parsed(text)
    articles = [a for t, a in p.tags if t == "article"]
    expected = [c["id"] for c in report["conflicts"] + report["precision_notes"] + report["label_differences"]]
    assert [a["id"] for a in articles] == ["finding-" + html.unescape(esc(i)) for i in expected]
    assert {a["data-group"] for a in articles} == {"conflicts", "precision", "label"}
    states = {a["id"]: a["data-state"] for a in articles}
    assert states["finding-C-dev"] == "decided" and states["finding-C-tri"] == "needs_expert"
    assert states["finding-C-omit"] == "needs_action" and states["finding-P-1"] == "no_action"
    assert states["finding-C-again"] == "needs_action"  # decided once, but a judged claim changed since
    assert "Review again: its quote changed &lt;script&gt;" in text and "Migrated: findings grouped" in text
    assert "does not address strong_oat3_inhibitor" in text and "silent</span>" in text  # omission, coverage
    assert json.loads([a for a in articles if a["id"] == "finding-C-omit"][0]["data-sources"]) == [
        "dr-oracle",
        "jak-blog",
    ]
    assert "5 of 5 findings" in text and "1 of 1 precision notes" in text
    assert CHART in text  # the engine's SVG, as is
    assert "History" in text and "first look" in text  # disposition history
    assert "R-1" in text and "region one" in text and "strong_oat3_inhibitor = true" in text  # regions
    assert "silent on" in text and "(dr-oracle/c)" in text  # sides
    assert "Coverage" in text and "initiation" in text  # coverage table
    assert "cited:" in text and "Label &lt;script&gt;" in text  # the reference's citation, not a quote
    assert "2 mg once daily" in text and "not_recommended" in text  # claim values and answers
    assert "source_correct: label" in text and "C-gone" in text  # dispositions, orphans
    assert "Against the references" in text
    boxes = {(a["name"], a["value"]) for t, a in p.tags if t == "input"}
    assert ("kind", "omission") in boxes and ("source", "label") in boxes and ("state", "needs_action") in boxes


def test_minimal_report_without_optional_keys():
    text = render_html({"accord": 1, "sources": [], "conflicts": [], "orphaned_dispositions": []})
    assert "0 of 0 findings" in text and "No findings." in text and text.endswith("</html>\n")


@pytest.mark.parametrize(
    "svg",
    [
        "<svg><script>alert(1)</script></svg>",
        '<svg onload="alert(1)"></svg>',
        '<svg><image href="https://example.com/x.png"/></svg>',
        '<svg><use xlink:href="http://example.com/a.svg#x"/></svg>',
        '<svg><rect style="fill:url(https://example.com/p)"/></svg>',
        "<div>not svg</div>",
        "<svg>< SCRIPT>alert(1)</svg>",
        '<svg OnLoad = "alert(1)"></svg>',
        "<svg><style>@IMPORT 'x.css';</style></svg>",
        '<svg><a HREF="JavaScript:alert(1)">x</a></svg>',
        "<svg><foreignObject></foreignObject></svg>",
    ],
)
def test_charts_must_be_plain_svg(svg):
    with pytest.raises(ValueError):
        render_html(synthetic(), {"C-dev": [svg]})


def test_bundled_report_renders_every_finding():
    path = REPO / "conflicts" / "report.json"
    if not path.exists():
        pytest.skip("no bundled conflicts/report.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    text = render_html(report)
    ids = re.findall(r'<article class="finding" id="finding-([^"]*)"', text)  # a regex: parsing 2 MB takes seconds
    expected = report["conflicts"] + report.get("precision_notes", []) + report.get("label_differences", [])
    assert ids == [esc(item["id"]) for item in expected]
    n = len(report["conflicts"])
    assert f"{n} of {n} findings" in text
