"""The text of a file a person hands in as a new source: UTF-8 with LF line ends, HTML reduced to its words.

A source text is what every quote is checked against, so it must be text a
person can read and quote: plain text and Markdown are kept as they are (only
the encoding and line ends are normalised; a file that is already UTF-8 with
LF line ends is kept byte for byte), HTML is reduced to its visible text with
the standard library's html.parser (script, style and the like dropped, block
elements and <br> as line breaks, table cells separated by " | "). Anything
binary (a NUL byte, mostly control characters) or larger than the loader's
limit is refused: the file is untrusted input.

Pure standard library; no engine import beyond engine.safefile.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from engine.safefile import MAX_BYTES

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MARKDOWN_SUFFIXES = (".md", ".markdown")

# Elements whose content is never visible text.
_DROPPED = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas", "head"})
# Elements that start and end a line of their own.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead",
        "tfoot", "tr", "ul", "title", "body", "html", "option", "legend",
    }
)  # fmt: skip
_LINES = frozenset({"li", "tr", "dt", "dd", "option", "tbody", "thead", "tfoot"})  # a line each, no empty line between
_CELLS = frozenset({"td", "th"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\f\v\r\n\u00a0]+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


class NotText(ValueError):
    """The file is not usable as a source text; the message says why, without quoting its content."""


@dataclass(frozen=True)
class Extracted:
    """The normalised text, what it came from, and whether it differs from the original bytes."""

    text: str
    format: str  # text, markdown or html
    encoding: str  # the original's encoding (utf-8 when it was UTF-8)
    original_sha256: str
    unchanged: bool  # the text's UTF-8 bytes are the original's, byte for byte

    def extracted_from(self) -> dict[str, str] | None:
        """The source block's `extracted_from`: None when the text is the original file byte for byte."""
        if self.unchanged:
            return None
        out = {"format": self.format, "sha256": self.original_sha256}
        if self.encoding != "utf-8":
            out["encoding"] = self.encoding
        return out


def guess_format(name: str, data: bytes) -> str:
    """html, markdown or text: by the file's suffix, else by an HTML document's first tag."""
    lowered = name.lower()
    if lowered.endswith(HTML_SUFFIXES):
        return "html"
    if lowered.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def decode(data: bytes, fmt: str, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding): UTF-8 (a BOM dropped), UTF-16/32 by their BOM, an HTML meta charset, or `encoding`."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise NotText(f"unknown encoding {encoding!r}") from None
        try:
            return data.decode(encoding), codecs.lookup(encoding).name
        except UnicodeDecodeError as exc:
            raise NotText(f"not {encoding} text (byte {exc.start:,} cannot be decoded)") from None
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise NotText(
                    f"not {name} text although it starts with its byte-order mark (byte {exc.start:,})"
                ) from None
    if b"\x00" in data:
        raise NotText("a binary file (it holds NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        declared = _META_CHARSET.search(data[:4096]) if fmt == "html" else None
        if declared is not None:
            name = declared.group(1).decode("ascii")
            try:
                return data.decode(name), codecs.lookup(name).name
            except (LookupError, UnicodeDecodeError):
                pass
        raise NotText(
            f"not UTF-8 text (byte {exc.start:,} is not valid UTF-8); give its encoding with --encoding, "
            "or convert it to UTF-8 first"
        ) from None


class _TextParser(HTMLParser):
    """Visible text of an HTML document, one line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.dropped = 0  # depth inside elements whose text is never shown
        self.pre = 0
        self.cell = False
        self.title = ""
        self._in_title = False

    def _break(self, blank: bool = True) -> None:
        """End the current line; `blank` also leaves an empty line before the next (between paragraphs)."""
        line = "".join(self.current)
        line = line if self.pre else _SPACES.sub(" ", line).strip()
        self.current = []
        self.cell = False
        if line:
            self.lines.append(line)
        if blank and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and not self.title:
            self._in_title = True
        if tag in _DROPPED:
            self.dropped += 1
            return
        if self.dropped:
            return
        if tag == "br":
            line = "".join(self.current)
            self.lines.append(line if self.pre else _SPACES.sub(" ", line).strip())
            self.current = []
        elif tag in _BLOCKS:
            self._break(tag not in _LINES)
            if tag == "pre":
                self.pre += 1
        elif tag in _CELLS:
            if self.cell:
                self.current.append(" | ")
            self.cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _DROPPED:
            self.dropped = max(0, self.dropped - 1)
            return
        if self.dropped:
            return
        if tag in _BLOCKS:
            self._break(tag not in _LINES)
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            return
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._in_title and not self.title:
            self.title = _SPACES.sub(" ", data).strip()
        if not self.dropped:
            self.current.append(data)

    def text(self) -> str:
        self._break()
        lines = self.lines
        while lines and lines[-1] == "":
            lines.pop()
        while lines and lines[0] == "":
            lines.pop(0)
        return "\n".join(lines) + ("\n" if lines else "")


def html_text(markup: str) -> tuple[str, str]:
    """(visible text, <title>) of an HTML document; never raises on malformed markup."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return parser.text(), parser.title


def extract(data: bytes, name: str, encoding: str | None = None, max_chars: int = MAX_BYTES) -> tuple[Extracted, str]:
    """(the source text and its origin, a title found in it or ""); NotText when it cannot be a source text."""
    if not data.strip():
        raise NotText("the file is empty")
    fmt = guess_format(name, data)
    text, used = decode(data, fmt, encoding)
    text = text.lstrip("\ufeff")
    title = ""
    if fmt == "html":
        text, title = html_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = len(_CONTROL.findall(text))
    if "\x00" in text or controls > max(8, len(text) // 100):
        raise NotText(f"a binary file ({controls:,} control characters), not text")
    if not text.strip():
        raise NotText("no text left after extraction" if fmt == "html" else "the file holds only whitespace")
    if len(text.encode("utf-8")) > max_chars:
        raise NotText(f"the text is larger than the limit of {max_chars:,} bytes")
    if not title:
        first = next((line.strip() for line in text.split("\n") if line.strip()), "")
        title = first.lstrip("# ").strip()
    title = _SPACES.sub(" ", _CONTROL.sub("", title)).strip()[:200]
    unchanged = text.encode("utf-8") == data
    sha = hashlib.sha256(data).hexdigest()
    return Extracted(text, fmt, "utf-8" if used == "utf-8-sig" else used, sha, unchanged), title
