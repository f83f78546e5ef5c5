"""One error channel: every message a user can see comes from the catalogue, in every
language. The test reads every raise site and every catalogue lookup in the source."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from sopgen.core.catalogue import languages

PACKAGE = Path(__file__).resolve().parent.parent / "sopgen"
SOURCES = {path: ast.parse(path.read_text(encoding="utf-8"))
           for path in sorted(PACKAGE.rglob("*.py"))}
CATALOGUES = {code: tomllib.loads((PACKAGE / "labels" / f"{code}.toml").read_text())
              for code in languages()}
ERRORS = {"SopgenError", "ValidationFailed", "OptionError"}
# Codes built at run time, each listed with what it can become.
BUILT = {"bad_{_pattern_name(pattern)}": [
    f"bad_{name}" for name in ("procedure_id", "role_id", "document_id", "version", "asset_path",
                               "day_of_month", "time_of_day", "reminder", "timezone")]}


# Calls that take a message code, and where: Problem itself and the helpers around it.
CODE_POSITION = {"Problem": 1, "of": 0, "fail": 1, "_warning": 2, "_duplicates": 1,
                 "_found": 0}


def calls() -> list[tuple[Path, ast.Call]]:
    return [(path, node) for path, tree in SOURCES.items() for node in ast.walk(tree)
            if isinstance(node, ast.Call)]


def name_of(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        inner = func.value.id if isinstance(func.value, ast.Name) else ""
        return f"{inner}.{func.attr}"
    return func.id if isinstance(func, ast.Name) else ""


def code_argument(call: ast.Call, position: int) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == "code"), None)


def message_codes() -> list[tuple[str, str]]:
    """(where, code) for every message code the source passes to a problem or an error."""
    found = []
    for path, call in calls():
        position = CODE_POSITION.get(name_of(call).split(".")[-1])
        argument = code_argument(call, position) if position is not None else None
        if argument is None:
            continue
        where = f"{path.relative_to(PACKAGE.parent)}:{call.lineno}"
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            found.append((where, argument.value))
        elif isinstance(argument, ast.JoinedStr):
            pattern = ast.unparse(argument)[2:-1]
            assert pattern in BUILT, f"{where}: a message code built as {pattern!r}: list it"
            found += [(where, code) for code in BUILT[pattern]]
        elif not isinstance(argument, ast.Name):  # a variable holding a code checked above
            raise AssertionError(f"{where}: a message code that is not a name or a string")
    return found


def test_the_source_has_message_codes_to_check() -> None:
    assert len(message_codes()) > 100


@pytest.mark.parametrize("language", languages())
def test_every_message_code_raised_exists_in_every_catalogue(language: str) -> None:
    messages = CATALOGUES[language]["messages"]
    missing = [f"{where}: {code}" for where, code in message_codes() if code not in messages]
    assert not missing, f"not in {language}.toml: {missing}"


def test_no_error_is_raised_with_words_of_its_own() -> None:
    """An error takes problems (codes), never a text: a text would exist in one language."""
    worded = []
    for path, call in calls():
        if name_of(call) in ERRORS or name_of(call).split(".")[-1] in ERRORS:
            texts = [a for a in call.args if isinstance(a, ast.JoinedStr)
                     or (isinstance(a, ast.Constant) and isinstance(a.value, str))]
            if name_of(call) == "OptionError":
                texts = texts[1:]  # its first argument names the option
            if texts:
                worded.append(f"{path.relative_to(PACKAGE.parent)}:{call.lineno}")
    assert not worded


@pytest.mark.parametrize("language", languages())
def test_every_label_the_code_asks_for_exists(language: str) -> None:
    labels = CATALOGUES[language]["labels"]
    asked = {(f"{path.name}:{call.lineno}", call.args[0].value) for path, call in calls()
             if name_of(call).endswith(".label") and call.args
             and isinstance(call.args[0], ast.Constant)}
    asked |= {(f"{path.name}:{call.lineno}", call.args[0].value) for path, call in calls()
              if name_of(call) == "_say" and isinstance(call.args[0], ast.Constant)}
    missing = sorted(f"{where}: {key}" for where, key in asked if key not in labels)
    assert not missing


def test_catalogues_have_the_same_keys_in_every_table() -> None:
    english = CATALOGUES["en"]
    for code, catalogue in CATALOGUES.items():
        for table in ("labels", "choices", "messages", "fields"):
            assert set(catalogue.get(table, {})) == set(english.get(table, {})), (code, table)


def test_without_a_document_messages_speak_the_users_locale(monkeypatch) -> None:
    from sopgen.core.errors import SopgenError

    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "id_ID.UTF-8")
    assert SopgenError.of("no_project_folder", path="x").lines() == [
        "galat: folder x tidak ada — periksa jalurnya, atau buat proyek dengan: sopgen init "
        "FOLDER"]
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert SopgenError.of("no_project_folder", path="x").lines()[0].startswith(
        "error: there is no folder x")


def test_the_preview_error_page_speaks_the_documents_language() -> None:
    from sopgen.commands.serve import error_page

    page = error_page(["galat: x"], True, "id").decode()
    assert '<html lang="id">' in page and "Konten memiliki 1 masalah" in page
    assert "Hasil baik terakhir" in page and "problem" not in page
