"""Text from records and file names made safe to print on a terminal.

A file name or a record can hold ESC sequences (colours, cursor moves, a changed window
title, a hidden line), carriage returns that overwrite what was printed, or bidirectional
overrides that reverse how a name reads. `shown()` writes each such character as an escape
(`\\x1b`, `\\r`, `\\u202e`) so what the terminal shows is what the text holds. A name's
byte that is not UTF-8 (held by Python as a lone surrogate) is written `\\xe9`, as the
manifest names it.
"""

from __future__ import annotations

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPES = {
    code: _NAMED.get(chr(code), f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    for code in [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *_BIDI]
} | {code: f"\\x{code - 0xDC00:02x}" for code in range(0xDC80, 0xDD00)}  # a name's non-UTF-8 byte


def shown(text: object) -> str:
    """`text` with control characters, line separators and bidirectional controls escaped."""
    return str(text).translate(_ESCAPES)


def shown_lines(text: object) -> str:
    """Like shown(), keeping line breaks (for messages of several lines)."""
    return "\n".join(shown(line) for line in str(text).split("\n"))
