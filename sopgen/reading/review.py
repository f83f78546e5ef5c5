"""Reviewer warnings: what a careful reviewer would raise about content that is valid.

These never stop a build; ``sopgen check --strict`` turns them into errors. ``today``
is a parameter so that the same content always gives the same warnings in tests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

from sopgen.core.catalogue import catalogue, languages
from sopgen.core.model import (
    PILLARS,
    Handbook,
    Procedure,
    add_months,
    flatten,
    markdown_texts,
    review_due,
)
from sopgen.core.problems import Loc, Problem
from sopgen.reading.yamlread import located

WORD = re.compile(r"[^\W\d_]{2,}")


def reviewer_warnings(handbook: Handbook, today: dt.date, root: Loc) -> list[Problem]:
    warnings: list[Problem] = []
    warnings += _document_overdue(handbook, today, root)
    for procedure in handbook.procedures:
        warnings += _procedure_warnings(procedure, handbook.document.review_cycle_months,
                                        today, root)
    prose = [(p, [p.title, *markdown_texts(p)]) for p in handbook.procedures]  # walked once
    warnings += _placeholders(prose, root)
    warnings += _starter_values(handbook, root)
    warnings += _prefix_of_another_pillar(handbook, root)
    warnings += _unused_roles(handbook, root)
    warnings += _unused_terms(handbook, prose, root)
    return warnings


def _warning(value: object, root: Loc, code: str, **params: object) -> Problem:
    return Problem(located(value, root), code, params, severity="warning")


def _document_overdue(handbook: Handbook, today: dt.date, root: Loc) -> list[Problem]:
    doc = handbook.document
    due = review_due(doc)
    if due < today:
        return [_warning(doc.id, root, "document_review_overdue", due=due.isoformat())]
    return []


def _procedure_warnings(procedure: Procedure, cycle: int, today: dt.date,
                        root: Loc) -> Iterator[Problem]:
    if procedure.last_reviewed is None:
        yield _warning(procedure.id, root, "never_reviewed", id=procedure.id)
    elif procedure.last_reviewed > today:  # a typo in the year, most often
        yield _warning(procedure.id, root, "reviewed_in_future", id=procedure.id,
                       date=procedure.last_reviewed.isoformat())
    elif add_months(procedure.last_reviewed, cycle) < today:
        yield _warning(procedure.id, root, "review_overdue", id=procedure.id,
                       date=procedure.last_reviewed.isoformat(), months=cycle)
    if not procedure.accountable:
        yield _warning(procedure.id, root, "no_accountable", id=procedure.id)
    for number, step in flatten(procedure.steps):
        if len(WORD.findall(step.text)) < 2:
            yield _warning(step.text, root, "thin_step", id=procedure.id, number=number,
                           text=step.text.strip())


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
        used |= {step.role for _, step in flatten(p.steps)}
    for role in handbook.roles:
        if role.id not in used:
            yield _warning(role.id, root, "unused_role", id=role.id)


Prose = list[tuple[Procedure, list[str]]]


def _unused_terms(handbook: Handbook, prose: Prose, root: Loc) -> Iterator[Problem]:
    procedures_text = " ".join(text for _, texts in prose for text in texts).casefold()
    for term in handbook.glossary:
        variants = [term.term, *re.findall(r"\(([^)]+)\)", term.term)]
        variants += [re.sub(r"\s*\([^)]*\)", "", term.term)]
        if not any(v.strip().casefold() in procedures_text for v in variants if v.strip()):
            yield _warning(term.term, root, "unused_term", term=term.term)


# The organisation as `sopgen init` writes it (tests/test_authoring.py keeps this in step).
STARTER_VALUES = {"Nama Organisasi Anda", "Your Organisation", "Kota, Indonesia",
                  "https://www.contoh.or.id"}


def _starter_values(handbook: Handbook, root: Loc) -> Iterator[Problem]:
    org = handbook.document.organisation
    for value in (org.name, org.address, org.website):
        if value in STARTER_VALUES:
            yield _warning(value, root, "starter_value", text=value)


def _placeholders(prose: Prose, root: Loc) -> Iterator[Problem]:
    """Text still starting with the "FILL IN:" marker that ``sopgen new`` writes."""
    markers = tuple(catalogue(code).fields["placeholder"] for code in languages())
    for procedure, texts in prose:
        for text in texts:
            if text.strip().startswith(markers):
                yield _warning(text, root, "placeholder", id=procedure.id, text=text.strip())
