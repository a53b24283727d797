"""report.html in a real headless Chromium: it renders, the hash filters work, and a screenshot is kept.

Chromium comes from Debian's package `chromium` (.ci/run installs it); without it on PATH these tests
skip, saying so. The screenshot beside the snapshots (tests/engine/snapshots/report-html.png) is
rewritten only with ACCORD_UPDATE_SCREENSHOT=1; otherwise it goes to a temporary folder and is only
checked to be a PNG. All browser runs start together, so the module takes a few seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.reporthtml import render_html
from tests.engine.test_reporthtml import CHART, synthetic

SNAPSHOT = Path(__file__).parent / "snapshots" / "report-html.png"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
VIEWS = {
    "all": "",
    "high": "#severity=high",
    "omission-jak": "#kind=omission&source=jak-blog",
    "needs-action": "#state=needs_action",
    "two-severities": "#severity=high,low&state=decided,needs_expert",
    "label-source": "#source=label",
}

pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no chromium on PATH (Debian: apt-get install chromium); report.html browser tests skip"
)


class Articles(HTMLParser):
    """Each <article>'s id and whether it is hidden; the text of the findings counter."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self.hidden: list[str] = []
        self.counter = ""
        self._in_counter = False
        self.filters_hidden = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "article":
            (self.hidden if "hidden" in a else self.shown).append(str(a["id"]).removeprefix("finding-"))
            assert ("hidden" in a) == ("filtered-out" in (a.get("class") or "").split())
        if tag == "nav" and a.get("id") == "filters":
            self.filters_hidden = "hidden" in a
        self._in_counter = a.get("data-count-for") == "conflicts"

    def handle_data(self, data: str) -> None:
        if self._in_counter:
            self.counter += data
            self._in_counter = False


@pytest.fixture
def browsed(tmp_path: Path) -> dict[str, Articles | bytes]:
    """Every view's dumped DOM parsed, and the screenshot's bytes, from browsers run side by side."""
    assert BROWSER is not None
    tmp = tmp_path
    page = tmp / "report.html"
    page.write_text(render_html(synthetic(), {"C-dev": [CHART]}), encoding="utf-8")
    url = page.resolve().as_uri()
    shot = SNAPSHOT if os.environ.get("ACCORD_UPDATE_SCREENSHOT") else tmp / "report-html.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    env = {**os.environ, "HOME": str(tmp)}
    for name, fragment in VIEWS.items():
        procs[name] = subprocess.Popen(
            [BROWSER, *FLAGS, f"--user-data-dir={tmp / ('profile-' + name)}", "--dump-dom", url + fragment],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    procs["screenshot"] = subprocess.Popen(
        [
            BROWSER,
            *FLAGS,
            f"--user-data-dir={tmp / 'profile-shot'}",
            f"--screenshot={shot}",
            "--window-size=1280,900",
            url + "#severity=high&kind=deviates_from_reference",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    out: dict[str, Articles | bytes] = {}
    for name, proc in procs.items():
        stdout, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, f"chromium failed on view {name}"
        if name == "screenshot":
            out[name] = shot.read_bytes()
        else:
            parser = Articles()
            parser.feed(stdout.decode("utf-8"))
            out[name] = parser
    return out


def view(browsed: dict[str, Articles | bytes], name: str) -> Articles:
    v = browsed[name]
    assert isinstance(v, Articles)
    return v


def test_report_html_in_chromium(browsed):
    """One test, so that pytest-xdist starts the browsers once (a module fixture runs once per worker)."""
    renders_with_script_running(browsed)
    hash_filters(browsed)
    screenshot_is_a_png(browsed)


def renders_with_script_running(browsed):
    everything = view(browsed, "all")
    assert not everything.filters_hidden  # the script ran (the CSP hash lets it) and showed the filters
    assert everything.hidden == [] and len(everything.shown) == 7
    assert everything.counter == "5 of 5 findings"


def hash_filters(browsed):
    high = view(browsed, "high")
    assert sorted(high.shown) == ["C-dev", "C-tri"] and high.counter == "2 of 5 findings"
    omission = view(browsed, "omission-jak")
    assert omission.shown == ["C-omit"] and omission.counter == "1 of 5 findings"
    action = view(browsed, "needs-action")
    assert len(action.shown) == 3 and {"C-omit", "C-again"} <= set(action.shown)  # none, or review again
    assert "P-1" in action.hidden and "C-dev" in action.hidden and "C-tri" in action.hidden
    both = view(browsed, "two-severities")  # comma lists: any of the values
    assert sorted(both.shown) == ["C-dev", "C-tri"]
    label = view(browsed, "label-source")  # a source matches every finding it is one side of
    assert sorted(label.shown) == ["C-dev", "L-1"] and label.counter == "1 of 5 findings"


def screenshot_is_a_png(browsed):
    png = browsed["screenshot"]
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
