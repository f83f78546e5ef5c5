"""``publish``: every released version as a small static site, with a version selector.

``output/site/`` holds one folder per released version, ``latest/`` (a copy of the
newest) and an index listing the versions. Each version is a handful of pages — home,
one per pillar, one per procedure (its permanent link), roles, glossary, revision
history and search — linked only relatively, so the folder works on any static host
and from ``file://``. Search runs in the browser over an index shipped as a script.

A site is one edition: by default the public one, holding only what is marked (or
classified) public, into ``output/site/``. ``internal`` or ``restricted`` editions, for an
intranet, go into ``output/site-<edition>/`` with ``noindex`` on every page, a
``robots.txt`` that disallows all and a banner naming the edition. A version whose
document is classified for a narrower audience stays out of the edition (said as a
warning); if that is the newest version, publishing is refused.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sopgen.commands.build import build_checked
from sopgen.core import model
from sopgen.core.cache import digest
from sopgen.core.catalogue import format_problems
from sopgen.core.errors import speaking
from sopgen.core.model import Visibility
from sopgen.core.problems import Loc, Problem
from sopgen.core.write import write_folder
from sopgen.outputs.assetfiles import asset_copies
from sopgen.outputs.diff import revision_changes
from sopgen.outputs.editions import classified_above, edition_handbook
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import Checked, fail_on_errors
from sopgen.reading.load import Project
from sopgen.reading.releases import manifest_path, read_release, released_versions, version_key
from sopgen.reading.yamlread import LMap
from sopgen.rendering.paginate import CACHE_FORMAT
from sopgen.rendering.pdfengine import file_hashes, keep_document, kept_document, library_versions
from sopgen.rendering.render import Links, PillarView, Renderer, file_stem, scroll_boxes

SECTION_PAGES = ("roles", "raci", "records", "glossary", "revisions", "search")


class SiteLinks(Links):
    """One page per procedure; roles and terms live on their own pages."""

    def href(self, kind: str, ident: str) -> str:
        target = model.anchor(kind, ident)
        if kind == "procedure":
            return f"{target}.html"
        page = {"role": "roles", "term": "glossary", "pillar": ident}[kind]
        return f"{page}.html" if kind == "pillar" else f"{page}.html#{target}"


@dataclass(frozen=True)
class PublishResult:
    folder: Path
    versions: list[str]
    latest: str
    language: str  # the newest release's: what to say the result in
    edition: Visibility = "public"
    warnings: list[str] = dataclasses.field(default_factory=list)


ROBOTS_TXT = b"User-agent: *\nDisallow: /\n"


def site_folder(edition: Visibility) -> str:
    """``site`` for the public edition; ``site-internal`` … so an intranet's pages never
    land in the folder that goes on the public web."""
    return "site" if edition == "public" else f"site-{edition}"


def publish(folder: Path | str, *, output: Path | None = None, edition: Visibility = "public",
            report: Callable[[str], None] | None = None,
            private: Path | None = None) -> PublishResult:
    """Write ``output/site[-<edition>]/`` from the release snapshots, in one atomic swap.
    With ``private``, the PDF cache and the lock go there instead of into ``output``."""
    project = Project.at(folder)
    versions = released_versions(project.releases)
    if not versions:
        fail_on_errors([Problem(Loc(project.show(project.releases)), "nothing_released")])
    output_root = output if output is not None else project.root / "output"
    releases = {version: read_release(project.root, version) for version in versions}
    editions, left_out = edition_releases(releases, edition)
    included = list(editions)
    pdfs = {}
    for count, version in enumerate(editions, start=1):
        if report:
            report(f"publishing {version} ({count} of {len(editions)}), {edition} edition …")
        pdfs[version] = released_pdf(releases[version], output_root, edition, report, private)
    language = releases[versions[-1]].handbook.document.language
    with speaking(language):
        files = site_files(editions, included, pdfs, edition,
                           kept=(private or output_root) / ".cache" / "site")
        write_folder(output_root, site_folder(edition), files, replace=True,
                     lock_folder=private)
    return PublishResult(output_root / site_folder(edition), included, included[-1], language,
                         edition, format_problems(left_out, language))


def edition_releases(releases: dict[str, Checked],
                     edition: Visibility) -> tuple[dict[str, Checked], list[Problem]]:
    """The releases as an edition holds them (each cut to what its audience may read), and
    a warning for each version left out."""
    included, left_out = edition_versions(releases, edition)
    return {v: replace(releases[v], handbook=edition_handbook(releases[v].handbook, edition))
            for v in included}, left_out


def edition_versions(releases: dict[str, Checked],
                     edition: Visibility) -> tuple[list[str], list[Problem]]:
    """The versions an edition may hold, and a warning for each left out. The newest
    version is the one in force: if it is left out, publishing is refused."""
    included, left_out = [], []
    for version, checked in releases.items():
        problems = classified_above(checked.handbook, edition, classification_loc(checked))
        if problems:
            left_out.append(problems[0])
        else:
            included.append(version)
    newest = list(releases)[-1]
    if newest not in included:
        fail_on_errors([left_out[-1]], releases[newest].handbook.document.language)
    return included, [dataclasses.replace(p, code="edition_left_out", severity="warning")
                      for p in left_out]


def classification_loc(checked: Checked) -> Loc:
    """Where a snapshot (or content) states its classification, or its document section."""
    section = checked.raw.get("document")
    if isinstance(section, LMap):
        return section.value_locs.get("classification", section.loc)
    return checked.raw.loc


def site_files(releases: dict[str, Checked], versions: list[str],
               pdfs: dict[str, tuple[str, bytes]],
               edition: Visibility = "public", kept: Path | None = None) -> dict[str, bytes]:
    """Every file of the site, in memory: each version's pages and PDF, ``latest/``, the index
    (and, for an edition that is not public, a ``robots.txt`` that keeps search engines out).
    With ``kept``, the pages are kept there under the key of all they are made from."""
    pdf_names = {version: name for version, (name, _) in pdfs.items()}
    key = site_key(releases, versions, pdf_names, edition) if kept else ""
    pages = kept_pages(kept, key) if kept else None
    if pages is None:
        pages = rendered_pages(releases, versions, pdf_names, edition)
        if kept:
            keep_pages(kept, key, pages)
    files: dict[str, bytes] = {}
    for version in releases:
        pdf_name, pdf_data = pdfs[version]
        own = {name.removeprefix(f"{version}/"): data for name, data in pages.items()
               if name.startswith(f"{version}/")}
        for name, data in {**own, pdf_name: pdf_data}.items():
            files[f"{version}/{name}"] = data
            if version == versions[-1]:
                files[f"latest/{name}"] = data
    files["index.html"] = pages["index.html"]
    if edition != "public":
        files["robots.txt"] = ROBOTS_TXT
    return files


def rendered_pages(releases: dict[str, Checked], versions: list[str],
                   pdf_names: dict[str, str], edition: Visibility) -> dict[str, bytes]:
    """Each version's pages (under ``<version>/``) and the index, rendered."""
    pages_of = {version: page_names(checked) for version, checked in releases.items()}
    pages: dict[str, bytes] = {}
    for version, checked in releases.items():
        site = VersionSite(checked, versions, pages_of, pdf_names[version], edition)
        pages.update({f"{version}/{name}": data for name, data in site.pages().items()})
    pages["index.html"] = version_index(releases, versions, edition, pdf_names).encode()
    return pages


# --- rendered pages kept by what makes them: a publish with nothing changed renders none

SITE_FORMAT = 1
KEEP_SITES = 4  # a few editions or recent sets of releases


def site_key(releases: dict[str, Checked], versions: list[str], pdf_names: dict[str, str],
             edition: Visibility) -> str:
    """Everything the pages are made from: the recorded digests of every release (a page's
    version menu names them all, a revision history compares any), the versions and PDFs
    the edition holds, sopgen's own files, and each release's templates and assets."""
    any_release = next(iter(releases.values())).project
    everything = released_versions(any_release.releases)
    manifests = [f"{v}\n{manifest_path(any_release.releases, v).read_text(encoding='utf-8')}"
                 for v in everything]
    places = [line for checked in releases.values()
              for folder in (checked.project.templates, checked.project.assets)
              for line in (str(folder.relative_to(checked.project.root)
                               if folder.is_relative_to(checked.project.root) else folder),
                           *file_hashes(folder))]
    return digest("site", str(SITE_FORMAT), edition, *manifests, *versions,
                  *(f"{v} {name}" for v, name in sorted(pdf_names.items())),
                  *program_files(), *places)


def kept_pages(folder: Path, key: str) -> dict[str, bytes] | None:
    """The pages kept under ``key``, if any (a damaged file is only a miss)."""
    try:
        with zipfile.ZipFile(folder / f"{key}.zip") as archive:
            pages = {name: archive.read(name) for name in archive.namelist()}
        os.utime(folder / f"{key}.zip")  # recently used: pruned last
        return pages
    except (OSError, zipfile.BadZipFile, KeyError):
        return None


def keep_pages(folder: Path, key: str, pages: dict[str, bytes]) -> None:
    """Keep the pages under ``key`` (atomically: two publishes may share the folder); a
    cache that cannot be written only costs time."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{key}.", dir=folder)
        with os.fdopen(handle, "wb") as out, zipfile.ZipFile(out, "w") as archive:
            for name, data in pages.items():
                archive.writestr(name, data)
        os.replace(temporary, folder / f"{key}.zip")
        kept = sorted(folder.glob("*.zip"), key=lambda entry: entry.stat().st_mtime_ns)
        for old in kept[:-KEEP_SITES]:
            old.unlink(missing_ok=True)
    except OSError:
        return


def page_names(checked: Checked) -> set[str]:
    handbook = checked.handbook
    names = {"index.html", *(f"{p}.html" for p in model.PILLARS),
             *(f"{s}.html" for s in SECTION_PAGES)}
    return names | {model.page_name(p.id) for p in handbook.procedures}


def released_pdf(checked: Checked, output_root: Path, edition: Visibility,
                 report: Callable[[str], None] | None,
                 private: Path | None = None) -> tuple[str, bytes]:
    """The edition's PDF of a release from output/<version>/, built first if it is not there
    yet. The whole handbook's PDF serves when it is exactly that edition."""
    handbook = checked.handbook
    whole = edition_handbook(handbook, edition) == handbook and \
        model.edition_of(handbook) == edition
    options = BuildOptions(formats=["pdf"], edition=None if whole else edition)
    name = file_stem(handbook.document, draft=False, edition=options.edition) + ".pdf"
    path = output_root / handbook.document.version / name
    if path.is_file():
        return name, path.read_bytes()
    documents = (private or output_root) / ".cache" / "releases"
    key = release_pdf_key(checked, options)
    data = kept_document(documents, key)
    if data is None:
        build_checked(checked, options, output=output_root, draft=False, report=report,
                      private=private)
        data = path.read_bytes()
        keep_document(documents, key, data)
    else:
        write_folder(output_root, handbook.document.version, {name: data}, immutable=True,
                     lock_folder=private)
    return name, data


# --- release PDFs kept by what makes them, so publish lays out (or renders) nothing again

RELEASE_PDF_FORMAT = 1


def release_pdf_key(checked: Checked, options: BuildOptions) -> str:
    """Everything a released version's PDF is made from, without rendering it: the recorded
    digests of its snapshot and images and of each release its revision history compares
    (each verified when read), the edition and engine, the PDF libraries, sopgen's own files
    (code, labels, theme) and the project's templates and assets, by content."""
    project = checked.project
    handbook = checked.handbook
    known = set(released_versions(project.releases))
    compared = {r.version for r in handbook.revisions} & known | {handbook.document.version}
    manifests = [f"{v}\n{manifest_path(project.releases, v).read_text(encoding='utf-8')}"
                 for v in sorted(compared, key=version_key)]
    return digest("release-pdf", str(RELEASE_PDF_FORMAT), CACHE_FORMAT, *manifests,
                  str(options.edition), options.pdf_engine, *library_versions(),
                  *program_files(), *file_hashes(project.templates),
                  *file_hashes(project.assets))


@functools.cache
def program_files() -> tuple[str, ...]:
    """sopgen's own files (code, label catalogues, themes) by content: a changed one may
    change any PDF, whatever the version number says."""
    package = Path(__file__).resolve().parent.parent
    return tuple(f for f in file_hashes(package) if "__pycache__" not in f)


class VersionSite:
    """The pages of one released version."""

    def __init__(self, checked: Checked, versions: list[str],
                 pages_of: dict[str, set[str]], pdf_name: str,
                 edition: Visibility = "public") -> None:
        self.checked = checked
        self.handbook = checked.handbook
        self.version = self.handbook.document.version
        self.versions = versions
        self.pages_of = pages_of
        self.pdf_name = pdf_name
        self.renderer = Renderer(self.handbook, checked.project.root, links=SiteLinks(),
                                 assets=checked.project.assets, edition=edition,
                                 changes=revision_changes(checked, edition=edition))

    def pages(self) -> dict[str, bytes]:
        pages = {"index.html": self.page("site/index.html.j2", "index.html")}
        for pillar in model.PILLARS:
            pages[f"{pillar}.html"] = self.page("site/pillar.html.j2", f"{pillar}.html",
                                                pillar=self._pillar(pillar))
        ordered = [p for pillar in model.PILLARS for p in self.handbook.procedures_in(pillar)]
        for index, procedure in enumerate(ordered):
            name = model.page_name(procedure.id)
            pages[name] = self.page(
                "site/procedure.html.j2", name, procedure=procedure,
                pillar=self._pillar(procedure.pillar), parts=contents_list(procedure),
                previous=ordered[index - 1] if index else None,
                next=ordered[index + 1] if index + 1 < len(ordered) else None)
        for section in SECTION_PAGES:
            pages[f"{section}.html"] = self.page(f"site/{section}.html.j2", f"{section}.html")
        pages["search-index.js"] = self.search_index().encode()
        pages["site.css"] = (self.renderer.source("content.css")  # first: site.css overrides
                             + self.renderer.source("site/site.css")).encode()
        pages["site.js"] = self.renderer.source("site/site.js").encode()
        pages.update(asset_copies(self.handbook, self.checked.project.assets))
        return pages

    def _pillar(self, key: str) -> PillarView:
        return next(p for p in self.renderer.context()["pillars"] if p["key"] == key)

    def page(self, template: str, name: str, **extra: Any) -> bytes:
        latest = self.versions[-1]
        html = self.renderer.render(
            template, page_name=name, version_options=self.version_options(name),
            latest=latest, superseded=self.version != latest,
            latest_href=f"../latest/{name if name in self.pages_of[latest] else 'index.html'}",
            pdf_name=self.pdf_name, **extra)
        return scroll_boxes(html, self.renderer.words).encode()

    def version_options(self, name: str) -> list[dict[str, Any]]:
        """Each version, linking to this same page there when it exists."""
        return [{"version": v, "selected": v == self.version,
                 "href": f"../{v}/{name if name in self.pages_of[v] else 'index.html'}"}
                for v in reversed(self.versions)]

    def search_index(self) -> str:
        """Every page's findable parts: procedures, glossary terms, roles, revisions.
        ``where`` names the pillar or page a result belongs to."""
        handbook, words = self.handbook, self.renderer.words
        entries = [entry(p.id, p.title, model.page_name(p.id),
                         getattr(handbook.pillars, p.pillar).title, procedure_text(p))
                   for p in handbook.procedures]
        glossary = handbook.glossary
        entries += [entry("", t.term, f"glossary.html#{ident}", words.label("glossary"),
                          plain(t.definition))
                    for ident, t in zip(model.term_anchors(glossary), glossary, strict=True)]
        entries += [entry("", r.title, f"roles.html#{model.anchor('role', r.id)}",
                          words.label("roles"),
                          plain(" ".join([r.id, r.description or "", *r.responsibilities])))
                    for r in handbook.roles]
        entries += [entry("", f"{words.label('version')} {r.version} · {words.date(r.date)}",
                          f"revisions.html#{model.anchor('revision', r.version)}",
                          words.label("revision_history"),
                          plain(" ".join([r.author, r.summary,
                                          *self.renderer.changes.get(r.version, [])])))
                    for r in handbook.revisions]
        data = json.dumps(entries, ensure_ascii=True, separators=(",", ":"))
        return f"window.SOPGEN_SEARCH = {data};\n"


def entry(ident: str, title: str, url: str, where: str, text: str) -> dict[str, str]:
    """One search result: what it is called, where it is, and the words it holds."""
    return {"id": ident, "title": title, "url": url, "where": where, "text": text}


# The sections of a procedure page, in page order; more than three make it long enough
# for a contents list of its own at the top.
PARTS = ("purpose", "scope", "out_of_scope", "prerequisites", "tools", "steps", "checklist",
         "records", "attachments", "references")


def contents_list(procedure: model.Procedure) -> list[str]:
    """The sections a procedure page has, when there are enough to need a contents list."""
    present = [key for key in PARTS if key in ("purpose", "steps") or getattr(procedure, key)]
    return present if len(present) > 3 else []


def procedure_text(procedure: model.Procedure) -> str:
    """The words of a procedure for search."""
    from sopgen.core.model import flatten

    parts = [procedure.purpose, procedure.scope, procedure.trigger,
             *(text for _, step in flatten(procedure.steps)
               for text in (step.text, step.note, step.warning)),
             *procedure.checklist, *(r.name for r in procedure.records), *procedure.tools]
    return plain(" ".join(part for part in parts if part))


def plain(text: str) -> str:
    """Words without Markdown punctuation, on one line: what search matches and quotes."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link or image: its text
    text = re.sub(r"[*`#>]+|(?<!\w)_+|_+(?!\w)|:?-{3,}:?", "", text)  # emphasis, code, rules
    return re.sub(r"[\s|]+", " ", text).strip()


def version_index(releases: dict[str, Checked], versions: list[str],
                  edition: Visibility = "public",
                  pdf_names: dict[str, str] | None = None) -> str:
    """The site's root page: every released version, newest first."""
    latest = releases[versions[-1]]
    renderer = Renderer(latest.handbook, latest.project.root, links=SiteLinks(),
                        assets=latest.project.assets, edition=edition)
    rows = [{"version": v, "date": releases[v].handbook.document.effective_date,
             "status": releases[v].handbook.document.status,
             "pdf": (pdf_names or {}).get(v, f"{releases[v].handbook.document.id}-{v}.pdf")}
            for v in reversed(versions)]
    return renderer.render("site/versions.html.j2", rows=rows, latest=versions[-1])
