"""Reading generated HTML with the standard library: ids, links, resources, text."""

from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.links: list[tuple[str, dict[str, str | None]]] = []
        self.resources: list[str] = []  # src= and <link href=>: what a browser would fetch
        self.tags: list[str] = []
        self.text_parts: list[str] = []
        self._stack: list[str] = []
        self.toc_links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        self._stack.append(tag if tag != "nav" else f"nav.{values.get('class', '')}")
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "a" and values.get("href") is not None:
            self.links.append((str(values["href"]), values))
            if any(item.startswith("nav.toc") for item in self._stack):
                self.toc_links.append(str(values["href"]))
        if values.get("src"):
            self.resources.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.resources.append(str(values["href"]))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop().split(".")[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())
