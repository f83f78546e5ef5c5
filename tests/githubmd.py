"""The Markdown handbook as GitHub shows it: rendered by cmark-gfm (the cmarkgfm package),
with raw HTML off, compared with the HTML handbook."""

from __future__ import annotations

import re

import cmarkgfm


def github_html(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown)


def blocks(html: str) -> dict[str, int]:
    """Tables, code blocks, list items, and numbered lists that do not start at 1 (a
    step's note indented less than its marker is wide ends the list: "11." restarts)."""
    found = {tag: len(re.findall(rf"<{tag}\b", html)) for tag in ("table", "pre", "li")}
    return found | {"ol start": len(re.findall(r"<ol\b[^>]*\bstart=", html))}


def assert_renders_like_html(markdown: str, html: str) -> None:
    """As many tables, code blocks and list items as the HTML; no table with an empty
    header row; a note's table or code block is still one (its label is a line apart)."""
    rendered = github_html(markdown)
    body = html[html.index("<body"):]
    assert blocks(rendered) == blocks(body)
    headers = re.findall(r"<thead>\s*<tr>(.*?)</tr>", rendered, re.DOTALL)
    assert headers and not [row for row in headers
                            if not re.sub(r"<[^>]+>|\s", "", row)], "an empty header row"
    assert not re.search(r"^\s*>\s*\*\*[^*]+:\*\*\s*(\||```|~~~)", markdown, re.MULTILINE)
