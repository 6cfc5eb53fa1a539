"""Plain text and HTML: questions lists, typed notes, portal pages saved from a browser."""

from __future__ import annotations

from html.parser import HTMLParser

from intake.extractor_versions import VERSIONS
from intake.extractors.base import Extractor
from intake.model import Document, Source
from intake.sniff import HTML, TEXT

MAX_TEXT_BYTES = 20 * 1024 * 1024


class TextExtractor(Extractor):
    """Decode a text file (UTF-8, UTF-16 with BOM, or Windows-1252); HTML as its visible text."""

    name = "text"
    version = VERSIONS["text"]
    priority = 5.0
    media_types = frozenset({TEXT, HTML})
    max_bytes = MAX_TEXT_BYTES

    def extract(self, source: Source) -> list[Document]:
        text = decode_text(source.read_head(MAX_TEXT_BYTES))
        if source.media_type == HTML:
            text = html_text(text)
        return [Document.for_source(source, pages=1, text=text)]


def decode_text(data: bytes) -> str:
    """Text from bytes: BOM-marked UTF-16/UTF-8 first, then UTF-8, then Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_HTML_BLOCKS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "title"}
)
_HTML_HIDDEN = frozenset({"script", "style", "head", "template", "noscript"})


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HTML_HIDDEN and tag != "head":
            self.hidden += 1
        elif tag in _HTML_BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("   ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_HIDDEN and tag != "head":
            self.hidden = max(0, self.hidden - 1)
        elif tag in _HTML_BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The text a browser would show (no scripts or styles), one block per line."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
