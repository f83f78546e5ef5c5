"""The RACI matrix: who is Responsible, Accountable, Consulted and Informed, per procedure.

The matrix is derived only from the procedure fields ``responsible``, ``accountable``,
``consulted`` and ``informed``, so it can never disagree with the procedures. It is a
section of every handbook format (through the ``raci`` template filter) and a CSV file
that Excel and LibreOffice open directly.
"""

from __future__ import annotations

import csv
import io

from sopgen.core.catalogue import Catalogue
from sopgen.core.model import Handbook, in_pillar_order
from sopgen.rendering.render import raci_cell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula


def rows(handbook: Handbook, words: Catalogue) -> list[list[str]]:
    """Header and one row per procedure: id, title, then a cell per role."""
    header = [words.label("procedure"), words.label("title"),
              *(role.title for role in handbook.roles)]
    body = [[p.id, p.title, *(raci_cell(p, role.id, words) for role in handbook.roles)]
            for p in in_pillar_order(handbook)]
    return [header, *body]


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a quote.

    Role and procedure titles are written by content authors; without the quote a title
    such as ``=HYPERLINK(...)`` would run when the CSV is opened (CSV injection).
    """
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_bytes(handbook: Handbook, words: Catalogue) -> bytes:
    """The matrix as CSV: one header row, then a row per procedure, so a spreadsheet or
    ``pandas.read_csv`` reads it with its defaults. The document id, version and draft
    mark are in the file name, not in a caption row that would become the header.

    UTF-8 with a byte-order mark, because Excel reads a CSV without one in the
    system's legacy code page and garbles every non-ASCII title.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows(handbook, words):
        writer.writerow([spreadsheet_safe(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")
