"""The table of outputs: every file a build can make, each chosen by name from ``OUTPUTS``.

An output is a function from the build's ``Job`` (the checked handbook, cut down to a
role for a role edition, and the build's options) to named bytes. Adding an output is
one function here (or in its own module), one entry in ``OUTPUTS`` and its templates.

Every file name carries the document id and version (and ``-draft``, and the role):

    <id>-<version>[-draft][-<role>][-<edition>]{.md, .html, .pdf, .docx, -raci.csv, .ics,
        -checklists.pdf, -checklists-fillable.pdf, -acknowledgements.pdf}

A variant that options make (fillable sheets) has a name of its own, so it can be added
to a released version's folder, where files never change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sopgen.core.cache import Store
from sopgen.core.catalogue import Catalogue, catalogue, format_problems
from sopgen.core.errors import OptionError
from sopgen.core.model import Visibility, edition_of
from sopgen.core.problems import NOWHERE, Loc, Problem
from sopgen.outputs import DEFAULT_FORMATS, raci, sheets
from sopgen.outputs.assetfiles import asset_copies
from sopgen.outputs.calendar import SITE_URL, ics_bytes
from sopgen.outputs.diff import revision_changes
from sopgen.outputs.editions import classified_above, edition_handbook
from sopgen.outputs.roles import role_handbook
from sopgen.reading.handbook import Checked, fail_on_errors
from sopgen.reading.yamlread import located
from sopgen.rendering import pdfengine
from sopgen.rendering.pdfengine import PdfEngine
from sopgen.rendering.render import HANDBOOK_FORMATS, file_stem, render_formats

Report = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    """What a build makes, and how."""

    formats: Sequence[str] = DEFAULT_FORMATS
    """Handbook formats: ``md``, ``html``, ``pdf``, ``docx``."""
    artefacts: Sequence[str] = ()
    """Files besides the handbook: ``raci``, ``checklists``, ``calendar``, ``acknowledgements``."""
    role: str | None = None
    """Build one role's edition: what the role does or approves."""
    fillable: bool = False
    """Checklist sheets with PDF form fields."""
    site_url: str = ""
    """Where the published site is served, for links in the calendar."""
    pdf_engine: PdfEngine = "parallel"
    """``parallel``: parts laid out on every core and joined; ``single``: one WeasyPrint call."""
    edition: Visibility | None = None
    """Only what this audience may read (``public``, ``internal``, ``restricted``), with
    ``-<edition>`` in every file name; ``None``: the whole handbook."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "formats", tuple(self.formats))
        object.__setattr__(self, "artefacts", tuple(self.artefacts))


@dataclass
class Job:
    """What every output of one build is made from."""

    checked: Checked  # the handbook of this build: the whole one, or a role's edition
    options: BuildOptions
    draft: bool
    changes: dict[str, list[str]]  # the whole document's, also in a role's edition
    report: Report | None = None
    cache: Path | None = None  # where the PDF engine keeps parts between builds
    store: Store | None = None  # what else is kept between builds (rendered texts, …)
    problems: list[Problem] = field(default_factory=list)
    _handbook: dict[str, bytes] | None = None
    _assets: dict[str, bytes] | None = None  # copied beside the Markdown and the HTML

    @property
    def stem(self) -> str:
        return file_stem(self.checked.handbook.document, draft=self.draft, role=self.options.role,
                         edition=self.options.edition)

    @property
    def edition(self) -> str:
        """The audience this build is for: the edition asked for, or the narrowest that
        may read the whole handbook."""
        return self.options.edition or edition_of(self.checked.handbook)

    @property
    def words(self) -> Catalogue:
        return catalogue(self.checked.handbook.document.language)

    def handbook(self, fmt: str) -> bytes:
        """The handbook rendered in ``fmt`` (``pdf``: its print HTML). Every handbook format
        of the build renders in one pass, which shares parsing and worker processes."""
        if self._handbook is None:
            wanted = [f for f in HANDBOOK_FORMATS if f in self.options.formats or f == fmt]
            self.say(f"rendering {', '.join(wanted)} …")
            rendered = render_formats(self.checked.handbook, self.checked.project.root, wanted,
                                      assets=self.checked.project.assets, draft=self.draft,
                                      changes=self.changes, store=self.store,
                                      edition=self.edition)
            self._handbook = rendered.files
            self.problems += rendered.problems
        return self._handbook[fmt]

    def say(self, line: str) -> None:
        if self.report:
            self.report(line)


Output = Callable[[Job], dict[str, bytes]]


def markdown(job: Job) -> dict[str, bytes]:
    return {f"{job.stem}.md": job.handbook("md"), **assets_beside(job)}


def html(job: Job) -> dict[str, bytes]:
    return {f"{job.stem}.html": job.handbook("html"), **assets_beside(job)}


def assets_beside(job: Job) -> dict[str, bytes]:
    """Attachments, figures and linked files, so ``assets/NAME`` links work beside it
    (found once a build: the Markdown and the HTML handbook both have them)."""
    if job._assets is None:
        job._assets = asset_copies(job.checked.handbook, job.checked.project.assets)
    return job._assets


def pdf(job: Job) -> dict[str, bytes]:
    print_html = job.handbook("pdf").decode()
    job.say("laying out the PDF …")
    doc = job.checked.handbook.document
    layout = pdfengine.Layout(assets=job.checked.project.assets,
                              identifier=f"{doc.id}-{doc.version}",
                              page_label=job.words.label("page_short"), cache=job.cache,
                              report=job.report,
                              documents=job.cache.parent / "documents" if job.cache else None)
    return {f"{job.stem}.pdf": pdfengine.make_pdf(print_html, layout, job.options.pdf_engine)}


def word(job: Job) -> dict[str, bytes]:
    from sopgen.outputs.docx import docx_bytes  # python-docx only when Word is asked for

    job.say("writing the Word document …")
    return {f"{job.stem}.docx": docx_bytes(job.checked, draft=job.draft, changes=job.changes,
                                           problems=job.problems)}


def raci_csv(job: Job) -> dict[str, bytes]:
    return {f"{job.stem}-raci.csv": raci.csv_bytes(job.checked.handbook, job.words)}


def calendar(job: Job) -> dict[str, bytes]:
    return {f"{job.stem}.ics": ics_bytes(job.checked.handbook, job.words, draft=job.draft,
                                         edition=job.edition, site_url=job.options.site_url)}


def checklists(job: Job) -> dict[str, bytes]:
    if not sheets.sheet_procedures(job.checked.handbook):  # no sheets, no file
        return {}
    job.say("laying out the checklists …")
    name = "checklists-fillable" if job.options.fillable else "checklists"
    return {f"{job.stem}-{name}.pdf": sheets.checklists_pdf(
        job.checked, job.stem, draft=job.draft, edition=job.edition,
        fillable=job.options.fillable)}


def acknowledgements(job: Job) -> dict[str, bytes]:
    if not sheets.ack_sheets(job.checked.handbook, job.options.role):  # vendors only
        return {}
    job.say("laying out the acknowledgements …")
    return {f"{job.stem}-acknowledgements.pdf": sheets.acknowledgements_pdf(
        job.checked, job.stem, draft=job.draft, edition=job.edition, role_id=job.options.role)}


OUTPUTS: dict[str, Output] = {
    "md": markdown, "html": html, "pdf": pdf, "docx": word,
    "raci": raci_csv, "checklists": checklists, "calendar": calendar,
    "acknowledgements": acknowledgements,
}


def render_outputs(checked: Checked, options: BuildOptions, *, draft: bool,
                   report: Report | None = None, cache: Path | None = None,
                   store: Store | None = None) -> tuple[dict[str, bytes], list[str]]:
    """Every file the options ask for, in memory, with the renderer's warnings
    (``cache``: the PDF engine's parts; ``store``: the build's other cached values)."""
    check_options(options, checked.handbook.document.language)
    check_edition(checked, options.edition)
    job = Job(focus(checked, options.role, options.edition), options, draft=draft,
              changes=revision_changes(checked, store, options.edition), report=report,
              cache=cache, store=store)
    files: dict[str, bytes] = {}
    for name in [*options.formats, *options.artefacts]:
        files.update(OUTPUTS[name](job))
    return files, format_problems(job.problems, checked.handbook.document.language)


def focus(checked: Checked, role: str | None, edition: Visibility | None = None) -> Checked:
    """The build's handbook: the whole one, or one role's; all of it, or one edition's."""
    handbook = edition_handbook(checked.handbook, edition)
    if role is not None:
        handbook = role_handbook(handbook, role)
    return dataclasses.replace(checked, handbook=handbook)


def check_edition(checked: Checked, edition: Visibility | None) -> None:
    """Refuse an edition for a wider audience than the document's classification allows."""
    if edition is None:
        return
    doc = checked.handbook.document
    where = located(doc.classification, Loc(checked.project.show(checked.project.content)))
    fail_on_errors(classified_above(checked.handbook, edition, where), doc.language)


def check_options(options: BuildOptions, language: str) -> None:
    """Refuse a site URL that is not an absolute web address: it goes into the calendar
    as a URI as it is, so it must be one a calendar may open."""
    if options.site_url and not SITE_URL.fullmatch(options.site_url):
        problem = Problem(NOWHERE, "bad_site_url", {"url": options.site_url})
        raise OptionError("site_url", [problem], language)
