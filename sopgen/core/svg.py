"""SVG images as data: only shapes, paths, text, gradients and embedded raster images.

An SVG is a document that can run scripts, react to events, link anywhere and load
other files. Inside ``<img>`` a browser ignores all that, but a template that inlines
the SVG, or a site that serves it as a file, would not. So every SVG sopgen publishes
or stores is rebuilt from an allow-list of elements and attributes; whatever else was
in it is reported with its line, so the author can clean the file itself.

No maintained Python library does this (bleach and nh3 clean HTML, not SVG as XML), so
it is done here over Python's expat parser with every DTD declaration refused: no
entity is ever expanded or fetched (billion laughs, ``file:///etc/passwd``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ELEMENTS = frozenset({
    "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle", "ellipse",
    "line", "polyline", "polygon", "text", "tspan", "textPath", "linearGradient",
    "radialGradient", "stop", "clipPath", "mask", "pattern", "marker", "image", "style",
    "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite",
    "feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap", "feDistantLight",
    "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur",
    "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight", "feSpecularLighting",
    "feSpotLight", "feTile", "feTurbulence",
})
UNWRAPPED = frozenset({"a", "switch"})  # their children are shown; the wrapper goes
ATTRIBUTES = frozenset({
    "role", "aria-label", "aria-labelledby", "aria-describedby", "aria-hidden", "focusable",
    "id", "class", "style", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry",
    "fx", "fy", "fr", "width", "height", "d", "points", "pathLength", "transform", "viewBox",
    "preserveAspectRatio", "version", "baseProfile", "fill", "fill-opacity", "fill-rule",
    "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
    "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "color", "display",
    "visibility", "overflow", "clip", "clip-path", "clip-rule", "clipPathUnits", "mask",
    "maskUnits", "maskContentUnits", "filter", "filterUnits", "primitiveUnits", "font-family",
    "font-size", "font-size-adjust", "font-weight", "font-style", "font-variant",
    "font-stretch", "text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift",
    "letter-spacing", "word-spacing", "text-decoration", "writing-mode", "dx", "dy", "rotate",
    "lengthAdjust", "textLength", "startOffset", "method", "spacing", "side", "gradientUnits",
    "gradientTransform", "spreadMethod", "offset", "stop-color", "stop-opacity",
    "patternUnits", "patternContentUnits", "patternTransform", "marker-start", "marker-mid",
    "marker-end", "markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient",
    "vector-effect", "shape-rendering", "text-rendering", "image-rendering",
    "color-interpolation", "color-interpolation-filters", "paint-order", "mix-blend-mode",
    "isolation", "href", "lang", "in", "in2", "result", "stdDeviation", "mode", "type",
    "values", "operator", "k1", "k2", "k3", "k4", "flood-color", "flood-opacity", "radius",
    "baseFrequency", "numOctaves", "seed", "stitchTiles", "scale", "xChannelSelector",
    "yChannelSelector", "tableValues", "slope", "intercept", "amplitude", "exponent",
    "surfaceScale", "specularConstant", "specularExponent", "diffuseConstant",
    "kernelUnitLength", "lighting-color", "azimuth", "elevation", "z", "pointsAtX",
    "pointsAtY", "pointsAtZ", "limitingConeAngle", "order", "kernelMatrix", "divisor", "bias",
    "targetX", "targetY", "edgeMode", "preserveAlpha",
})
RASTER = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z")
# url(...) anywhere, unless it points inside the image (url(#gradient)).
OUTSIDE_URL = re.compile(r"url\s*\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
ACTIVE_CSS = re.compile(r"@import|@font-face|image-set|expression\s*\(|javascript:|behavior\s*:"
                        r"|-moz-binding|\\",
                        re.IGNORECASE)
INVISIBLE_IN_URL = re.compile(r"[\s\x00-\x1f]+")


class Unreadable(Exception):
    """Not an SVG that can be read safely: broken XML, a DTD with declarations, another
    kind of document."""


@dataclass(frozen=True)
class Removed:
    """One part taken out of an SVG: its kind, its name and the line it was on."""

    kind: str  # "element", "attribute", "style" or "instruction"
    name: str
    line: int


def sanitise(data: bytes) -> tuple[bytes, list[Removed]]:
    """The safe subset of an SVG, as UTF-8 bytes, and what was removed from it."""
    return _Sanitiser(data).run()


def is_svg(name: str) -> bool:
    return name.lower().endswith(".svg")


@dataclass
class _Sanitiser:
    data: bytes
    out: list[str] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    stack: list[str] = field(default_factory=list)  # "keep", "unwrap" or "skip" per element
    style: list[str] | None = None  # the text of a <style> being read
    style_line: int = 0
    root_seen: bool = False
    lines: list[str] = field(default_factory=list)  # the source, to find an attribute's line
    parser: Any = None  # expat's parser while ``run`` reads

    def run(self) -> tuple[bytes, list[Removed]]:
        self.lines = self.data.decode("utf-8", "replace").splitlines()
        parser = self.parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.ordered_attributes = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.refuse_entity
        parser.ExternalEntityRefHandler = self.refuse_entity
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        parser.ProcessingInstructionHandler = self.instruction
        try:
            parser.Parse(self.data, True)
        except expat.ExpatError as error:
            raise Unreadable(expat.errors.messages[error.code] + f", line {error.lineno}"
                             ) from None
        if not self.root_seen:
            raise Unreadable("no <svg> element")
        return "".join(self.out).encode("utf-8"), self.removed

    # --- what is never read

    def doctype(self, name: str, system_id: str | None, public_id: str | None,
                has_internal_subset: bool) -> None:
        if has_internal_subset:  # where entities are declared; a public DOCTYPE is inert
            raise Unreadable("the DOCTYPE declares entities")

    def refuse_entity(self, *args: object) -> int:
        raise Unreadable("the DOCTYPE declares entities")

    def instruction(self, target: str, data: str) -> None:
        if not self.skipping():
            self.remove("instruction", target)

    # --- elements

    def skipping(self) -> bool:
        return "skip" in self.stack

    def remove(self, kind: str, name: str, line: int | None = None) -> None:
        self.removed.append(Removed(kind, name, line or self.parser.CurrentLineNumber))

    def start(self, qualified: str, attributes: list[str]) -> None:
        namespace, name = _split(qualified)
        if not self.root_seen:
            if name != "svg" or namespace not in ("", SVG_NS):
                raise Unreadable(f"it is <{name}>, not <svg>")
            self.root_seen = True
        if self.skipping():
            self.stack.append("skip")
            return
        pairs = list(zip(attributes[::2], attributes[1::2], strict=True))
        action = self.action(namespace, name, dict(pairs))
        self.stack.append(action)
        if action == "skip" or action == "unwrap":
            self.remove("element", name)
            return
        if name == "style":
            self.style, self.style_line = [], self.parser.CurrentLineNumber
            return
        kept = self.attributes(name, pairs)
        if len(self.stack) == 1:
            kept = [("xmlns", SVG_NS), ("xmlns:xlink", XLINK_NS), *kept]
        self.out.append(f"<{name}" + "".join(f" {key}={quoteattr(value)}"
                                             for key, value in kept) + ">")

    def action(self, namespace: str, name: str, attributes: dict[str, str]) -> str:
        if namespace not in ("", SVG_NS):
            return "skip"
        if name in UNWRAPPED:
            return "unwrap"
        if name not in ELEMENTS:
            return "skip"
        href = attributes.get("href", attributes.get(f"{XLINK_NS} href"))
        if href is not None and name in ("image", "use") and not _safe_href(name, href):
            return "skip"  # a picture or copy from elsewhere: nothing left to show
        return "keep"

    def attributes(self, element: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        kept = []
        for qualified, value in pairs:
            namespace, name = _split(qualified)
            shown = {XLINK_NS: "xlink:", XML_NS: "xml:"}.get(namespace, "") + name
            if self.allowed(namespace, name, element, value):
                kept.append((shown, value))
            else:
                self.remove("attribute", shown, self.line_of(shown))
        return kept

    @staticmethod
    def allowed(namespace: str, name: str, element: str, value: str) -> bool:
        if namespace == XML_NS:
            return name in ("space", "lang")
        if namespace not in ("", XLINK_NS) or (namespace == XLINK_NS and name != "href"):
            return False
        if name not in ATTRIBUTES:
            return False
        if name == "href":
            return _safe_href(element, value)
        flat = INVISIBLE_IN_URL.sub("", value).lower()
        return "javascript:" not in flat and not OUTSIDE_URL.search(value) and \
            not (name == "style" and ACTIVE_CSS.search(value))

    def line_of(self, attribute: str) -> int:
        """The line an attribute is written on (expat knows only where its tag starts)."""
        start: int = self.parser.CurrentLineNumber
        written = re.compile(rf"(?<![\w:.-]){re.escape(attribute)}\s*=")
        for number in range(start, min(start + 200, len(self.lines) + 1)):
            if written.search(self.lines[number - 1]):
                return number
        return start

    def end(self, qualified: str) -> None:
        action = self.stack.pop()
        if action != "keep":
            return
        _, name = _split(qualified)
        if name == "style":
            self.end_style()
            return
        self.out.append(f"</{name}>")

    def end_style(self) -> None:
        css = "".join(self.style or [])
        self.style = None
        if OUTSIDE_URL.search(css) or ACTIVE_CSS.search(css):
            self.remove("style", "style", self.style_line)
            return
        self.out.append(f"<style>{escape(css)}</style>")

    def characters(self, text: str) -> None:
        if self.skipping() or not self.stack:
            return
        if self.style is not None:
            self.style.append(text)
        else:
            self.out.append(escape(text))


def _split(qualified: str) -> tuple[str, str]:
    namespace, _, name = qualified.rpartition(" ")
    return namespace, name


def _safe_href(element: str, href: str) -> bool:
    """Inside the image (``#id``), or for ``<image>`` an embedded PNG, JPEG, GIF or WebP."""
    value = href.strip()
    if element == "image":
        return bool(RASTER.match(value))
    return value.startswith("#") and not INVISIBLE_IN_URL.search(value)


# --- XML escaping, as ``xml.sax.saxutils`` does it (importing which brings urllib,
# http and email along, a fiftieth of a second of every command's start)

def escape(data: str) -> str:
    """``xml.sax.saxutils.escape``: ``&``, ``<`` and ``>`` as references."""
    return data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(data: str) -> str:
    """``xml.sax.saxutils.quoteattr``: escaped, with line ends and tabs as references, in
    the quotes it does not hold (``&quot;`` when it holds both)."""
    data = escape(data).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"{}"'.format(data.replace('"', "&quot;"))
