"""Bounded loading of the JSON and XML that records hold: size, depth and number length are
checked before any code walks the tree, so a crafted file is refused with its reason instead
of ending the run (Python's recursion limit, the 4,300-digit integer limit).

`load_json` measures the nesting depth with a linear scan of the brackets outside strings
before parsing, and parses integers through a function that refuses very long ones.
`parse_xml` parses with defusedxml (DTDs forbidden: no entities, no external resources, no
network) as a stream of start/end events, counting the depth as it goes, and returns the
standard library's Element tree that intake.cda and intake.xdm read.
"""

from __future__ import annotations

import io
import json
import re
from itertools import accumulate
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

MAX_JSON_DEPTH = 100  # FHIR resources nest about 10 deep; contained resources a few more
MAX_XML_DEPTH = 256  # libxml2's own limit; a C-CDA nests about 40 deep with its narrative
MAX_DIGITS = 1000  # an integer longer than this is no measurement
MAX_BYTES = 200 * 2**20

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # \ud800-\udfff: maybe a lone half
_SURROGATE = re.compile("[\ud800-\udfff]")
_BRACKETS_ONLY = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 for an opening, -1 for a closing


class Refused(ValueError):
    """The data is too large, too deep or malformed; the message says which, for a person."""


def json_depth(data: bytes) -> int:
    """How deep arrays and objects nest in JSON `data` (brackets inside strings not counted).

    Linear time: strings are cut out by one regular expression, the brackets left are
    summed by C code; a Python loop never runs per character."""
    brackets = _STRING.sub(b"", data).translate(_STEP, _BRACKETS_ONLY)
    return max(accumulate(memoryview(brackets).cast("b")), default=0)


def load_json(
    data: bytes | str,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    max_bytes: int = MAX_BYTES,
    max_digits: int = MAX_DIGITS,
) -> Any:
    """Parse JSON text; Refused when it is larger, deeper or holds a longer integer than
    allowed. Malformed JSON raises json.JSONDecodeError as usual (callers try NDJSON)."""
    if isinstance(data, bytes) and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16", errors="replace")  # saved by a Windows tool: UTF-16
    raw = data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise Refused(f"JSON larger than {max_bytes // 2**20} MB: not read")
    depth = json_depth(raw)
    if depth > max_depth:
        raise Refused(f"JSON nested {depth} deep (more than {max_depth}): not read")
    text = data if isinstance(data, str) else data.decode("utf-8-sig", errors="replace")
    value = json.loads(text, parse_int=_integer(max_digits))
    return _without_lone_surrogates(value) if _SURROGATE_ESCAPE.search(raw) else value


def _without_lone_surrogates(value: Any) -> Any:
    """`value` with each lone UTF-16 half (an escape like \\ud800 that JSON allows and
    UTF-8 cannot write) replaced by U+FFFD, so no output of the document fails on it;
    escaped pairs were joined into one character by the parser and are kept."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_SURROGATE.sub("\ufffd", key): _without_lone_surrogates(item)
                for key, item in value.items()}  # fmt: skip
    return value


def _integer(max_digits: int):
    def parse(text: str) -> int:
        digits = len(text.lstrip("-"))
        if digits > max_digits:
            raise Refused(f"JSON holds a number {digits} digits long (more than {max_digits})")
        return int(text)

    return parse


def parse_xml(data: bytes | BinaryIO, *, max_depth: int = MAX_XML_DEPTH) -> Element:
    """The root element of XML `data` (bytes or a binary stream).

    Refused for a DTD, entities, external references or elements nested deeper than
    `max_depth` (checked while parsing, before the tree is complete); ParseError (from the
    standard library) for XML that is not well formed."""
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    try:
        return _parse_xml(stream, max_depth)
    except ValueError as err:  # expat reads no multi-byte encoding but UTF-8 and UTF-16
        if "multi-byte encodings are not supported" not in str(err):
            raise
        stream.seek(0)
        return _parse_xml(io.BytesIO(_as_utf8(stream.read())), max_depth)


_DECLARED = re.compile(rb"""\A(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._-]+)(["'])""")


def _as_utf8(data: bytes) -> bytes:
    """XML declared in a multi-byte encoding (Shift_JIS, GB2312, Big5, EUC-KR: Japanese,
    Chinese and Korean records) as UTF-8, its declaration saying so. LookupError for an
    encoding Python does not know; undecodable bytes become U+FFFD."""
    declared = _DECLARED.match(data)
    if declared is None:
        raise ValueError("multi-byte encodings are not supported")
    text = data.decode(declared[2].decode("ascii"), errors="replace")
    return _DECLARED.sub(rb"\g<1>UTF-8\g<3>", text.encode("utf-8"), count=1)


def _parse_xml(stream: BinaryIO, max_depth: int) -> Element:
    depth = 0
    root: Element | None = None
    try:
        for event, element in SafeTree.iterparse(stream, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                if depth > max_depth:
                    raise Refused(f"XML nested more than {max_depth} deep: not read")
            else:
                depth -= 1
    except DefusedXmlException as err:
        raise Refused(f"refused unsafe XML ({type(err).__name__})") from err
    if root is None:
        raise ParseError("no element found")
    return root
