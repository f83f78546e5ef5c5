"""Regenerate sopgen/starters/website/ from the sample project in content/.

The website starter is the sample SOP made generic: the organisation's names become
text to fill in, marked [[like this]], what only its community is becomes what fits any
organisation, and the document becomes a 0.1.0 draft. Run after editing the sample:
    .venv/bin/python scripts/make_starter.py
tests/test_authoring.py checks that the starter is in step with content/.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What only the sample's organisation is: in the starter, text to fill in, marked
# [[like this]] so that `sopgen check` names each place and `sopgen release` refuses it.
REPLACEMENTS = [
    # The sample's own community, said so that the starter fits any organisation.
    ("organisasi LGBT adalah sasaran serangan",
     "organisasi masyarakat sipil sering menjadi sasaran serangan"),
    ("Sebagai media komunitas LGBT, OurVoice menghadapi",
     "Sebagai media komunitas, OurVoice dapat menghadapi"),
    ("| DDoS saat isu LGBT ramai diberitakan", "| DDoS saat isu yang diangkat ramai diberitakan"),
    ("Orientasi seksual dan identitas gender tidak disebut dalam daftar data pribadi",
     "Keterkaitan seseorang dengan sebuah organisasi tidak disebut dalam daftar data pribadi"),
    ("tetapi bagi komunitas LGBT di Indonesia", "tetapi bagi kelompok rentan di Indonesia"),
    ("mengungkap isu LGBT", "mengungkap isu yang diangkat organisasi"),
    ("dan bagi organisasi LGBT, akses",
     "dan bagi organisasi yang mendampingi kelompok rentan, akses"),
    ("pengalaman komunitas LGBT di luar Jakarta", "pengalaman komunitas dampingan di luar Jakarta"),
    ("misalnya komunitas LGBT muda,", "misalnya komunitas dampingan,"),
    ("memusuhi komunitas LGBT", "memusuhi organisasi"),
    ("konten LGBT", "konten tentang isu yang diangkat organisasi"),
    ("Situs organisasi LGBT", "Situs organisasi masyarakat sipil"),
    ("saat isu LGBT ramai diberitakan", "saat isu yang diangkatnya ramai diberitakan"),
    ("foto atau orientasi seksualnya,", "foto atau data sensitif lainnya,"),
    ("Bagi orang LGBT, doxing", "Bagi anggota kelompok rentan, doxing"),
    (", sebagai situs komunitas LGBT, juga menjadi",
     ", sebagai situs organisasi masyarakat sipil, juga dapat menjadi"),
    ("terutama saat isu LGBT sedang ramai", "terutama saat isu yang mereka angkat sedang ramai"),
    ("LGBT yang pernah atau berisiko diserang", "yang pernah atau berisiko diserang"),
    ("sengaja menargetkan organisasi LGBT", "sengaja menargetkan organisasi masyarakat sipil"),
    ("LGBT, akun yang dibobol", "masyarakat sipil, akun yang dibobol"),
    ("Bagi narasumber LGBT, terlihat", "Bagi narasumber dari kelompok rentan, terlihat"),
    ("Media komunitas LGBT diawasi ketat", "Media komunitas diawasi ketat"),
    ("jumlah orang LGBT di Indonesia", "jumlah anggota kelompok rentan di Indonesia"),
    ("mendampingi komunitas LGBT.", "mendampingi kelompok rentan."),
    ('klaim "penyembuhan" LGBT atau HIV', "klaim kesehatan yang menyesatkan"),
    ("memandang orang LGBT.", "memandang orang yang diberitakan."),
    ("(termasuk transpuan dan transpria)",
     "(termasuk dari kelompok yang paling sering diberitakan)"),
    ("jangan pernah menyebut nama lahir (*deadname*) seorang\n        transgender; sebut "
     "orientasi seksual atau identitas gender hanya bila relevan dengan\n        cerita.",
     "sebut agama, suku, disabilitas, orientasi seksual atau identitas gender\n        "
     "seseorang hanya bila relevan dengan cerita."),
    ("Data HIV dan kesehatan dari", "Data kesehatan dari"),
    ("31 Maret (Hari Visibilitas Transgender),\n        17 Mei (IDAHOBIT), 20 November (Hari "
     "Peringatan Transgender), 1 Desember (Hari AIDS\n        Sedunia) dan 10 Desember (Hari HAM).",
     "10 Desember (Hari HAM)\n        dan [[hari penting bagi komunitas Anda]]."),
    ("`suarakita`", "`[[nama-organisasi]]`"),
    ("(mis. IDAHOBIT 17 Mei, Hari HAM 10 Desember)", "(mis. Hari HAM 10 Desember)"),
    ("Perkumpulan Suara Kita", "[[Nama Organisasi Anda]]"),
    ("Suara Kita", "[[Nama Organisasi Anda]]"),
    ("suarakita.org", "[[contoh.or.id]]"),
    ("- OurVoice terdaftar di", "- Website [[Nama Website]] terdaftar di"),  # YAML: not "- ["
    ("OurVoice", "[[Nama Website]]"),
    ("SOP-SK-WEB", "SOP-ORG-WEB"),
]
DOCUMENT = """\
# Kendali dokumen. Ganti setiap teks bertanda [[...]] dengan data organisasi Anda.
# Tanggal ditulis TTTT-BB-HH. Nomor versi selalu diberi tanda kutip.
document:
  id: SOP-ORG-WEB
  title: SOP Pengelolaan Website
  short_title: SOP Website
  organisation:
    name: "[[Nama Organisasi Anda]]"           # nama lengkap organisasi
    short_name: "[[Singkatan]]"                # nama singkat untuk kepala halaman
    address: "[[Alamat, Kota]]"                # alamat
    website: "https://www.[[contoh.or.id]]"    # alamat website
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


# KON-02's table of terms is the sample community's own: the starter has rows to fill in.
TERMS = re.compile(r"(?m)^(    \|---\|---\|---\|\n)(?:    \|.*\n)+")
TERM_ROWS = "    | [[istilah yang dipakai]] | [[istilah yang dihindari]] | [[alasannya]] |\n"


def generic(text: str) -> str:
    for old, new in REPLACEMENTS:
        text = text.replace(old, new)
    if "  id: KON-02\n" in text:
        text = TERMS.sub(lambda found: found.group(1) + TERM_ROWS, text, count=1)
    return EDITOR_COMMENT.sub("", text, count=1)  # `sopgen init` writes its own


EDITOR_COMMENT = re.compile(r"\A# yaml-language-server: .*\n")


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
