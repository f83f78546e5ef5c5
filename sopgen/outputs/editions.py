"""Editions: the handbook as one audience may read it — public, internal or restricted.

Every procedure (and any step) is visible to an audience: its own ``visibility`` mark,
or the document's classification. An edition keeps what its audience may read and leaves
out the rest without a trace: links to a procedure left out are dropped from ``related``,
and a mention of one in any text stays plain text, because the renderer links only the
procedures the handbook holds.
"""

from __future__ import annotations

import dataclasses

from sopgen.core.model import (
    VISIBILITIES,
    Handbook,
    Procedure,
    Step,
    Visibility,
    default_visibility,
    in_pillar_order,
    readable,
    visibility_of,
)
from sopgen.core.problems import Loc, Problem


def edition_handbook(handbook: Handbook, edition: Visibility | None) -> Handbook:
    """``handbook`` as the audience of ``edition`` may read it (``None``: all of it)."""
    if edition is None:
        return handbook
    doc = handbook.document
    kept = [p for p in handbook.procedures if readable(visibility_of(p, doc), edition)]
    ids = {p.id for p in kept}
    procedures = [_readable_procedure(p, visibility_of(p, doc), edition, ids) for p in kept]
    return dataclasses.replace(handbook, procedures=procedures)


def _readable_procedure(procedure: Procedure, own: Visibility, edition: Visibility,
                        ids: set[str]) -> Procedure:
    return dataclasses.replace(procedure, steps=_readable_steps(procedure.steps, own, edition),
                               related=[r for r in procedure.related if r in ids])


def _readable_steps(steps: list[Step], inherited: Visibility, edition: Visibility) -> list[Step]:
    kept = []
    for step in steps:
        own = step.visibility or inherited
        if readable(own, edition):
            kept.append(dataclasses.replace(
                step, substeps=_readable_steps(step.substeps, own, edition)))
    return kept


def left_out(handbook: Handbook, edition: Visibility) -> list[Procedure]:
    """The procedures an edition leaves out, in print order."""
    doc = handbook.document
    return [p for p in in_pillar_order(handbook) if not readable(visibility_of(p, doc), edition)]


def edition_contents(handbook: Handbook) -> dict[Visibility, list[str]]:
    """For each edition, the ids of the procedures it holds, in print order."""
    doc = handbook.document
    ordered = in_pillar_order(handbook)
    return {edition: [p.id for p in ordered if readable(visibility_of(p, doc), edition)]
            for edition in VISIBILITIES}


def classified_above(handbook: Handbook, edition: Visibility, where: Loc) -> list[Problem]:
    """A refusal when the document itself is classified for a narrower audience than
    ``edition``'s: its classification is the owner's word on who may read it at all."""
    doc = handbook.document
    if readable(default_visibility(doc), edition):
        return []
    return [Problem(where, "edition_classified", {
        "version": doc.version, "classification": doc.classification, "edition": edition,
        "needed": default_visibility(doc)})]
