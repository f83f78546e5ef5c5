"""Generate synthetic SOP projects of N procedures, laid out like the sample in content/.

    python -m bench.generate 30 300 1000 [--out bench/projects] [--seed 8]

Each project has the three pillars, six roles, a glossary, revisions and one procedure
per file under ``content/<pillar>/``, written as YAML a person could have typed. The
text is Indonesian built from the vocabulary in ``bench/vocab.py``: 5–12 steps with
some substeps, notes and warnings, checklists, records, Markdown tables in some
purposes and mentions of other procedures ("lihat TEK-12"). The same N and seed always
give the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

if __package__ in (None, ""):  # run as a script: bench/generate.py
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import vocab

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "projects"
STAMP = ".bench-project"
FREQUENCIES = ["daily", "weekly", "weekly", "monthly", "monthly", "quarterly", "yearly",
               "event", "event"]
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
        '<rect width="120" height="40" rx="6" fill="#4a148c"/><text x="60" y="26" '
        'font-family="sans-serif" font-size="16" fill="#fff" text-anchor="middle">SK</text>'
        '</svg>\n')


class Quoted(str):
    """A value written in double quotes, as the README asks for versions."""


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else (">" if len(value) > 90 else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _quoted(dumper: yaml.SafeDumper, value: Quoted) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


_Dumper.add_representer(str, _str)
_Dumper.add_representer(Quoted, _quoted)


def dump(data: dict[str, Any], comment: str) -> str:
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=92,
                     default_flow_style=False)
    return f"# {comment}\n{body}"


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class Prose:
    """Sentences for one project, drawn from one seeded generator."""

    rng: random.Random
    ids: list[str]

    def pick(self, words: Sequence[T]) -> T:
        return self.rng.choice(words)

    def some(self, words: Sequence[T], low: int, high: int) -> list[T]:
        return self.rng.sample(list(words), self.rng.randint(low, min(high, len(words))))

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def other(self, own: str) -> str:
        choices = [ident for ident in self.ids if ident != own] or [own]
        return self.pick(choices)

    def step(self) -> str:
        text = f"{self.pick(vocab.VERBS)} {self.pick(vocab.OBJECTS)} {self.pick(vocab.PLACES)}"
        if self.chance(0.5):
            text += f" {self.pick(vocab.TIMES)}"
        if self.chance(0.4):
            text += f", {self.pick(vocab.CLAUSES)}"
        return text + "." + (f" {self.rule()}" if self.chance(0.4) else "")

    def rule(self) -> str:
        return (f"{cap(self.pick(vocab.OBJECTS))} harus {self.pick(vocab.PASSIVES)} "
                f"{self.pick(vocab.TIMES)} {self.pick(vocab.CLAUSES)}.")

    def substep(self) -> str:
        verb = self.pick(vocab.VERBS).lower()
        return f"Jika {self.pick(vocab.CONDITIONS)}, {verb} {self.pick(vocab.OBJECTS)}."

    def note(self, own: str) -> str:
        text = self.rule()
        return text + f" Lihat {self.other(own)}." if self.chance(0.5) else text

    def warning(self) -> str:
        verb = self.pick(vocab.VERBS).lower()
        return (f"Jangan {verb} {self.pick(vocab.OBJECTS)} sebelum "
                f"{self.pick(vocab.PRECONDITIONS)}.")

    def purpose(self, own: str) -> str:
        sentences = [f"Prosedur ini memastikan {self.pick(vocab.OBJECTS)} "
                     f"**{self.pick(vocab.PASSIVES)}** {self.pick(vocab.TIMES)}, "
                     f"{self.pick(vocab.CLAUSES)}.",
                     f"Tanpa prosedur ini, {self.pick(vocab.RISKS)}."]
        sentences += [self.rule() for _ in range(self.rng.randint(1, 3))]
        if self.chance(0.6):
            sentences.append(f"Prosedur ini melengkapi {self.other(own)}.")
        text = wrap(" ".join(sentences))
        return text + "\n" + self.table() if self.chance(0.25) else text

    def table(self) -> str:
        rows = ["| Kegiatan | Waktu | Penanggung jawab |", "| --- | --- | --- |"]
        for _ in range(self.rng.randint(3, 5)):
            action = self.pick(vocab.TITLE_ACTIONS["technical"])
            thing = self.pick(vocab.TITLE_OBJECTS["technical"])
            role = self.pick(vocab.ROLES)[1]
            rows.append(f"| {action} {thing} | {cap(self.pick(vocab.TIMES))} | {role} |")
        return "\n".join(rows) + "\n"


def wrap(text: str, width: int = 92) -> str:
    """Break a paragraph into lines, as people write Markdown in a block scalar."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line]) + "\n"


def plan(n: int) -> list[tuple[str, str]]:
    """(pillar, id) of each procedure: every pillar gets its share, ids zero-padded."""
    counts = {key: max(1, round(n * share)) for key, (_, _, share) in vocab.PILLARS.items()}
    counts["content"] = max(1, n - counts["management"] - counts["technical"])
    width = max(2, len(str(max(counts.values()))))
    return [(key, f"{vocab.PILLARS[key][1]}-{number:0{width}d}")
            for key in vocab.PILLARS for number in range(1, counts[key] + 1)]


def title(prose: Prose, pillar: str, used: set[str]) -> str:
    """A title no other procedure has: an action, an object, a qualifier if needed."""
    base = f"{prose.pick(vocab.TITLE_ACTIONS[pillar])} {prose.pick(vocab.TITLE_OBJECTS[pillar])}"
    qualifiers = [f" {word}" for word in prose.some(vocab.TITLE_QUALIFIERS, 3, 3)]
    text, number = base, 2
    while text in used:
        text = base + (qualifiers.pop() if qualifiers else f" ({number})")
        number += 1
    used.add(text)
    return text


def step(prose: Prose, own: str) -> str | dict[str, Any]:
    if prose.chance(0.45):
        return prose.step()
    data: dict[str, Any] = {"text": prose.step()}
    if prose.chance(0.2):
        data["role"] = prose.pick(vocab.ROLES)[0]
    if prose.chance(0.35):
        data["note"] = prose.note(own)
    if prose.chance(0.15):
        data["warning"] = prose.warning()
    if prose.chance(0.25):
        data["substeps"] = [prose.substep() for _ in range(prose.rng.randint(2, 4))]
    return data


def people(prose: Prose, pillar: str) -> dict[str, Any]:
    """The RACI part of a procedure."""
    responsible = prose.some(vocab.PILLAR_ROLES[pillar][0], 1, 2)
    others = [role[0] for role in vocab.ROLES if role[0] not in responsible]
    return {"responsible": responsible,
            "accountable": prose.pick(vocab.PILLAR_ROLES[pillar][1]),
            "consulted": prose.some(others, 0, 2),
            "informed": prose.some(others, 0, 2)}


def procedure(prose: Prose, pillar: str, ident: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ident, "title": name, "pillar": pillar, "purpose": prose.purpose(ident),
        "scope": wrap(f"{prose.rule()} {prose.rule()}"),
        "out_of_scope": wrap(f"{cap(prose.pick(vocab.OBJECTS))} diatur di "
                             f"{prose.other(ident)}."),
        **people(prose, pillar),
        "frequency": prose.pick(FREQUENCIES),
    }
    if data["frequency"] == "event":
        data["trigger"] = f"Saat {prose.pick(vocab.EVENTS)}."
    return compact(data | details(prose, ident))


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty lists, as a person would."""
    return {key: value for key, value in data.items() if value != []}


def details(prose: Prose, ident: str) -> dict[str, Any]:
    """Everything after the RACI: what to have, what to do, what to check and keep."""
    records = [f"{prose.pick(vocab.RECORDS)}: {prose.pick(vocab.OBJECTS)} disimpan "
               f"{prose.pick(vocab.PLACES)} minimal {prose.pick(vocab.DURATIONS)}."
               for _ in range(prose.rng.randint(1, 3))]
    checks = [f"{cap(prose.pick(vocab.OBJECTS))} sudah {prose.pick(vocab.PASSIVES)} "
              f"{prose.pick(vocab.TIMES)}." for _ in range(prose.rng.randint(3, 6))]
    references = [{"title": name, "url": url}
                  for name, url in prose.some(vocab.REFERENCES, 0, 3)]
    related = sorted({prose.other(ident) for _ in range(prose.rng.randint(1, 4))})
    reviewed = dt.date(2024, 1, 1) + dt.timedelta(days=prose.rng.randint(0, 395))
    return {
        "prerequisites": [prose.rule() for _ in range(prose.rng.randint(1, 3))],
        "tools": prose.some(vocab.TOOLS, 1, 4),
        "steps": [step(prose, ident) for _ in range(prose.rng.randint(5, 12))],
        "checklist": checks, "records": records, "references": references,
        "related": related, "last_reviewed": reviewed,
    }


def document(n: int) -> dict[str, Any]:
    return {
        "document": {
            "id": "SOP-SK-BENCH", "title": f"SOP Pengelolaan Website OurVoice ({n} prosedur)",
            "short_title": "SOP Website OurVoice",
            "organisation": {"name": "Perkumpulan Suara Kita", "short_name": "Suara Kita",
                             "logo": "assets/logo.svg", "address": "Jakarta, Indonesia",
                             "website": "https://www.suarakita.org"},
            "version": Quoted("2.0.0"), "status": "approved", "language": "id",
            "effective_date": dt.date(2025, 2, 1), "owner": "koordinator",
            "review_cycle_months": 12,
            "authors": ["Koordinator Website Suara Kita", "Mentor TIK"],
            "approvals": [{"name": "Ketua Badan Pengurus", "role": "Badan Pengurus",
                           "date": dt.date(2025, 1, 27), "version": Quoted("2.0.0")}],
            "classification": "internal",
            "summary": wrap("SOP ini mengatur pengelolaan website komunitas **OurVoice** dalam "
                            "tiga pilar: manajemen, teknis dan konten."),
        },
        "pillars": {key: {"title": name, "introduction": wrap(intro)}
                    for key, (name, intro) in vocab.PILLAR_TEXT.items()},
        "revisions": [
            {"version": Quoted(version), "date": date, "author": "Koordinator Website",
             "summary": wrap(summary)} for version, date, summary in REVISIONS],
    }


REVISIONS = [
    ("1.0.0", dt.date(2013, 5, 31), "Versi pertama: peran, pembaruan, pencadangan rutin."),
    ("1.1.0", dt.date(2019, 3, 4), "Menambah pemantauan keamanan dan penanganan komentar."),
    ("2.0.0", dt.date(2025, 1, 27), "Pembaruan menyeluruh: 2FA, DDoS, pelindungan data "
     "pribadi sesuai UU 27/2022."),
]


def shared_files(prose: Prose, n: int) -> dict[str, str]:
    roles = [{"id": ident, "title": name, "description": text,
              "responsibilities": [prose.rule() for _ in range(2)]}
             for ident, name, text in vocab.ROLES]
    glossary = [{"term": term, "definition": wrap(text + (
        f" Lihat {prose.pick(prose.ids)}." if prose.chance(0.4) else ""))}
        for term, text in vocab.GLOSSARY]
    return {
        "content/dokumen.yaml": dump(document(n), "Kendali dokumen, pilar dan riwayat revisi."),
        "content/peran.yaml": dump({"roles": roles}, "Peran: prosedur menyebut peran."),
        "content/glosarium.yaml": dump({"glossary": glossary}, "Glosarium, menurut abjad."),
    }


def project_files(n: int, seed: int) -> dict[str, str]:
    """Every file of the project, by path relative to the project folder."""
    planned = plan(n)
    prose = Prose(random.Random(seed * 100_003 + n), [ident for _, ident in planned])
    files = shared_files(prose, n)
    used: set[str] = set()
    for pillar, ident in planned:
        data = procedure(prose, pillar, ident, title(prose, pillar, used))
        path = f"content/{vocab.PILLARS[pillar][0]}/{ident}.yaml"
        files[path] = dump({"procedure": data}, f"{ident}: satu prosedur per berkas.")
    files["content/assets/logo.svg"] = LOGO
    return files


@cache
def source_hash() -> str:
    """The generator's own code, read once per process."""
    sources = Path(__file__).read_bytes() + Path(vocab.__file__ or "").read_bytes()
    return hashlib.sha256(sources).hexdigest()[:16]


def fingerprint(n: int, seed: int) -> str:
    """What a generated project was made from; a change of the generator regenerates it."""
    return f"n={n} seed={seed} source={source_hash()}\n"


def generate(n: int, target: Path, seed: int = 8) -> Path:
    """Write the project of ``n`` procedures into ``target`` (replaced if generated before)."""
    if target.exists() and any(target.iterdir()) and not (target / STAMP).is_file():
        raise SystemExit(f"{target} exists and was not made by bench.generate; not touching it")
    shutil.rmtree(target, ignore_errors=True)
    for relative, text in project_files(n, seed).items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (target / STAMP).write_text(fingerprint(n, seed), encoding="utf-8")
    return target


def ensure(n: int, out: Path = DEFAULT_OUT, seed: int = 8) -> Path:
    """The project of ``n`` procedures under ``out``, generated only when missing or stale."""
    target = out / f"sop-{n}"
    stamp = target / STAMP
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == fingerprint(n, seed):
        return target
    return generate(n, target, seed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="+", type=int, help="numbers of procedures")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="parent folder")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    for n in args.sizes:
        print(generate(n, args.out / f"sop-{n}", args.seed))


if __name__ == "__main__":
    main()
