"""What a user could do instead of sopgen, for Markdown + HTML: the baselines of ``bench.run``.

``plain_pipeline``: the shortest honest path from the same YAML files to one Markdown and
one HTML file — PyYAML's C loader (``CSafeLoader``), one minimal Jinja template, and
markdown-it-py for the prose fields (the schema's Markdown fields; every other value is
escaped) — in one process, with none of sopgen's checks (no locations, no validation, no
link or image policy, no warnings).

``mkdocs_project`` + ``mkdocs_build``: MkDocs (its built-in ``mkdocs`` theme, no download)
building sopgen's own Markdown handbook split into one page per procedure, the site a
user would otherwise make for the HTML.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

# The fields the schema marks as Markdown: what a user would run through markdown-it.
PROSE = {"summary", "introduction", "description", "responsibilities", "text", "note",
         "warning", "purpose", "scope", "out_of_scope", "trigger", "prerequisites", "tools",
         "checklist", "records", "definition", "steps", "substeps"}  # a step may be its text

PLAIN_TEMPLATE = """\
{%- macro show(value, prose=False) -%}
{%- if value is mapping -%}
<dl>{% for key, item in value.items() %}<dt>{{ key }}</dt><dd>{{ show(item, key in PROSE) }}</dd>
{%- endfor %}</dl>
{%- elif value is string -%}{% if prose %}{{ value | md }}{% else %}{{ value }}{% endif %}
{%- elif value is iterable -%}
<ul>{% for item in value %}<li>{{ show(item, prose) }}</li>{% endfor %}</ul>
{%- else -%}{{ value }}{%- endif -%}
{%- endmacro -%}
<!DOCTYPE html>
<html lang="{{ doc.language }}"><head><meta charset="utf-8"><title>{{ doc.title }}</title></head>
<body><h1>{{ doc.title }}</h1>
{{ show(doc) }}
{% for role in roles %}<section id="{{ role.id }}">{{ show(role) }}</section>
{% endfor %}
{% for procedure in procedures %}<section id="{{ procedure.id }}">
<h2>{{ procedure.id }} {{ procedure.title }}</h2>{{ show(procedure) }}</section>
{% endfor %}
{{ show(glossary) }}
</body></html>
"""

PLAIN_MARKDOWN = """\
{%- macro show(value, depth) -%}
{%- if value is mapping -%}
{% for key, item in value.items() %}
{{ "  " * depth }}- **{{ key }}**: {{ show(item, depth + 1) }}
{%- endfor %}
{%- elif value is string -%}{{ value | indent(2 * depth + 2) }}
{%- elif value is iterable -%}
{% for item in value %}
{{ "  " * depth }}- {{ show(item, depth + 1) }}
{%- endfor %}
{%- else -%}{{ value }}{%- endif -%}
{%- endmacro -%}
# {{ doc.title }}
{{ show(doc, 0) }}
{% for procedure in procedures %}

## {{ procedure.id }} {{ procedure.title }}
{{ show(procedure, 0) }}
{% endfor %}
{{ show(glossary, 0) }}
"""


def merged_content(project: Path) -> dict[str, Any]:
    """Every YAML file under content/ loaded by PyYAML's C loader and merged by key."""
    import yaml

    merged: dict[str, Any] = {"document": {}, "roles": [], "procedures": [], "glossary": []}
    for path in sorted(project.glob("content/**/*.yaml")):
        data = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader) or {}
        for key, value in data.items():
            if key == "procedure":
                merged["procedures"].append(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    return merged


def plain_pipeline(project: Path, output: Path) -> list[Path]:
    """YAML → Jinja → markdown-it-py: one ``.md`` and one ``.html`` file."""
    import jinja2
    from markdown_it import MarkdownIt

    content = merged_content(project)
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    env = jinja2.Environment(autoescape=True)
    env.filters["md"] = lambda text: jinja2.utils.markupsafe.Markup(parser.render(text))
    env.globals["PROSE"] = PROSE
    context = {"doc": content["document"], "roles": content["roles"],
               "procedures": content["procedures"], "glossary": content["glossary"]}
    output.mkdir(parents=True, exist_ok=True)
    html = env.from_string(PLAIN_TEMPLATE).render(context)
    markdown = jinja2.Environment().from_string(PLAIN_MARKDOWN).render(context)
    written = [output / "handbook.html", output / "handbook.md"]
    written[0].write_text(html, encoding="utf-8")
    written[1].write_text(markdown, encoding="utf-8")
    return written


PROCEDURE_ANCHOR = re.compile(r'^<a id="([a-z][a-z0-9]{1,9}-[0-9]{1,4})"></a>\n', re.MULTILINE)
ANY_ANCHOR = re.compile(r'^<a id="[^"]+"></a>\n', re.MULTILINE)

MKDOCS_CONFIG = """\
site_name: {title}
docs_dir: docs
site_dir: site
theme:
  name: mkdocs
  highlightjs: false
use_directory_urls: false
markdown_extensions:
  - tables
"""


def split_pages(markdown: str) -> dict[str, str]:
    """The handbook as MkDocs pages: one per procedure, the rest (front matter, pillar
    introductions, roles, glossary) in index.md, in the handbook's order."""
    pages: dict[str, str] = {"index.md": ""}
    starts = [match.start() for match in ANY_ANCHOR.finditer(markdown)] + [len(markdown)]
    pages["index.md"] = markdown[:starts[0]]
    for start, end in itertools.pairwise(starts):
        piece = markdown[start:end]
        procedure = PROCEDURE_ANCHOR.match(piece)
        if procedure:
            pages[f"{procedure[1]}.md"] = piece
        else:
            pages["index.md"] += piece
    return pages


def mkdocs_project(markdown: str, title: str, folder: Path) -> int:
    """Write mkdocs.yml and docs/ for the handbook; returns the number of pages."""
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    pages = split_pages(markdown)
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    (folder / "mkdocs.yml").write_text(MKDOCS_CONFIG.format(title=quoted), encoding="utf-8")
    return len(pages)


def mkdocs_build(folder: Path) -> Path:
    """``mkdocs build`` of the folder, in this process."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(folder / "mkdocs.yml"))
    build(config)
    return folder / "site"
