"""Checked procedures kept on disk (``reading/procedurecache.py``) give back exactly what
reading and converting the file gives: the same values, locations, spans and problems."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml

from sopgen.core import model
from sopgen.core.cache import CONTENT_MEMO, digest, forget
from sopgen.core.errors import ValidationFailed
from sopgen.core.problems import Loc
from sopgen.reading import procedurecache
from sopgen.reading.handbook import Checked, read_handbook
from sopgen.reading.procedurecache import Converted, Unfit
from sopgen.reading.releases import content_digest, snapshot_text
from sopgen.reading.yamlcache import YamlCache
from sopgen.reading.yamlread import LStr
from tests.conftest import ROOT

TODAY = model.dt.date(2026, 6, 1)


def copied(tmp_path: Path) -> Path:
    """The sample project (one procedure a file, releases included) to edit."""
    project = tmp_path / "project"
    for part in ("content", "releases"):
        shutil.copytree(ROOT / part, project / part)
    return project


def read(project: Path, cache: Path | None, today: model.dt.date = TODAY) -> Checked:
    forget()  # what a new process knows: only what is on disk
    readings = YamlCache(cache) if cache is not None else None
    checked = read_handbook(project, today=today, cache=readings)
    if readings is not None:
        readings.save()
    return checked


def converted(checked: Checked) -> list[Converted]:
    return [item for item in checked.raw.get("procedures") or [] if type(item) is Converted]


def assert_same_reading(cached: Checked, clean: Checked) -> None:
    assert procedurecache.same(cached.handbook, clean.handbook)
    assert cached.problems == clean.problems
    assert [problem.loc for problem in cached.problems] == [p.loc for p in clean.problems]
    assert cached.warnings == clean.warnings


def test_a_procedure_from_the_cache_equals_one_read_afresh(tmp_path: Path) -> None:
    project = copied(tmp_path)
    clean = read(project, None)
    first = read(project, tmp_path / "cache")
    assert not converted(first)  # nothing stored yet
    second = read(project, tmp_path / "cache")
    assert converted(second), "no procedure came from the cache"
    assert_same_reading(first, clean)
    assert_same_reading(second, clean)
    for item in converted(second):  # the rendering's key, stored with it
        assert getattr(item.procedure, CONTENT_MEMO) == digest(repr(item.procedure))
    # what a release compares: the YAML itself, given back by each Converted
    assert snapshot_text(second.raw) == snapshot_text(clean.raw)
    assert content_digest(second.raw) == content_digest(clean.raw)


def test_a_procedure_from_the_cache_has_the_markdown_a_walk_finds(tmp_path: Path) -> None:
    """Its Markdown texts are found while it is decoded: the same texts, fields, order and
    objects (a text's place is looked up by the object) as walking it afresh."""
    project = copied(tmp_path)
    read(project, tmp_path / "cache")
    second = read(project, tmp_path / "cache")
    assert converted(second)
    for item in converted(second):
        procedure = item.procedure
        remembered = list(model.markdown_fields(procedure))
        object.__delattr__(procedure, "_markdown_fields_memo")
        walked = list(model.markdown_fields(procedure))
        assert remembered == walked and remembered
        assert all(a is b for (_, a), (_, b) in zip(remembered, walked, strict=True))


def test_the_steps_kept_on_a_procedure_are_its_own(tmp_path: Path) -> None:
    """``flat_steps`` keeps the walk on the procedure: it is ``flatten`` of its steps, and a
    procedure made from it with other steps walks those."""
    project = copied(tmp_path)
    read(project, tmp_path / "cache")
    for procedure in read(project, tmp_path / "cache").handbook.procedures:
        assert list(model.flat_steps(procedure)) == model.flatten(procedure.steps)
        assert model.flat_steps(procedure) is model.flat_steps(procedure)
        fewer = dataclasses.replace(procedure, steps=procedure.steps[:1])
        assert list(model.flat_steps(fewer)) == model.flatten(procedure.steps[:1])


def test_a_file_with_a_warning_is_always_converted_again(tmp_path: Path) -> None:
    project = copied(tmp_path)
    path = next(path for path in sorted((project / "content").rglob("*.yaml"))
                if path.read_text(encoding="utf-8").startswith("procedure:")
                or "\nprocedure:" in path.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  title: ", "  title: Baru\u200b ", 1), encoding="utf-8")
    clean = read(project, None)
    assert any(p.code == "invisible_removed" for p in clean.problems)
    read(project, tmp_path / "cache")
    again = read(project, tmp_path / "cache")
    shown = path.relative_to(project).as_posix()
    assert all(located_in(item) != shown for item in converted(again))
    assert_same_reading(again, clean)


def located_in(item: Converted) -> str:
    return item.procedure.id.loc.file  # type: ignore[attr-defined,no-any-return]


def test_an_error_elsewhere_is_reported_as_by_a_clean_read(tmp_path: Path) -> None:
    project = copied(tmp_path)
    read(project, tmp_path / "cache")
    read(project, tmp_path / "cache")
    roles = next(path for path in sorted((project / "content").rglob("*.yaml"))
                 if "roles:" in path.read_text(encoding="utf-8"))
    text = roles.read_text(encoding="utf-8")
    roles.write_text(text.replace("- id: ", "- id: x", 1), encoding="utf-8")
    with pytest.raises(ValidationFailed) as clean:
        read(project, None)
    with pytest.raises(ValidationFailed) as cached:
        read(project, tmp_path / "cache")
    assert cached.value.lines() == clean.value.lines()


@pytest.mark.parametrize("damage", ["truncated", "foreign", "garbled", "unknown class",
                                    "other format", "other context"])
def test_a_damaged_stale_or_foreign_entry_is_ignored(tmp_path: Path, damage: str) -> None:
    project = copied(tmp_path)
    clean = read(project, None)
    read(project, tmp_path / "cache")
    index = tmp_path / "cache" / "yaml" / "procedures.txt"
    header, *lines = index.read_text(encoding="utf-8").split("\n")
    assert len(lines) >= 2
    keys = [line.split("\t")[0] for line in lines]
    entries = [line.split("\t")[1] for line in lines]
    changed = {
        "truncated": [f"{keys[0]}\t{entries[0][:len(entries[0]) // 2]}", *lines[1:]],
        # the second file's procedure filed under the first one's key
        "foreign": [f"{keys[0]}\t{entries[1]}", *lines[1:]],
        "garbled": [f"{key}\t[1, 2]" for key in keys],
        "unknown class": [line.replace('"Procedure"', '"Handbook"') for line in lines],
        "other format": None,
        # stored by a build whose catalogues gave the callouts other labels
        "other context": [line.replace('"context": "', '"context": "x', 1) for line in lines],
    }[damage]
    if changed is None:
        index.write_text("\n".join(["something else", *lines]), encoding="utf-8")
    else:
        index.write_text("\n".join([header, *changed]), encoding="utf-8")
    again = read(project, tmp_path / "cache")
    assert_same_reading(again, clean)
    if damage in ("garbled", "unknown class", "other format", "other context"):
        assert not converted(again)
    assert converted(read(project, tmp_path / "cache")), "not stored again"


def read_on(project: Path, cache: Path) -> Checked:
    """``read`` in a process that keeps what its last build made (a preview, a watcher)."""
    readings = YamlCache(cache)
    checked = read_handbook(project, today=TODAY, cache=readings)
    readings.save()
    return checked


def test_a_build_after_another_in_this_process_takes_its_procedures(tmp_path: Path) -> None:
    project = copied(tmp_path)
    clean = read(project, None)
    first = read(project, tmp_path / "cache")  # converted here: kept on disk and in memory
    second = read_on(project, tmp_path / "cache")
    assert_same_reading(second, clean)
    assert converted(second)
    assert {id(p) for p in second.handbook.procedures} == \
        {id(p) for p in first.handbook.procedures}  # taken as they are: no decoding
    path = project / located_in(converted(second)[0])
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n  title: ", "\n  title: Diubah ", 1), encoding="utf-8")
    third, clean = read_on(project, tmp_path / "cache"), read(project, None)
    assert_same_reading(third, clean)
    edited = [p for p in third.handbook.procedures if str(p.title).startswith("Diubah ")]
    assert len(edited) == 1 and id(edited[0]) not in {id(p) for p in second.handbook.procedures}


def test_a_damaged_entry_is_not_taken_from_this_process_either(tmp_path: Path) -> None:
    project = copied(tmp_path)
    clean = read(project, None)
    first = read(project, tmp_path / "cache")
    read_on(project, tmp_path / "cache")  # every procedure taken from the entries
    index = tmp_path / "cache" / "yaml" / "procedures.txt"
    header, *lines = index.read_text(encoding="utf-8").split("\n")
    index.write_text("\n".join([header, *(line.replace('"context": "', '"context": "x', 1)
                                         for line in lines)]), encoding="utf-8")
    again = read_on(project, tmp_path / "cache")
    assert_same_reading(again, clean)
    assert not converted(again)  # converted afresh, as in a new process
    assert not {id(p) for p in again.handbook.procedures} & \
        {id(p) for p in first.handbook.procedures}
    assert converted(read(project, tmp_path / "cache")), "not stored again"


def test_an_edited_file_is_converted_again(tmp_path: Path) -> None:
    project = copied(tmp_path)
    read(project, tmp_path / "cache")
    read(project, tmp_path / "cache")
    path = next(path for path in sorted((project / "content").rglob("*.yaml"))
                if "\n  title: " in path.read_text(encoding="utf-8")
                and "procedure:" in path.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n  title: ", "\n  title: Diubah ", 1), encoding="utf-8")
    cached, clean = read(project, tmp_path / "cache"), read(project, None)
    assert_same_reading(cached, clean)
    shown = path.relative_to(project).as_posix()
    assert all(located_in(item) != shown for item in converted(cached))
    assert any(str(p.title).startswith("Diubah ") for p in cached.handbook.procedures)


def test_a_text_from_another_file_is_not_stored() -> None:
    title = LStr("Judul")
    title.loc = Loc("content/a.yaml", 3, 10)
    with pytest.raises(Unfit):
        procedurecache.encode(title, "content/b.yaml")
    assert procedurecache.encode(title, "content/a.yaml") == [5, [3, 10], "Judul"]


def test_an_entry_whose_texts_and_places_differ_in_number_is_not_used() -> None:
    step = model.Step(text=LStr("Buka panel"), note=LStr("Catat jamnya"))
    for text, line in ((step.text, 4), (step.note, 5)):
        text.loc = Loc("x", line, 9)
    tag, places, value = procedurecache.encode(step, "x")
    made = procedurecache.decode([tag, places, value], "x", [])
    assert procedurecache.same(made, step) and made.note.loc == Loc("x", 5, 9)
    for damaged in (places[:-2], [*places, 7, 1]):
        with pytest.raises(ValueError):
            procedurecache.decode([tag, damaged, value], "x", [])


def test_made_without_init_is_what_init_makes() -> None:
    """``decode`` fills the fields itself: that is only the same while the model's classes
    have no ``__post_init__`` and no slots."""
    for cls in procedurecache.CLASSES.values():
        assert dataclasses.is_dataclass(cls) and "__post_init__" not in vars(cls)
        assert not hasattr(cls, "__slots__")
    step = model.Step(text="Buka panel")
    made = procedurecache.decode(procedurecache.encode(step, "x"), "x", [])
    assert procedurecache.same(made, step) and vars(made) == vars(step)
    with pytest.raises(ValueError):  # a required field missing
        procedurecache.decode([5, [], [1, "Step", {}]], "x", [])


# ---------------------------------------------------------------- the checks' results
# (``reading/checkcache.py``): kept per procedure, checked again when anything they read
# changes, here when only another file or the day changed.

def test_a_change_elsewhere_checks_each_procedure_again(tmp_path: Path) -> None:
    project = copied(tmp_path)
    first, second = project / "content" / "teknis" / "TEK-01.yaml", \
        project / "content" / "teknis" / "TEK-02.yaml"
    text = first.read_text(encoding="utf-8")  # names a step TEK-02 does not have
    first.write_text(text.replace("  purpose: |\n", "  purpose: |\n    Lihat TEK-02 langkah 40.\n",
                                  1), encoding="utf-8")
    read(project, tmp_path / "cache")
    cached, clean = read(project, tmp_path / "cache"), read(project, None)
    assert_same_reading(cached, clean)
    assert any(p.code == "unknown_step" and p.params["count"] for p in cached.problems)
    data = yaml.safe_load(second.read_text(encoding="utf-8"))  # TEK-02 gets one step more
    data["procedure"]["steps"].append("Catat hasil pembaruan di log pemeliharaan.")
    second.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                      encoding="utf-8")
    cached, clean = read(project, tmp_path / "cache"), read(project, None)
    assert_same_reading(cached, clean)  # TEK-01's warning counts TEK-02's steps anew
    later = model.dt.date(2031, 1, 1)  # another day: reviews fall due
    cached = read(project, tmp_path / "cache", later)
    assert_same_reading(cached, read(project, None, later))
    assert {p.code for p in cached.problems} != {p.code for p in clean.problems}


def test_a_role_removed_elsewhere_is_an_error_again(tmp_path: Path) -> None:
    project = copied(tmp_path)
    read(project, tmp_path / "cache")
    read(project, tmp_path / "cache")
    roles = project / "content" / "peran.yaml"
    roles.write_text(roles.read_text(encoding="utf-8").replace("- id: admin-web",
                                                               "- id: admin-situs"),
                     encoding="utf-8")
    with pytest.raises(ValidationFailed) as clean:
        read(project, None)
    with pytest.raises(ValidationFailed) as cached:
        read(project, tmp_path / "cache")
    assert cached.value.lines() == clean.value.lines()
    assert any("admin-web" in line for line in clean.value.lines())


@pytest.mark.parametrize("damage", ["truncated", "foreign", "garbled", "other format",
                                    "rows of another shape"])
def test_a_damaged_or_foreign_check_entry_is_ignored(tmp_path: Path, damage: str) -> None:
    project = copied(tmp_path)
    clean = read(project, None)
    read(project, tmp_path / "cache")
    index = tmp_path / "cache" / "yaml" / "checks.txt"
    header, *lines = index.read_text(encoding="utf-8").split("\n")
    with_problems = [line for line in lines if '"problems": []' not in line]
    assert with_problems, "no check found anything: nothing to damage"
    keys = [line.split("\t")[0] for line in lines]
    empty = next(line.split("\t")[1] for line in lines if '"problems": []' in line)
    changed = {
        "truncated": [line[:len(line) - 20] for line in lines],
        # an entry that found nothing, filed under every key
        "foreign": [f"{key}\t{empty}" for key in keys],
        "garbled": [f"{key}\t{{\"key\": \"{key}\", \"problems\": [[1, 2]]}}" for key in keys],
        # what a whole-handbook check read of a procedure (``rows``), in the wrong shape
        "rows of another shape": [f"{key}\t{{\"key\": \"{key}\", \"rows\": [[\"a\", 2]]}}"
                                  for key in keys],
        "other format": None,
    }[damage]
    if changed is None:
        index.write_text("\n".join(["something else", *lines]), encoding="utf-8")
    else:
        index.write_text("\n".join([header, *changed]), encoding="utf-8")
    assert_same_reading(read(project, tmp_path / "cache"), clean)
    assert_same_reading(read(project, tmp_path / "cache"), clean)  # as stored again


def test_a_mention_is_checked_again_when_the_procedure_it_names_appears(tmp_path: Path) -> None:
    project = copied(tmp_path)
    first = project / "content" / "teknis" / "TEK-01.yaml"
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("  purpose: |\n", "  purpose: |\n    Lihat juga TEK-99.\n", 1),
                     encoding="utf-8")
    for _ in range(2):  # the second from what the first kept
        with pytest.raises(ValidationFailed) as cached:
            read(project, tmp_path / "cache")
    with pytest.raises(ValidationFailed) as clean:
        read(project, None)
    assert cached.value.lines() == clean.value.lines()
    assert any("TEK-99" in line for line in clean.value.lines())
    data = yaml.safe_load((project / "content" / "teknis" / "TEK-02.yaml").read_text(
        encoding="utf-8"))
    data["procedure"]["id"] = "TEK-99"
    (project / "content" / "teknis" / "TEK-99.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert_same_reading(read(project, tmp_path / "cache"), read(project, None))


def test_a_text_that_keeps_its_span_comes_back_with_it(tmp_path: Path) -> None:
    project = copied(tmp_path)
    first = project / "content" / "teknis" / "TEK-01.yaml"
    text = first.read_text(encoding="utf-8")  # an image: its place is kept to point at it
    first.write_text(text.replace("  purpose: |\n", "  purpose: |\n    Logo kami: "
                                  "![Logo](assets/logo.svg).\n", 1), encoding="utf-8")
    clean = read(project, None)
    read(project, tmp_path / "cache")
    cached = read(project, tmp_path / "cache")
    assert_same_reading(cached, clean)
    tek = next(item.procedure for item in converted(cached) if item.procedure.id == "TEK-01")
    assert tek.purpose.span is not None  # type: ignore[attr-defined]
    assert tek.purpose.span == clean.handbook.procedure("TEK-01").purpose.span  # type: ignore


def test_a_rebuild_adds_its_new_entries_and_a_file_mostly_unused_is_written_anew(
        tmp_path: Path) -> None:
    project = copied(tmp_path)
    read(project, tmp_path / "cache")
    index = tmp_path / "cache" / "yaml" / "procedures.txt"
    before = index.read_text(encoding="utf-8")
    first = project / "content" / "teknis" / "TEK-01.yaml"
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("\n  title: ", "\n  title: Diubah ", 1), encoding="utf-8")
    clean = read(project, None)
    read(project, tmp_path / "cache")
    after = index.read_text(encoding="utf-8")
    assert after.startswith(before) and after.count("\n") == before.count("\n") + 1
    assert_same_reading(read(project, tmp_path / "cache"), clean)
    header, *lines = after.split("\n")
    garbage = [f"{index}{line[1:]}" for index, line in enumerate(lines * 3)]  # other keys
    index.write_text("\n".join([header, *lines, *garbage]), encoding="utf-8")
    read(project, tmp_path / "cache")
    assert index.read_text(encoding="utf-8").count("\n") == len(lines) - 1  # the old TEK-01
    assert_same_reading(read(project, tmp_path / "cache"), clean)
