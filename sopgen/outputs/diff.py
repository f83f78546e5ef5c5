"""What changed between two versions of a handbook, field by field and step by step.

Procedures are matched by id. For a changed procedure we name every field that differs
with its old and new value; steps are aligned with difflib, so an inserted step shows
as one added step (not as every later step changed), and an edited step shows its old
and new text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from sopgen.core.cache import Store, digest, process_memo
from sopgen.core.catalogue import Catalogue, catalogue, printable
from sopgen.core.errors import SopgenError
from sopgen.core.model import Handbook, Procedure, Record, Reference, Step, Visibility, flatten
from sopgen.outputs.editions import edition_handbook
from sopgen.reading.handbook import Checked
from sopgen.reading.releases import (
    SnapshotModified,
    content_digest,
    read_release,
    released_versions,
    verify_release,
    version_key,
)

SKIPPED_FIELDS = ("id", "steps")


@dataclass(frozen=True)
class Change:
    """One field, or one step, with its old and new text ("" where it did not exist)."""

    what: str
    old: str
    new: str


@dataclass(frozen=True)
class ProcedureChange:
    id: str
    title: str
    fields: list[Change]
    steps: list[Change]

    @property
    def field_names(self) -> list[str]:
        return [c.what for c in self.fields] + (["steps"] if self.steps else [])


@dataclass(frozen=True)
class HandbookDiff:
    old_version: str
    new_version: str
    added: list[Procedure] = field(default_factory=list)
    removed: list[Procedure] = field(default_factory=list)
    changed: list[ProcedureChange] = field(default_factory=list)
    document: list[Change] = field(default_factory=list)
    roles: list[Change] = field(default_factory=list)
    glossary: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.document or self.roles
                    or self.glossary)


def compare(old: Handbook, new: Handbook) -> HandbookDiff:
    old_by_id = {p.id: p for p in old.procedures}
    new_by_id = {p.id: p for p in new.procedures}
    changed = [c for p in new.procedures if p.id in old_by_id
               for c in [compare_procedure(old_by_id[p.id], p)] if c.fields or c.steps]
    return HandbookDiff(
        old.document.version, new.document.version,
        added=[p for p in new.procedures if p.id not in old_by_id],
        removed=[p for p in old.procedures if p.id not in new_by_id],
        changed=changed,
        document=_field_changes(old.document, new.document, skip=("version",)),
        roles=_keyed_changes({r.id: r.title for r in old.roles},
                             {r.id: r.title for r in new.roles}),
        glossary=_keyed_changes({t.term: t.definition for t in old.glossary},
                                {t.term: t.definition for t in new.glossary}),
    )


def compare_procedure(old: Procedure, new: Procedure) -> ProcedureChange:
    return ProcedureChange(new.id, new.title, _field_changes(old, new, skip=SKIPPED_FIELDS),
                           list(_step_changes(old.steps, new.steps)))


def _field_changes(old: object, new: object, skip: tuple[str, ...]) -> list[Change]:
    changes = []
    for f in dataclasses.fields(old):  # type: ignore[arg-type]
        before, after = getattr(old, f.name), getattr(new, f.name)
        if f.name not in skip and before != after:
            changes.append(Change(f.name, as_text(before), as_text(after)))
    return changes


def _keyed_changes(old: dict[str, str], new: dict[str, str]) -> list[Change]:
    keys = list(old) + [key for key in new if key not in old]
    return [Change(key, old.get(key, ""), new.get(key, "")) for key in keys
            if old.get(key) != new.get(key)]


def _step_changes(old_steps: list[Step], new_steps: list[Step]) -> Iterator[Change]:
    old, new = flatten(old_steps), flatten(new_steps)
    matcher = difflib.SequenceMatcher(a=[_step_text(s) for _, s in old],
                                      b=[_step_text(s) for _, s in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = max(i2 - i1, j2 - j1)
        for k in range(pairs):
            before = old[i1 + k] if i1 + k < i2 else None
            after = new[j1 + k] if j1 + k < j2 else None
            number = (after or before)[0]  # type: ignore[index]
            yield Change(number, _step_text(before[1]) if before else "",
                         _step_text(after[1]) if after else "")


def _step_text(step: Step) -> str:
    parts = [step.text.strip()]
    parts += [f"[{label}: {value}]" for label, value in
              (("role", step.role), *step.callouts()) if value]
    parts += [f"[verify: {check}]" for check in step.verify]
    parts += [f"[decision: {row.when} → {row.then}{' → ' + row.goto if row.goto else ''}]"
              for row in step.decision]
    return " ".join(parts)


def as_text(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(as_text(item) for item in value)
    if isinstance(value, Reference):
        return f"{value.title} <{value.url}>"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Record) and value == Record(name=value.name):
        return as_text(value.name)  # a record written as text reads as before
    if dataclasses.is_dataclass(value):
        return ", ".join(f"{f.name}={_as_value(getattr(value, f.name))}"
                         for f in dataclasses.fields(value) if getattr(value, f.name))
    return "" if value is None else str(value).strip()


def _as_value(value: object) -> str:
    """A field inside a record, as YAML writes it: [a, b] for a list, true for True."""
    if isinstance(value, list):
        return "[" + ", ".join(as_text(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return as_text(value)


# ------------------------------------------------------------------ presentation

def summary_lines(diff: HandbookDiff, words: Catalogue) -> list[str]:
    """The short list shown in a handbook's revision history."""
    lines = []
    if diff.added:
        lines.append(f"{words.label('diff_added')}: " + ", ".join(p.id for p in diff.added))
    if diff.changed:
        lines.append(f"{words.label('diff_changed')}: " + ", ".join(
            f"{c.id} ({', '.join(_field_label(n, words) for n in c.field_names)})"
            for c in diff.changed))
    if diff.removed:
        lines.append(f"{words.label('diff_removed')}: " + ", ".join(p.id for p in diff.removed))
    return lines


def _field_label(name: str, words: Catalogue) -> str:
    return words.labels.get(name, name.replace("_", " "))


def as_terminal(diff: HandbookDiff, words: Catalogue) -> str:
    title = words.label("diff_title").format(old=diff.old_version, new=diff.new_version)
    out = [title, "=" * len(title)]
    if diff.empty:
        return "\n".join([*out, words.label("diff_none")]) + "\n"
    for heading, procedures in (("diff_added", diff.added), ("diff_removed", diff.removed)):
        if procedures:
            out += ["", f"{words.label(heading)}:"]
            out += [f"  {p.id} {_one_line(p.title)}" for p in procedures]
    if diff.changed:
        out += ["", f"{words.label('diff_changed')}:"]
        for change in diff.changed:
            out.append(f"  {change.id} {_one_line(change.title)}")
            out += _change_lines(change.fields, words, "    ")
            out += _step_lines(change.steps, words, "    ")
    for heading, changes in (("document_control", diff.document), ("roles", diff.roles),
                             ("glossary", diff.glossary)):
        if changes:
            out += ["", f"{words.label(heading)}:", *_change_lines(changes, words, "  ")]
    return "\n".join(out) + "\n"


def procedure_change_lines(change: ProcedureChange, words: Catalogue,
                           indent: str) -> list[str]:
    """One changed procedure's fields and steps, as the terminal diff shows them."""
    return _change_lines(change.fields, words, indent) + \
        _step_lines(change.steps, words, indent)


def _change_lines(changes: list[Change], words: Catalogue, indent: str) -> list[str]:
    lines = []
    for change in changes:
        lines.append(f"{indent}{_field_label(change.what, words)}:")
        lines.append(f"{indent}  - {_one_line(change.old) or '—'}")
        lines.append(f"{indent}  + {_one_line(change.new) or '—'}")
    return lines


def _step_lines(changes: list[Change], words: Catalogue, indent: str) -> list[str]:
    lines = []
    for change in changes:
        lines.append(f"{indent}{words.label('step')} {change.what}:")
        if change.old:
            lines.append(f"{indent}  - {_one_line(change.old)}")
        if change.new:
            lines.append(f"{indent}  + {_one_line(change.new)}")
    return lines


def _one_line(text: str) -> str:
    """A value on one terminal line, whatever line breaks the YAML had, and with control
    characters made visible: content must not drive the user's terminal."""
    return printable(" ".join(text.split()))


def as_markdown(diff: HandbookDiff, words: Catalogue) -> str:
    """The terminal text recast as Markdown, with user text escaped."""
    from sopgen.rendering.render import escape_markdown

    title = words.label("diff_title").format(old=diff.old_version, new=diff.new_version)
    out = [f"# {title}", ""]
    if diff.empty:
        return "\n".join([*out, words.label("diff_none")]) + "\n"
    for heading, procedures in (("diff_added", diff.added), ("diff_removed", diff.removed)):
        if procedures:
            out += [f"## {words.label(heading)}", ""]
            out += [f"- {p.id} {escape_markdown(p.title)}" for p in procedures] + [""]
    if diff.changed:
        out += [f"## {words.label('diff_changed')}", ""]
        for change in diff.changed:
            out += [f"### {change.id} {escape_markdown(change.title)}", ""]
            for item in [*change.fields, *change.steps]:
                label = (f"{words.label('step')} {item.what}" if item in change.steps
                         else _field_label(item.what, words))
                out.append(f"- **{label}**: ~~{escape_markdown(item.old) or '—'}~~ → "
                           f"{escape_markdown(item.new) or '—'}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def as_html(diff: HandbookDiff, words: Catalogue) -> str:
    """A small standalone page: the Markdown report rendered with raw HTML off."""
    from markdown_it import MarkdownIt
    from markupsafe import escape

    body = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").render(
        as_markdown(diff, words))
    title = escape(words.label("diff_title").format(old=diff.old_version, new=diff.new_version))
    return (f'<!DOCTYPE html>\n<html lang="{words.code}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n</head>\n<body>\n{body}</body>\n</html>\n")


def revision_changes(checked: Checked, cache: Store | None = None,
                     edition: Visibility | None = None) -> dict[str, list[str]]:
    """For each revision-history entry, the computed list of what changed since the
    version before it — where both versions can still be read (snapshots or content);
    in an edition, only what that edition holds.

    Each list is kept in ``cache`` under the hash of both versions' snapshot bytes (or of
    the content, for the current version) and the edition, so a build reads old snapshots
    only when the lists were never made for these exact versions. Every snapshot used is
    checked against its recorded digests first, cached or not.
    """
    current = checked.handbook.document.version
    releases = checked.project.releases
    known = set(released_versions(releases))
    versions = sorted({r.version for r in checked.handbook.revisions}, key=version_key)
    language = checked.handbook.document.language
    words = catalogue(language)
    store = cache or Store(None)
    changes: dict[str, list[str]] = {}
    for previous, version in itertools.pairwise(versions):
        if previous not in known or (version not in known and version != current):
            continue
        verify_release(checked.project, previous)
        if version != current:
            verify_release(checked.project, version)
        after = (content_digest(checked.raw) if version == current
                 else digest((releases / f"{version}.yaml").read_bytes()))
        key = digest("revision", language, edition or "", (releases / f"{previous}.yaml")
                     .read_bytes(), after)
        lines = store.get("revisions", key)
        if lines is None:
            lines = _summary(checked, previous, version, words, edition)
            store.put("revisions", key, lines)
        if lines is not False:
            changes[version] = lines
    return changes


def _summary(checked: Checked, previous: str, version: str, words: Catalogue,
             edition: Visibility | None = None) -> list[str] | bool:
    """What changed from ``previous`` to ``version`` (in an edition: only what it holds);
    False if one no longer reads."""
    current = version == checked.handbook.document.version
    try:
        before = _released(checked, previous)
        after = checked.handbook if current else _released(checked, version)
    except SnapshotModified:  # a hand-edited release is refused everywhere
        raise
    except SopgenError:  # an old snapshot that no longer reads: no list, not a failure
        return False
    return summary_lines(compare(edition_handbook(before, edition),
                                 edition_handbook(after, edition)), words)


_RELEASED: dict[str, Handbook] = process_memo()  # by snapshot bytes: read once per process


def _released(checked: Checked, version: str) -> Handbook:
    key = digest(str(checked.project.root), (checked.project.releases /
                                             f"{version}.yaml").read_bytes())
    if key not in _RELEASED:
        if len(_RELEASED) >= 8:
            _RELEASED.clear()
        _RELEASED[key] = read_release(checked.project.root, version).handbook
    return _RELEASED[key]
