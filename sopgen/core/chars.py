"""Characters content may not publish, and how messages name them.

Two classes, both invisible on the page:

- *refused*: control characters (C0 other than tab and line breaks, DEL, C1), the
  bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
  lone surrogates. They can make a text read differently from what it says (a
  right-to-left override turns "do not delete" around), or break a reader, so a text
  that holds one is an error.
- *invisible*: zero-width and other format characters (U+200B zero width space, U+2060
  word joiner, U+FEFF, soft hyphen, tag characters …). They change meaning where text
  is compared (ids, addresses, role names: an error there) and are removed with a
  warning from other texts.

Messages show such a character by code point and Unicode name, never as a Python escape.
"""

from __future__ import annotations

import re
import unicodedata

REFUSED_CLASS = ("\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
                 "\u202a-\u202e\u2066-\u2069\ud800-\udfff")
INVISIBLE_CLASS = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                   "\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
                   "\U0001d173-\U0001d17a\U000e0000-\U000e007f")
REFUSED = re.compile(f"[{REFUSED_CLASS}]")
INVISIBLE = re.compile(f"[{INVISIBLE_CLASS}]")
SUSPECT = re.compile(f"[{REFUSED_CLASS}{INVISIBLE_CLASS}]")
# Markdown character references (&#8238; &#x202E; &zwnj;): the renderer decodes them.
CHARACTER_REFERENCE = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Controls have no Unicode name, only aliases; these are the ones people meet.
_CONTROL_NAMES = dict(enumerate([
    "NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION",
    "ENQUIRY", "ACKNOWLEDGE", "BELL", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED",
    "LINE TABULATION", "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN",
    "DATA LINK ESCAPE", "DEVICE CONTROL ONE", "DEVICE CONTROL TWO", "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE", "SYNCHRONOUS IDLE",
    "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
    "INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE", "INFORMATION SEPARATOR TWO",
    "INFORMATION SEPARATOR ONE",
]))
_CONTROL_NAMES[0x7F] = "DELETE"
_CONTROL_NAMES[0x85] = "NEXT LINE"


def char_name(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: the code point and its Unicode name."""
    code = ord(char)
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(code, "")
    if not name:
        name = "CONTROL CHARACTER" if unicodedata.category(char) == "Cc" else "UNNAMED"
    return f"U+{code:04X} {name}"


def shown(text: str) -> str:
    """``text`` for a message: any character one cannot see is named in brackets."""
    if text.isprintable() and not INVISIBLE.search(text):
        return text
    return "".join(_shown_char(char) for char in text)


def _shown_char(char: str) -> str:
    if char in "\n\t\r":
        return char.encode("unicode_escape").decode("ascii")
    if char.isprintable() and not INVISIBLE.match(char):
        return char
    return f"⟨{char_name(char)}⟩"


def decoded_reference(reference: str) -> str:
    """The character(s) a Markdown character reference stands for: by number as written
    (``&#x80;`` is U+0080 whatever a browser would guess), by name as HTML defines it."""
    import html

    body = reference[1:-1]
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
    return html.unescape(reference)
