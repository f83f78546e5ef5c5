"""Role handbooks: the part of a handbook that one role needs, as a handbook of its own.

A role's procedures are those it does (responsible, or named on a step), approves
(accountable) or checks (work a vendor or system does, see ``model.checker``), and — for
a role of the organisation's own — those that apply to everyone. Being consulted or
informed does not put a procedure in the booklet: those people need to know the result,
not the steps. An automated system reads no booklet, so it has none.
"""

from __future__ import annotations

import dataclasses

from sopgen.core.catalogue import catalogue, suggest
from sopgen.core.errors import OptionError
from sopgen.core.model import (
    Document,
    Handbook,
    Procedure,
    Step,
    checker,
    flatten,
    for_everyone,
    in_pillar_order,
    outside,
)
from sopgen.core.problems import NOWHERE, Problem


def step_roles(steps: list[Step]) -> set[str]:
    """Roles named on any step or substep."""
    return {step.role for _, step in flatten(steps) if step.role}


def does_or_approves(procedure: Procedure, role_id: str) -> bool:
    return (role_id in procedure.responsible or procedure.accountable == role_id
            or role_id in step_roles(procedure.steps))


def role_procedures(handbook: Handbook, role_id: str) -> list[Procedure]:
    """The procedures ``role_id`` does, approves or checks, and (for a role of the
    organisation's own) those for everyone, in the order the handbook prints them."""
    in_house = not outside(handbook.role(role_id))
    return [p for p in in_pillar_order(handbook)
            if does_or_approves(p, role_id) or checker(p, handbook) == role_id
            or (in_house and for_everyone(p))]


def check_role(handbook: Handbook, role_id: str) -> None:
    """Refuse an unknown role, listing the known ones in the document's language."""
    known = [role.id for role in handbook.roles]
    if role_id in known:
        return
    params = suggest(role_id, known)
    params["id"] = params.pop("key")
    language = handbook.document.language
    raise OptionError("role", [Problem(NOWHERE, "no_such_role", params)], language)


def check_not_system(handbook: Handbook, role_id: str) -> None:
    """Refuse a role edition for an automated system: it reads nothing."""
    if handbook.role(role_id).kind == "system":
        problem = Problem(NOWHERE, "role_edition_system", {"id": role_id})
        raise OptionError("role", [problem], handbook.document.language)


def role_handbook(handbook: Handbook, role_id: str) -> Handbook:
    """The handbook cut down to one role: its procedures, the roles they name, the glossary.

    Roles named by the kept procedures stay (with the owner, named in document control)
    so every role link in the booklet has its target; links to procedures left out are
    dropped from ``related`` for the same reason. Roles with contacts stay too, so the
    booklet's contacts and escalation table is the whole one.
    """
    check_role(handbook, role_id)
    check_not_system(handbook, role_id)
    kept = role_procedures(handbook, role_id)
    ids = {p.id for p in kept}
    procedures = [dataclasses.replace(p, related=[r for r in p.related if r in ids])
                  for p in kept]
    named = {role_id, handbook.document.owner}
    for p in kept:
        named |= {*p.responsible, p.accountable, *p.consulted, *p.informed, *step_roles(p.steps),
                  p.checked_by}
    named.discard("")  # a procedure without an accountable role
    roles = [role for role in handbook.roles
             if role.id in named or role.contacts or role.response_time]
    return dataclasses.replace(handbook, document=_role_document(handbook, role_id),
                               roles=roles, procedures=procedures)


def _role_document(handbook: Handbook, role_id: str) -> Document:
    """Document control of the booklet: the role in its title, a note on what it holds."""
    from sopgen.rendering.render import escape_markdown

    doc = handbook.document
    words = catalogue(doc.language)
    role = handbook.role(role_id).title
    title = words.label("role_handbook_title")
    note = escape_markdown(words.label("role_handbook_note").format(
        role=role, id=doc.id, version=doc.version))
    return dataclasses.replace(
        doc, title=title.format(title=doc.title, role=role),
        short_title=title.format(title=doc.short_title or doc.title, role=role),
        summary=f"{note}\n\n{doc.summary}".strip())
