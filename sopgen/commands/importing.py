"""``sopgen import``: an SOP that already exists in Word or Markdown, as procedure files.

Headings become procedures, numbered and nested lists steps and sub-steps, and sections
with a title sopgen knows (Tujuan/Purpose, Ruang lingkup/Scope, Pelaksana, Penanggung
jawab/Responsible, Frekuensi/Frequency, Catatan/Note, Peringatan/Warning,
Rujukan/Referensi/References … in either language) fill their fields. Nothing is
dropped: what has no field is kept in the procedure's scope as a paragraph starting with
the review marker ("TINJAU:" / "REVIEW:"), which ``sopgen check`` reports and ``release``
refuses until a person moves or accepts the text and deletes the marker. A file is
written for each procedure with the next free id; an existing file is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sopgen.commands.scaffold import PREFIXES, _folder_for, _next_id, schema_comment
from sopgen.core.catalogue import catalogue
from sopgen.core.errors import SopgenError
from sopgen.core.model import CALLOUT_KINDS, PILLARS, PROCEDURE_ID, Pillar
from sopgen.core.problems import Loc
from sopgen.reading.load import Project, load_project
from sopgen.reading.validate import language_of
from sopgen.reading.wordmap import Draft, Known, Mapper, first_at
from sopgen.reading.wordread import Block, read_source
from sopgen.reading.yamlread import LMap


@dataclass
class ImportResult:
    """What ``import`` wrote, and what a person should look at."""

    language: str
    written: list[Path] = field(default_factory=list)
    mapped: list[str] = field(default_factory=list)  # a line per procedure and role
    review: list[str] = field(default_factory=list)  # a line per unmapped part


def import_file(source: Path | str, folder: Path | str = ".", *,
                pillar: str | None = None) -> ImportResult:
    """Read ``source`` (.docx or .md) into new procedure files of the project."""
    project = Project.at(folder)
    raw, _ = load_project(project)  # tolerant, as ``sopgen new``: a mistake elsewhere is fine
    language = language_of(raw)
    path = Path(source)
    if not path.is_file():
        raise SopgenError.of("unreadable", Loc(str(path)), language, detail=str(path))
    read = read_source(path, path.name)
    words = catalogue(language)
    known = Known.of(raw, language)
    mapper = Mapper(read.blocks, known, words, pillar or "")
    drafts = mapper.run()
    if not drafts:
        raise SopgenError.of("import_nothing", Loc(str(path)), language, file=str(path))
    for where, code in read.skipped:
        first_at(drafts, where).review.append(f"{where} — {words.label(code)}")
    return Writer(project, raw, language, known, path.stem).write(drafts, mapper.images)


# ------------------------------------------------------------------ writing


class Writer:
    """Ids, folders and YAML for the drafts; everything is checked before anything is
    written, and nothing that exists is overwritten."""

    def __init__(self, project: Project, raw: LMap, language: str, known: Known,
                 stem: str) -> None:
        self.project = project
        self.language = language
        self.known = known
        self.words = catalogue(language)
        self.stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "import"
        self.taken = [str(p.get("id")) for p in known.procedures
                      if PROCEDURE_ID.fullmatch(str(p.get("id", "")))]

    def write(self, drafts: list[Draft], images: list[tuple[str, Block]]) -> ImportResult:
        planned: list[tuple[Path, Any]] = []
        assets = {name: self._asset_name(name) for name, _ in images}
        links = {f"]({name})": f"]({assets[name]})" for name, _ in images}
        links.update({f"]({block.source})": f"]({assets[name]})" for name, block in images
                      if block.source})
        for draft in drafts:
            pillar = draft.pillar if draft.pillar in PILLARS else self._pillar_of(draft)
            ident = self._id(draft.given_id, pillar)
            ours = [p for p in self.known.procedures if p.get("pillar") == pillar]
            target = _folder_for(self.project, pillar, self.language, ours) / f"{ident}.yaml"
            planned.append((target, self._yaml(draft, ident, pillar, target, links)))
        if self.known.new_roles:
            planned.append(self._roles_file())
        planned += [(self.project.content / assets[name], block) for name, block in images]
        self._refuse_existing([path for path, _ in planned])
        return self._write_all(planned, drafts)

    def _pillar_of(self, draft: Draft) -> Pillar:
        prefix = draft.given_id.split("-")[0]
        for procedure in self.known.procedures:
            if str(procedure.get("id", "")).split("-")[0] == prefix and \
                    procedure.get("pillar") in PILLARS:
                return procedure["pillar"]  # type: ignore[no-any-return]
        for pillar, value in PREFIXES.get(self.language, PREFIXES["en"]).items():
            if value == prefix:
                return pillar  # type: ignore[return-value]
        return "management"

    def _id(self, given: str, pillar: str) -> str:
        if given and PROCEDURE_ID.fullmatch(given) and given not in self.taken:
            ident = given
        else:
            prefixes = [i.split("-")[0] for i in self.taken if any(
                p.get("id") == i and p.get("pillar") == pillar for p in self.known.procedures)]
            prefix = max(set(prefixes), key=prefixes.count) if prefixes else \
                PREFIXES.get(self.language, PREFIXES["en"])[pillar]
            ident = _next_id(prefix, self.taken)
        self.taken.append(ident)
        return ident

    def _asset_name(self, name: str) -> str:
        """assets/imported/<file>-<n>.<ext>, free in the project."""
        number = int(re.search(r"(\d+)\.", name).group(1))  # type: ignore[union-attr]
        extension = name.rsplit(".", 1)[1]
        candidate = f"assets/imported/{self.stem}-{number}.{extension}"
        while (self.project.content / candidate).exists():
            number += 1000
            candidate = f"assets/imported/{self.stem}-{number}.{extension}"
        return candidate

    def _yaml(self, draft: Draft, ident: str, pillar: str, target: Path,
              links: dict[str, str]) -> str:
        fields = draft.fields
        marker = self.words.fields["review"]
        scope = fields.get("scope", "")
        if draft.review:
            notes = "\n\n".join(f"{marker} {_one_paragraph(line)}" for line in draft.review)
            scope = f"{scope}\n\n{notes}" if scope else notes
        data: dict[str, Any] = {"id": ident, "title": draft.title, "pillar": pillar,
                                "purpose": fields["purpose"]}
        if scope:
            data["scope"] = scope
        for key in ("out_of_scope", "responsible", "accountable", "consulted", "informed",
                    "frequency", "trigger", "prerequisites", "tools"):
            if fields.get(key):
                data[key] = fields[key]
        data["steps"] = [_step(step) for step in draft.steps]
        for key in ("checklist", "records", "references", "related", "last_reviewed",
                    "applies_to", "checked_by"):
            if fields.get(key):
                data[key] = list(dict.fromkeys(fields[key])) if key == "related" \
                    else fields[key]
        data = _relinked(data, links)
        return schema_comment(target, self.project.root) + _dump({"procedure": data})

    def _roles_file(self) -> tuple[Path, str]:
        marker = self.words.fields["review"]
        roles = [{"id": ident, "title": title,
                  "description": f"{marker} {self.words.label('review_new_role')}"}
                 for ident, title in self.known.new_roles.items()]
        target = self.project.content / f"roles-{self.stem}.yaml"
        return target, schema_comment(target, self.project.root) + _dump({"roles": roles})

    def _refuse_existing(self, paths: list[Path]) -> None:
        for path in paths:
            if path.exists():
                raise SopgenError.of("file_exists", language=self.language,
                                     path=self.project.show(path))

    def _write_all(self, planned: list[tuple[Path, Any]], drafts: list[Draft]) -> ImportResult:
        result = ImportResult(self.language)
        for path, content in planned:
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Block):
                with path.open("xb") as handle:
                    handle.write(content.image)
            else:
                with path.open("x", encoding="utf-8") as handle:
                    handle.write(content)
            result.written.append(path)
        for draft, (path, _) in zip(drafts, planned, strict=False):
            count = _count(draft.steps)
            result.mapped.append(self.words.label("import_mapped").format(
                path=self.project.show(path), title=draft.title, steps=count))
            result.review += [f"{self.project.show(path)}: {line}" for line in draft.review]
        return result


def _relinked(value: Any, links: dict[str, str]) -> Any:
    """Every text with its pictures pointing at their copies in assets/."""
    if isinstance(value, str):
        for old, new in links.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_relinked(item, links) for item in value]
    if isinstance(value, dict):
        return {key: _relinked(item, links) for key, item in value.items()}
    return value

def _count(steps: list[dict[str, Any]]) -> int:
    return sum(1 + _count(step.get("substeps", [])) for step in steps)


def _step(step: dict[str, Any]) -> Any:
    if set(step) == {"text"}:
        return step["text"]
    out = {key: step[key] for key in ("id", "text", "role") if step.get(key)}
    # Callouts in the order the document gave them: the handbook prints them so.
    out |= {key: value for key, value in step.items() if key in CALLOUT_KINDS and value}
    if step.get("substeps"):
        out["substeps"] = [_step(sub) for sub in step["substeps"]]
    out |= {key: step[key] for key in ("verify", "decision") if step.get(key)}
    return out


def _one_paragraph(text: str) -> str:
    """A review line stays one paragraph, so the marker starts it (a table's rows too)."""
    return re.sub(r"\s*\n\s*", " ", text).strip()


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> Any:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096,
                     default_flow_style=False)
