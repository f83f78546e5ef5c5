"""The RACI matrix: who is Responsible, Accountable, Consulted and Informed, per procedure.

The matrix is derived only from the procedure fields ``responsible``, ``accountable``,
``consulted`` and ``informed``, so it can never disagree with the procedures. It is a
section of every handbook format (through the ``raci`` template filter) and a CSV file
that Excel and LibreOffice open directly.
"""

from __future__ import annotations

import csv
import io

from .labels import Catalogue
from .model import PILLARS, Handbook, Procedure

KINDS = ("r", "a", "c", "i")  # label keys raci_r … raci_i, in the order a cell lists them
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula


def by_pillar(handbook: Handbook) -> list[Procedure]:
    """Procedures in the order the handbook prints them: pillar by pillar."""
    return [p for pillar in PILLARS for p in handbook.procedures_in(pillar)]


def kinds(procedure: Procedure, role_id: str) -> list[str]:
    """The parts ``role_id`` plays in ``procedure``, as keys of ``KINDS``."""
    found = {
        "r": role_id in procedure.responsible,
        "a": procedure.accountable == role_id,
        "c": role_id in procedure.consulted,
        "i": role_id in procedure.informed,
    }
    return [kind for kind in KINDS if found[kind]]


def cell(procedure: Procedure, role_id: str, words: Catalogue) -> str:
    """One cell as printed, e.g. "R/A"; empty when the role has no part."""
    return "/".join(words.label(f"raci_{kind}") for kind in kinds(procedure, role_id))


def rows(handbook: Handbook, words: Catalogue) -> list[list[str]]:
    """Header and one row per procedure: id, title, then a cell per role."""
    header = [words.label("procedure"), words.label("title"),
              *(role.title for role in handbook.roles)]
    body = [[p.id, p.title, *(cell(p, role.id, words) for role in handbook.roles)]
            for p in by_pillar(handbook)]
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
