"""The width of a picture in pixels, read from its header: for warnings about pictures
that are scaled down to fit a page or a phone."""

from __future__ import annotations

from pathlib import Path

# The printed page's text width (134 mm) in CSS pixels: a wider image is scaled down to
# fit (and on a phone to far less), so its text may become too small to read.
PAGE_WIDTH_PX = 506


def image_width(path: Path) -> int | None:
    """The width in pixels of a PNG, GIF or JPEG, read from its header; None for other
    images (SVG scales) or a file that does not say."""
    with path.open("rb") as file:
        head = file.read(64 * 1024)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return int.from_bytes(head[16:20], "big")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return int.from_bytes(head[6:8], "little")
    if head.startswith(b"\xff\xd8"):
        return _jpeg_width(head)
    return None


def _jpeg_width(data: bytes) -> int | None:
    """Walk the JPEG segments to the frame header (SOF0–SOF15 but DHT, JPG and DAC)."""
    index = 2
    while index + 9 < len(data) and data[index] == 0xFF:
        marker, length = data[index + 1], int.from_bytes(data[index + 2:index + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[index + 7:index + 9], "big")
        index += 2 + length
    return None
