"""Regenerate sopgen/starters/website/ from the sample project in content/.

The website starter is the OurVoice SOP made generic: the organisation's names become
values to fill in, the document becomes a 0.1.0 draft. Run after editing the sample:
    .venv/bin/python scripts/make_starter.py
tests/test_authoring.py checks that the starter is in step with content/.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPLACEMENTS = [
    ("Perkumpulan Suara Kita", "Nama Organisasi Anda"),
    ("Suara Kita", "Nama Organisasi Anda"),
    ("www.suarakita.org", "www.contoh.or.id"),
    ("suarakita.org", "contoh.or.id"),
    ("OurVoice", "Website Organisasi"),
    ("SOP-SK-WEB", "SOP-ORG-WEB"),
]
DOCUMENT = """\
# Kendali dokumen. Isi nilai bertanda ISI dengan data organisasi Anda.
# Tanggal ditulis TTTT-BB-HH. Nomor versi selalu diberi tanda kutip.
document:
  id: SOP-ORG-WEB
  title: SOP Pengelolaan Website
  short_title: SOP Website
  organisation:
    name: Nama Organisasi Anda        # ISI: nama lengkap organisasi
    short_name: Organisasi            # ISI: nama singkat untuk kepala halaman
    address: Kota, Indonesia          # ISI: alamat
    website: https://www.contoh.or.id # ISI: alamat website
  version: "0.1.0"
  status: draft
  language: id
  effective_date: 2026-01-01
  owner: koordinator
  review_cycle_months: 12
  authors:
    - Koordinator Website
  classification: internal
  summary: |
    SOP ini mengatur pengelolaan website organisasi dalam tiga pilar: **manajemen** (siapa
    memutuskan apa), **teknis** (bagaimana situs diperbarui, dicadangkan dan diamankan) dan
    **konten** (bagaimana konten ditulis, disetujui dan diterbitkan). Sesuaikan setiap
    prosedur dengan sumber daya organisasi Anda sebelum mengesahkannya.
"""


def generic(text: str) -> str:
    for old, new in REPLACEMENTS:
        text = text.replace(old, new)
    return text


def document_file(sample: str) -> str:
    """The sample's pillars, with generic document control and a first-draft history."""
    pillars = sample[sample.index("\npillars:"):sample.index("\nrevisions:")]
    history = ('\nrevisions:\n  - version: "0.1.0"\n    date: 2026-01-01\n'
               "    author: Koordinator Website\n"
               "    summary: Draf pertama, dimulai dari templat website sopgen.\n")
    return DOCUMENT + generic(pillars) + "\n" + history


def make(target: Path) -> None:
    content = ROOT / "content"
    if target.exists():
        shutil.rmtree(target)
    for path in sorted(content.rglob("*")):
        if path.is_dir():
            continue
        destination = target / "content" / path.relative_to(content)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.name == "dokumen.yaml":
            destination.write_text(document_file(path.read_text(encoding="utf-8")))
        elif path.suffix == ".yaml":
            destination.write_text(generic(path.read_text(encoding="utf-8")))
    (target / "content" / "assets").mkdir(parents=True, exist_ok=True)


if __name__ == "__main__":
    make(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "sopgen" / "starters" / "website")
