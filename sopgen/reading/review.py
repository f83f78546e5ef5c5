"""Reviewer warnings: what a careful reviewer would raise about content that is valid.

These never stop a build; ``sopgen check --strict`` turns them into errors. ``today``
is a parameter so that the same content always gives the same warnings in tests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache

from sopgen.core.catalogue import babel_stamp, catalogue, languages
from sopgen.core.model import (
    PILLARS,
    Handbook,
    Procedure,
    add_months,
    flat_steps,
    markdown_texts,
    mention_pattern,
    review_due,
    term_anchors,
)
from sopgen.core.problems import Loc, Problem
from sopgen.core.textscan import texts_with
from sopgen.reading.checkcache import NO_CHECKS, ProcedureChecks
from sopgen.reading.yamlread import located

WORD = re.compile(r"[^\W\d_]{2,}")


def reviewer_warnings(handbook: Handbook, today: dt.date, root: Loc,
                      checks: ProcedureChecks = NO_CHECKS) -> list[Problem]:
    """The warnings, in a fixed order; ``checks`` may know what each procedure's own
    warnings were for the same inputs (``checkcache``)."""
    warnings: list[Problem] = []
    warnings += _document_overdue(handbook, today, root)
    effective = handbook.document.effective_date
    cycle = handbook.document.review_cycle_months
    warnings += checks.each("review", handbook, lambda procedure: [
        *_procedure_warnings(procedure, cycle, today, effective, root),
        *_consulted_and_informed(procedure, root)], f"{cycle} {today} {effective}", str(root))
    warnings += checks.each("placeholders", handbook, lambda procedure: _placeholders(
        [(procedure, [procedure.title, *markdown_texts(procedure)])], root),
        repr((_placeholder_markers(), _review_words())), str(root))
    warnings += _starter_values(handbook, root)
    warnings += _prefix_of_another_pillar(handbook, root)
    warnings += _unused_roles(handbook, root)
    warnings += _unused_terms(handbook, root, checks)
    warnings += _missing_steps(handbook, root, checks)
    warnings += _unknown_term_links(handbook, root)
    warnings += _stale_years(handbook, root, checks)
    warnings += _retention_conflicts(handbook, root, checks)
    return warnings


def _warning(value: object, root: Loc, code: str, **params: object) -> Problem:
    return Problem(located(value, root), code, params, severity="warning")


def _document_overdue(handbook: Handbook, today: dt.date, root: Loc) -> list[Problem]:
    doc = handbook.document
    due = review_due(doc)
    if due < today:
        return [_warning(doc.id, root, "document_review_overdue", due=due.isoformat())]
    return []


def _procedure_warnings(procedure: Procedure, cycle: int, today: dt.date, effective: dt.date,
                        root: Loc) -> Iterator[Problem]:
    if procedure.last_reviewed is None:
        yield _warning(procedure.id, root, "never_reviewed", id=procedure.id)
    elif procedure.last_reviewed > today:  # a typo in the year, most often
        yield _warning(procedure.id, root, "reviewed_in_future", id=procedure.id,
                       date=procedure.last_reviewed.isoformat())
    elif add_months(procedure.last_reviewed, cycle) < effective:  # whatever day it is today
        yield _warning(procedure.id, root, "review_stale_at_effective_date",
                       id=procedure.id, date=procedure.last_reviewed.isoformat(),
                       months=cycle, effective=effective.isoformat())
    elif add_months(procedure.last_reviewed, cycle) < today:
        yield _warning(procedure.id, root, "review_overdue", id=procedure.id,
                       date=procedure.last_reviewed.isoformat(), months=cycle)
    if not procedure.accountable:
        yield _warning(procedure.id, root, "no_accountable", id=procedure.id)
    for number, step in flat_steps(procedure):
        if _fewer_than_two_words(step.text):
            yield _warning(step.text, root, "thin_step", id=procedure.id, number=number,
                           text=step.text.strip())


def _fewer_than_two_words(text: str) -> bool:
    words = WORD.finditer(text)  # two are enough to know: not every word is looked for
    return next(words, None) is None or next(words, None) is None


def _prefix_of_another_pillar(handbook: Handbook, root: Loc) -> Iterator[Problem]:
    """``KON-09`` filed under technical, when KON- is what the content pillar uses."""
    uses = Counter((p.id.split("-")[0], p.pillar) for p in handbook.procedures)
    usual: dict[str, str] = {}  # id prefix → the pillar that uses it most, if only one does
    for prefix in {prefix for prefix, _ in uses}:
        counts = sorted(((uses[prefix, pillar], pillar) for pillar in PILLARS), reverse=True)
        if counts[0][0] > counts[1][0]:
            usual[prefix] = counts[0][1]
    for procedure in handbook.procedures:
        expected = usual.get(procedure.id.split("-")[0], procedure.pillar)
        if expected != procedure.pillar:
            yield _warning(procedure.pillar, root, "prefix_of_other_pillar", id=procedure.id,
                           pillar=getattr(handbook.pillars, procedure.pillar).title,
                           usual=getattr(handbook.pillars, expected).title)


def _unused_roles(handbook: Handbook, root: Loc) -> Iterator[Problem]:
    used = {handbook.document.owner}
    for p in handbook.procedures:
        used |= {*p.responsible, p.accountable, *p.consulted, *p.informed}
        used |= {step.role for _, step in flat_steps(p)}
    for role in handbook.roles:
        if role.id not in used:
            yield _warning(role.id, root, "unused_role", id=role.id)


Prose = list[tuple[Procedure, list[str]]]


def _unused_terms(handbook: Handbook, root: Loc,
                  checks: ProcedureChecks = NO_CHECKS) -> Iterator[Problem]:
    """A glossary term that no procedure's title or Markdown holds in any spelling (as
    written, what its brackets hold, without them), ignoring case. Each procedure is
    searched on its own, so ``checks`` keeps which spellings it holds: a rebuild searches
    only the procedures edited."""
    spellings = [_spellings(term.term) for term in handbook.glossary]
    wanted = list(dict.fromkeys(spelling for group in spellings for spelling in group))
    if not wanted:
        return
    held: set[str | int] = set()
    if checks is NO_CHECKS:  # nothing kept (the preview): each looked for until found
        for procedure in handbook.procedures:
            missing = [number for number in range(len(wanted)) if number not in held]
            if not missing:
                break
            held.update(_spellings_held(procedure, wanted, missing))
    else:
        for rows in checks.rows("terms held", handbook,
                                lambda procedure: [_spellings_held(procedure, wanted)],
                                (int, ...), repr(wanted)):
            held.update(*rows)
    index = {spelling: number for number, spelling in enumerate(wanted)}
    for term, group in zip(handbook.glossary, spellings, strict=True):
        if not any(index[spelling] in held for spelling in group):
            yield _warning(term.term, root, "unused_term", term=term.term)


def _spellings(term: str) -> list[str]:
    """A term's spellings, folded, each once: most terms without brackets are their own
    bracket-less form."""
    variants = [term, *re.findall(r"\(([^)]+)\)", term), re.sub(r"\s*\([^)]*\)", "", term)]
    return list(dict.fromkeys(v.strip().casefold() for v in variants if v.strip()))


def _spellings_held(procedure: Procedure, wanted: list[str],
                    among: list[int] | None = None) -> list[str | int]:
    """The numbers of the ``wanted`` spellings (those numbered ``among``, or all) the
    procedure's texts hold."""
    # text by text: ASCII text folds as it lowers, and lower() has a fast path for it
    text = " ".join(text.lower() if text.isascii() else text.casefold()
                    for text in [procedure.title, *markdown_texts(procedure)])
    numbers = range(len(wanted)) if among is None else among
    return [number for number in numbers if wanted[number] in text]


# The organisation as `sopgen init` writes it (tests/test_authoring.py keeps this in step).
STARTER_VALUES = {"Nama Organisasi Anda", "Your Organisation", "Kota, Indonesia",
                  "https://www.contoh.or.id"}


def _starter_values(handbook: Handbook, root: Loc) -> Iterator[Problem]:
    org = handbook.document.organisation
    for value in (org.name, org.address, org.website):
        if value in STARTER_VALUES:
            yield _warning(value, root, "starter_value", text=value)


def _placeholders(prose: Prose, root: Loc) -> Iterator[Problem]:
    """Text still starting with the "FILL IN:" marker that ``sopgen new`` writes, and
    paragraphs starting with the "REVIEW:" marker ``sopgen import`` puts on what it
    could not place."""
    markers = _placeholder_markers()
    review = _review_marker()
    review_words = _review_words()
    for procedure, texts in prose:
        for text in texts:
            if text.strip().startswith(markers):
                yield _warning(text, root, "placeholder", id=procedure.id, text=text.strip())
            if not any(word in text for word in review_words):
                continue  # the marker is written as is: a text without it has no match
            for found in review.finditer(text):
                yield _warning(text, root, "imported_review", id=procedure.id,
                               text=_shortened(found.group(1)))


def _placeholder_markers() -> tuple[str, ...]:
    return tuple(catalogue(code).fields["placeholder"] for code in languages())


@cache
def _review_marker() -> re.Pattern[str]:
    markers = "|".join(re.escape(word) for word in _review_words())
    return re.compile(rf"^[ \t]*(?:{markers})[ \t]*(.*)$", re.MULTILINE)


@cache
def _review_words() -> tuple[str, ...]:
    return tuple(catalogue(code).fields["review"] for code in languages())


def _shortened(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# ------------------------------------------------- consistency of the text (issue: review 2.0.0)

def _consulted_and_informed(procedure: Procedure, root: Loc) -> Iterator[Problem]:
    """A RACI cell holds one letter: whoever is consulted is told of the result anyway."""
    consulted = set(procedure.consulted)
    for role in procedure.informed:
        if role in consulted:
            yield _warning(role, root, "consulted_and_informed", id=procedure.id, role=role)


def _step_words() -> str:
    """"step", "langkah" …: the word for a step in every catalogue, for "see step 4"."""
    return "|".join(sorted(map(re.escape, _step_word_set()), key=len, reverse=True))


def _step_word_set() -> set[str]:
    return {catalogue(code).labels[key].casefold() for code in languages()
            for key in ("step", "steps")}


@cache
def _step_word_then_number() -> re.Pattern[str]:
    """What every mention of a step holds, found faster than the whole mention."""
    return re.compile(rf"\b(?:{_step_words()})\s+\d", re.IGNORECASE)


@cache
def _ascii_step_words() -> tuple[str, ...]:
    """The step words if all are ASCII, else none: in ASCII text, matching them ignoring
    case is finding them in the lower-cased text (no Unicode case pairs can occur)."""
    words = tuple(word.lower() for word in _step_word_set())
    return words if all(word.isascii() for word in words) else ()


def _may_name_a_step(text: str) -> bool:
    """False only for a text that no step mention can match: most texts, skipped fast."""
    words = _ascii_step_words()
    if words and text.isascii():
        lowered = text.lower()
        for word in words:
            if word in lowered:
                break
        else:
            return False
    return _step_word_then_number().search(text) is not None


STEP_NUMBER = r"(\d+(?:\.\d+)*)(?:\s*[–-]\s*(\d+(?:\.\d+)*))?\b"


def _missing_steps(handbook: Handbook, root: Loc,
                   checks: ProcedureChecks = NO_CHECKS) -> list[Problem]:
    """"langkah 9" in TEK-02, or "TEK-18 langkah 4", where that step does not exist."""
    ids = mention_pattern({p.id for p in handbook.procedures})
    named = ids.pattern + r"(?:,)?\s+" if ids else "(?!)"
    mention = re.compile(rf"(?:({named}))?\b(?:{_step_words()})\s+{STEP_NUMBER}",
                         re.IGNORECASE)
    numbers = {p.id: {n for n, _ in flat_steps(p)} for p in handbook.procedures}

    def missing(procedure: Procedure) -> Iterator[Problem]:
        for text in markdown_texts(procedure):
            if not _may_name_a_step(text):
                continue
            for match in mention.finditer(text):
                target = (match.group(1) or procedure.id).rstrip(", ").strip()
                for number in filter(None, match.group(2, 3)):
                    if target in numbers and number not in numbers[target]:
                        yield _warning(text, root, "unknown_step", id=procedure.id,
                                       target=target, number=number,
                                       count=len(handbook.procedure(target).steps))

    return checks.each("missing steps", handbook, missing, mention.pattern, str(root))


TERM_LINK = re.compile(r"\]\((#term-[a-z0-9-]*)\)")


def _unknown_term_links(handbook: Handbook, root: Loc) -> Iterator[Problem]:
    """A link to a glossary entry (``[RPO](#term-rpo-recovery-point-objective)``) that
    does not exist, say because the term was renamed."""
    known = {"#" + ident for ident in term_anchors(handbook.glossary)}
    for text in texts_with(handbook, "](#term-"):  # most texts: none, nor the pattern
        for match in TERM_LINK.finditer(text):
            if match.group(1) not in known:
                yield _warning(text, root, "unknown_term_link", anchor=match.group(1),
                               suggestion=_closest(match.group(1), sorted(known)))


def _closest(word: str, choices: list[str]) -> str:
    import difflib

    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else "—"


YEAR = re.compile(r"(?<![\w.,:/])(199\d|20\d\d)(?!\w|[.,]\d|-\d)")


@cache
def _dated_before() -> re.Pattern[str]:
    """What makes a year part of a date or a citation, just before it: "17 Mei ",
    "Januari–Mei ", "Tahun " (UU No. 27 Tahun 2022), "of " (Law No. 27 of 2022)."""
    from babel.dates import get_month_names

    months: set[str] = set()
    for code in languages():
        locale = catalogue(code).meta["babel_locale"]
        for width in ("wide", "abbreviated"):
            months |= {m.rstrip(".") for m in get_month_names(width, locale=locale).values()}
    words = "|".join(sorted(map(re.escape, months | {"Tahun", "tahun", "of"})))
    return re.compile(rf"\b(?:{words})\.?\s+$")


def _dated_before_made_of() -> str:
    """What ``_dated_before`` is made from (babel's month names of each catalogue's
    locale): the key of kept results, without loading those names and compiling them (nor
    babel itself: which babel it is is known from its files)."""
    return repr([babel_stamp(), *((code, catalogue(code).meta["babel_locale"])
                                  for code in languages())])


def _stale_years(handbook: Handbook, root: Loc,
                 checks: ProcedureChecks = NO_CHECKS) -> list[Problem]:
    """A bare year older than the year before the effective date: "biaya tahun 2025" or
    ``inventaris-2025.csv`` in a 2027 edition. Dates ("17 Oktober 2024", "Mei 2013") and
    citations ("UU No. 27 Tahun 2022", "27/2022") are history, not stale; the revision
    history and reference titles are not read."""
    effective = handbook.document.effective_date
    texts = [handbook.document.summary, *markdown_texts(handbook.pillars)]
    for part in (*handbook.roles, *handbook.glossary):
        texts += markdown_texts(part)
    found = list(_stale_in(texts, effective, root))
    return found + checks.each("stale years", handbook, lambda procedure: _stale_in(
        [procedure.title, *markdown_texts(procedure)], effective, root),
        effective.isoformat(), _dated_before_made_of(), str(root))


def _stale_in(texts: list[str], effective: dt.date, root: Loc) -> Iterator[Problem]:
    oldest = effective.year - 1
    for text in filter(None, texts):
        if "20" not in text and "199" not in text:
            continue  # no year YEAR could match
        for match in YEAR.finditer(text):
            year = int(match.group())
            if year < oldest and not _dated_before().search(text[:match.start()]):
                yield _warning(text, root, "stale_year", year=year, oldest=oldest,
                               effective=effective.isoformat(),
                               context=_around(text, match.start(), match.end()))


def _around(text: str, start: int, end: int, width: int = 30) -> str:
    """The year with some words either side, on one line."""
    return "…" + " ".join(text[max(0, start - width):end + width].split()) + "…"


DURATION = re.compile(r"(\d+)\s*(hari|minggu|bulan|tahun|days?|weeks?|months?|years?)\b",
                      re.IGNORECASE)
RETENTION_HEADERS = {"retensi", "retention", "kept for", "disimpan", "lama penyimpanan"}
NAME_END = re.compile(r",|;|:|\(|\s(?:di|in|at|disimpan|dihapus|kept|stored|deleted)\s",
                      re.IGNORECASE)


def _retention_conflicts(handbook: Handbook, root: Loc,
                         checks: ProcedureChecks = NO_CHECKS) -> Iterator[Problem]:
    """The same record kept for different periods in two places. A retention is read
    where the model gives it a shape: a record's ``retention``; an item of ``records``
    written as text ("Log X, disimpan 5 tahun"; each clause after ';' on its own), and a
    row of a Markdown table whose column is headed Retensi / Retention / Kept for. The
    record's name is a structured record's name, else the text before the first comma,
    colon, bracket or "di"/"disimpan"; names are compared ignoring case, spacing and
    Markdown emphasis, periods by length (12 bulan = 1 tahun). Retentions written in
    running prose are not read. What each procedure holds is kept by ``checks``."""
    first: dict[str, tuple[str, str, Loc]] = {}  # name → (periods, procedure, where)
    held = checks.rows("retentions", handbook, lambda procedure: [
        [name, periods, *located(text, root)] for name, periods, text
        in _retentions(procedure)], (str, str, str, int, int), str(root))
    for procedure, rows in zip(handbook.procedures, held, strict=True):
        for name, periods, file, line, col in map(_retention_row, rows):
            where = Loc(file, line, col)
            if name not in first:
                first[name] = (periods, procedure.id, where)
            elif period_key(first[name][0]) != period_key(periods):
                other_where = first[name][2]
                yield Problem(where, "record_retention_conflict", {
                    "record": name, "periods": periods, "other": first[name][0],
                    "id": procedure.id, "other_id": first[name][1],
                    "other_where": f"{other_where.file}:{other_where.line}"}, "warning")


def _retention_row(row: list[str | int]) -> tuple[str, str, str, int, int]:
    name, periods, file, line, col = row
    return str(name), str(periods), str(file), int(line), int(col)


def period_key(periods: str) -> tuple[object, ...]:
    """A retention as a comparable value: each period in days or months (a week is 7
    days, a year 12 months); "permanen" and "permanent" are the same."""
    lengths = []
    for count, unit in DURATION.findall(periods):
        folded = unit.casefold()
        if folded.startswith(("tahun", "year")):
            lengths.append((int(count) * 12, "month"))
        elif folded.startswith(("minggu", "week")):
            lengths.append((int(count) * 7, "day"))
        else:
            lengths.append((int(count), "month" if folded.startswith(("bulan", "month"))
                            else "day"))
    forever = periods.strip().casefold() in ("permanen", "permanent")
    return (*sorted(lengths), forever)


def _retentions(procedure: Procedure) -> Iterator[tuple[str, str, str]]:
    for record in procedure.records:
        if record.retention:
            yield _plain_name(record.name), record.retention, record.retention
            continue
        for clause in record.name.split(";"):
            yield from _named_periods(clause, clause, record.name)
    for text in markdown_texts(procedure):
        if "|" not in text:
            continue  # not a table
        for name, cell in _retention_rows(text):
            yield from _named_periods(name, cell, text)


def _plain_name(text: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", text).casefold().split())


def _named_periods(name_text: str, period_text: str, text: str) -> Iterator[tuple[str, str, str]]:
    periods = ", ".join(sorted({f"{n} {unit.casefold()}" for n, unit
                                in DURATION.findall(period_text)}))
    name = _record_name(name_text)
    if periods and name:
        yield name, periods, text


def _record_name(text: str) -> str:
    words = re.sub(r"[*_`]", "", text).strip()
    return " ".join(NAME_END.split(words, maxsplit=1)[0].casefold().split())


def _retention_rows(text: str) -> Iterator[tuple[str, str]]:
    column = None
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if "|" in line else []
        if not cells:
            column = None
        elif column is None:
            names = [re.sub(r"[*_]", "", c).casefold() for c in cells]
            column = next((i for i, c in enumerate(names) if c in RETENTION_HEADERS), None)
        elif column < len(cells) and not set(cells[0]) <= set("-: "):
            yield cells[0], cells[column]
