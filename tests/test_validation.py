"""One test per validation rule: the exact ``file:line:col`` and message, in both languages.

Every case writes a small, realistic mistake into a copy of the mini fixture and reads
it through the library (``read_handbook``), which must raise ``ValidationFailed``
whose ``lines()`` hold the message. The expected line is built here from the label
catalogue itself, so each rule is checked in English and in Bahasa Indonesia (the
document's ``language``); an English fragment per case keeps the wording honest.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sopgen.core.chars import shown
from sopgen.core.errors import ValidationFailed
from sopgen.core.problems import size_text
from sopgen.reading import load, validate, yamlread
from sopgen.reading.handbook import read_handbook
from tests.conftest import write

LABELS = Path(__file__).resolve().parent.parent / "sopgen" / "labels"
SOURCES = Path(__file__).resolve().parent.parent / "sopgen" / "reading"


def messages(language: str) -> dict[str, str]:
    return tomllib.loads((LABELS / f"{language}.toml").read_text())["messages"]


class Kind(str):
    """A parameter that is a word of the catalogue (``kind_text`` ...), not literal."""


class Patched(str):
    """A parameter that is the value a case patched in, e.g. a lowered limit."""


class Field(str):
    """The field a message is about, in the document's language: "Pillar (pillar)"."""


class Item(str):
    """One item of a list field, in the document's language: "Step (steps)"."""


def _nodes_in(project: Path, name: str) -> int:
    budget = yamlread.Budget()
    yamlread.read_yaml(project / "content" / name, name, budget)
    return yamlread.MAX_NODES - budget.nodes


def procedure(extra: str = "", **fields: str | None) -> str:
    """A one-procedure file; line 2 is ``id``, 5 ``purpose``, 7 ``frequency``, 8 ``steps``."""
    values: dict[str, str | None] = {
        "id": "MAN-02", "title": "Extra", "pillar": "management", "purpose": "Extra purpose.",
        "responsible": "[admin]", "frequency": "daily", "steps": "\n    - Do it.",
    }
    values.update(fields)
    body = "".join(f"  {key}: {value}\n" for key, value in values.items() if value is not None)
    return "procedure:\n" + body.replace(": \n", ":\n") + extra


def on_document(old: str, new: str) -> Callable[[Path], None]:
    """Change the first ``old`` in the fixture's document.yaml."""
    def change(project: Path) -> None:
        path = project / "content" / "document.yaml"
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
    return change


def extra(text: str | bytes, name: str = "content/extra.yaml") -> Callable[[Path], None]:
    def add(project: Path) -> None:
        if isinstance(text, bytes):
            (project / name).write_bytes(text)
        else:
            write(project, name, text)
    return add


@dataclass
class Case:
    code: str
    setup: Callable[[Path], None]
    where: str  # exactly as printed: file:line:col, or file alone
    params: dict[str, object]
    english: str  # a fragment of the English line, written out by hand
    patch: dict[str, object] = field(default_factory=dict)  # "module.NAME": value


ROLES_ALLOWED = "admin, coordinator"
TOP_KEYS = "document, pillars, roles, procedures, glossary, revisions, procedure, adopt"
PROCEDURE_FIELDS = ("id, title, pillar, purpose, responsible, frequency, steps, scope, "
                    "out_of_scope, accountable, consulted, informed, trigger, prerequisites, "
                    "tools, checklist, records, attachments, references, related, "
                    "last_reviewed, visibility, schedules, applies_to, checked_by, adopted")
FREQUENCIES = "daily, weekly, monthly, quarterly, yearly, event"


def _outside_link(project: Path) -> None:
    secret = project.parent / "outside.yaml"
    secret.write_text("glossary:\n  - term: Secret\n    definition: Read from outside.\n")
    (project / "content" / "extra.yaml").symlink_to(secret)


def _asset(name: str, data: bytes) -> Callable[[Path], None]:
    def add(project: Path) -> None:
        (project / "content" / "assets" / name).write_bytes(data)
    return add


def _both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def run(project: Path) -> None:
        for step in steps:
            step(project)
    return run


SCHEDULE = "  schedules:\n    -\n"  # then the schedule's fields, from line 12
VENDOR = "roles:\n  - id: host\n    title: Hosting\n    kind: vendor\n"

CASES = [
    Case("yaml_syntax", extra("roles:\n  - id: a\n   title: b\n"), "content/extra.yaml:3:4",
         {"detail": "did not find expected '-' indicator"}, "this is not valid YAML"),
    Case("empty_file", extra("# to be written\n\n"), "content/extra.yaml:1:1", {},
         "the file is empty"),
    Case("file_too_large", extra("# padding\n" * 500 + "glossary: []\n"), "content/extra.yaml",
         {"size": 5013, "mib": "4.9 KiB", "limit": 4000, "limit_mib": "3.9 KiB"},
         "the file is 4.9 KiB (5013 bytes), more than the limit of 3.9 KiB for one file",
         patch={"yamlread.MAX_FILE_BYTES": 4000}),
    Case("not_utf8", extra(b"glossary:\n  - term: Caf\xe9\n    definition: Latin-1.\n"),
         "content/extra.yaml:2:14", {}, "is not UTF-8 text"),
    Case("tab", extra("glossary:\n\t- term: Backup\n"), "content/extra.yaml:2:1", {},
         "a tab character is used for indentation"),
    Case("too_deep", extra("glossary: " + "[" * 40 + "]" * 40 + "\n"), "content/extra.yaml:1:43",
         {"limit": 32}, "nested more than 32 levels deep"),
    Case("too_many_values", extra("glossary: [" + "a," * 200 + "a]\n"),
         "content/extra.yaml:1:206", {"limit": Patched("MAX_NODES")}, "the content holds more than",
         patch={"yamlread.MAX_NODES": lambda project: _nodes_in(project, "document.yaml") + 100}),
    Case("alias", extra("glossary:\n  - term: &t Backup\n    definition: *t\n"),
         "content/extra.yaml:3:17", {}, "anchors and aliases (& and *) are not supported"),
    Case("tag", extra("glossary:\n  - term: !!python/object/apply:os.system [id]\n"
                      "    definition: x\n"),
         "content/extra.yaml:2:11", {"tag": "!!python/object/apply:os.system"},
         "the YAML tag '!!python/object/apply:os.system' is not allowed"),
    Case("merge_key", extra("glossary:\n  - <<: {term: Backup}\n    definition: x\n"),
         "content/extra.yaml:2:5", {}, "the merge key '<<' is not supported"),
    Case("complex_key", extra("glossary:\n  - ? [term, word]\n    : Backup\n"),
         "content/extra.yaml:2:7", {}, "a key must be plain text"),
    Case("duplicate_key", extra("glossary:\n  - term: Backup\n    definition: A copy.\n"
                                "    term: Restore\n"),
         "content/extra.yaml:4:5", {"key": "term", "first_line": 2},
         "the key 'term' appears twice in this mapping (first on line 2)"),
    Case("unreadable", extra("glossary: []\n"), "content/extra.yaml",
         {"detail": "Permission denied"}, "the file cannot be read (Permission denied)"),
    Case("outside_project", _outside_link, "content/extra.yaml", {},
         "this file is a link that points outside the project"),
    Case("file_not_mapping", extra("- Backup\n- Restore\n"), "content/extra.yaml:1:1",
         {"keys": TOP_KEYS}, "the file must start with one of these keys"),
    Case("unknown_key", extra("glosary:\n  - term: Backup\n    definition: A copy.\n"),
         "content/extra.yaml:1:1",
         {"key": "glosary", "suggestion": "glossary", "allowed": TOP_KEYS},
         "unknown key 'glosary' (did you mean 'glossary'?)"),
    Case("unknown_key", extra(procedure(titel="Extra")), "content/extra.yaml:10:3",
         {"key": "titel", "suggestion": "title", "allowed": PROCEDURE_FIELDS},
         "unknown key 'titel' (did you mean 'title'?)"),
    Case("duplicate_section", extra("pillars:\n  management:\n    title: Again\n"),
         "content/extra.yaml:1:1", {"key": "pillars", "first": "content/document.yaml:23:1"},
         "'pillars' is already defined in content/document.yaml:23:1"),
    Case("expected_list", extra("glossary: Backup\n"), "content/extra.yaml:1:11",
         {"key": "glossary"}, "'glossary' must be a list"),
    Case("expected_mapping", extra("glossary:\n  - Backup\n"), "content/extra.yaml:2:5",
         {"kind": Kind("text"), "fields": "term, definition", "what": Item("glossary")},
         "Glossary entry (glossary): expected a mapping of fields but found text"),
    Case("step_colon", extra(procedure(steps="\n    - Open the menu: Plugins")),
         "content/extra.yaml:9:7", {"key": "Open the menu"},
         "this step was read as a field called 'Open the menu'"),
    Case("missing_section", lambda project: (project / "content" / "procedures.yaml").unlink(),
         "content", {"field": "procedures"}, "no file in content/ has a 'procedures:' section"),
    Case("missing_field", extra(procedure(title=None)), "content/extra.yaml:2:3",
         {"field": "title", "what": Field("title")},
         "the required field Title (title) is missing or empty"),
    Case("missing_field", extra(procedure(steps="")), "content/extra.yaml:8:3",  # the key
         {"field": "steps", "what": Field("steps")},
         "the required field Steps (steps) is missing or empty"),
    Case("expected_list_field", extra(procedure(steps="\n    first: Do it.")),
         "content/extra.yaml:9:5", {"what": Field("steps"), "kind": Kind("mapping")},
         "Steps (steps) must be a list, but found a mapping of fields"),
    Case("empty_item", extra(procedure(steps="\n    -\n    - Do it.")),
         "content/extra.yaml:9:6", {"what": Field("steps")},
         "an item of Steps (steps) is empty"),
    Case("text_is_mapping", extra(procedure(purpose="\n    Note: read this first.")),
         "content/extra.yaml:6:5", {"what": Field("purpose")},
         "Purpose (purpose) must be text, but it was read as fields"),
    Case("expected_text", extra(procedure(title="[Extra, More]")), "content/extra.yaml:3:10",
         {"what": Field("title"), "kind": Kind("list")},
         "Title (title) must be text, but found a list"),
    Case("text_too_long", extra(procedure(purpose="Word " * 80 + "end.")),
         "content/extra.yaml:5:12", {"what": Field("purpose"), "limit": 400},
         "Purpose (purpose) is longer than 400 characters", patch={"validate.MAX_TEXT": 400}),
    Case("invisible_char", extra(procedure(id="MAN-\u200b02")), "content/extra.yaml:2:11",
         {"what": Field("id"), "value": "MAN-\u200b02", "char": "U+200B ZERO WIDTH SPACE"},
         "ID (id): 'MAN-⟨U+200B ZERO WIDTH SPACE⟩02' contains the invisible character U+200B"),
    Case("control_char", extra(procedure(title='"Keep \u202eevil"')), "content/extra.yaml:3:16",
         {"what": Field("title"), "char": "U+202E RIGHT-TO-LEFT OVERRIDE"},
         "Title (title): the text contains U+202E RIGHT-TO-LEFT OVERRIDE"),
    Case("control_char_in_file", extra(procedure(title="Ring\u001b twice")),
         "content/extra.yaml:3:14", {"char": "U+001B ESCAPE"},
         "the file contains U+001B ESCAPE, a control character that YAML does not allow"),
    Case("svg_unreadable", _asset("logo.svg", b'<!DOCTYPE svg [<!ENTITY x "y">]><svg/>'),
         "content/document.yaml:8:11", {"what": Field("logo"), "path": "assets/logo.svg",
                                        "detail": "the DOCTYPE declares entities"},
         "Logo (logo): the SVG image 'assets/logo.svg' cannot be read safely"),
    Case("bad_procedure_id", extra(procedure(id="man-2")), "content/extra.yaml:2:7",
         {"value": "man-2", "example": "TEK-05", "what": Field("id")},
         "ID (id): 'man-2' is not a valid procedure id"),
    Case("bad_role_id", extra("roles:\n  - id: Web_Admin\n    title: Web administrator\n"),
         "content/extra.yaml:2:9", {"value": "Web_Admin", "what": Field("id")},
         "'Web_Admin' is not a valid role id"),
    Case("bad_document_id", on_document("id: SOP-MINI", "id: SOP MINI"),
         "content/document.yaml:2:7", {"value": "SOP MINI", "example": "SOP-SK-WEB",
                                       "what": Field("id")},
         "'SOP MINI' is not a valid document id"),
    Case("bad_version", on_document('version: "1.2.0"', "version: 1.10"),
         "content/document.yaml:9:12", {"value": "1.10", "what": Field("version")},
         "Version (version): '1.10' is not a version number"),
    Case("bad_asset_path", on_document("logo: assets/logo.svg", "logo: /etc/passwd"),
         "content/document.yaml:8:11", {"value": "/etc/passwd", "what": Field("logo")},
         "Logo (logo): '/etc/passwd' is not a valid file name"),
    Case("bad_choice", extra(procedure(frequency="weekley")), "content/extra.yaml:7:14",
         {"value": "weekley", "suggestion": "weekly", "allowed": FREQUENCIES,
          "what": Field("frequency")},
         "Frequency (frequency): 'weekley' is not allowed here (did you mean 'weekly'?)"),
    Case("bad_choice", extra(procedure(frequency="Harian")), "content/extra.yaml:7:14",
         {"value": "Harian", "suggestion": "daily", "allowed": FREQUENCIES,
          "what": Field("frequency")},
         "'Harian' is not allowed here (did you mean 'daily'?)"),  # the word the PDF shows
    Case("bad_date", extra(procedure(last_reviewed="2024-02-30")), "content/extra.yaml:10:18",
         {"value": "2024-02-30", "what": Field("last_reviewed")}, "'2024-02-30' is not a date"),
    Case("bad_number", on_document("review_cycle_months: 12", "review_cycle_months: twelve"),
         "content/document.yaml:14:24", {"value": "twelve", "what": Field("review_cycle_months")},
         "'twelve' is not a whole number"),
    Case("duplicate_role", extra("roles:\n  - id: admin\n    title: Second admin\n"),
         "content/extra.yaml:2:9", {"id": "admin", "first": "content/document.yaml:39:9"},
         "the role id 'admin' is used twice (first at content/document.yaml:39:9)"),
    Case("duplicate_procedure", extra(procedure(id="TEK-01")), "content/procedures.yaml:16:9",
         {"id": "TEK-01", "first": "content/extra.yaml:2:7"},  # files merge in path order
         "the procedure id 'TEK-01' is used twice (first at content/extra.yaml:2:7)"),
    Case("section_line_missing", extra(procedure().replace("procedure:\n  ", "")
                                       .replace("\n  ", "\n")),
         "content/extra.yaml:1:1", {"section": "procedure"},
         "these are the fields of a procedure, but the file does not say so"),
    Case("yaml_special_start", extra(procedure(steps="\n    - **Never** post at night.")),
         "content/extra.yaml:9:7", {"text": "**Never** post at night.", "char": "*"},
         "the text '**Never** post at night.' starts with '*', which YAML reads as markup"),
    Case("yaml_special_start", extra(procedure(title="&copy notice")),  # an anchor, no alias
         "content/extra.yaml:3:10", {"text": "&copy notice", "char": "&"},
         "the text '&copy notice' starts with '&'"),
    Case("yaml_colon_in_text", extra(procedure(title="Langkah Unggah: artikel")),
         "content/extra.yaml:3:10", {"text": "Langkah Unggah: artikel"},
         "contains ': ', which YAML reads as the start of a field"),
    Case("yaml_missing_colon", extra(procedure().replace("title: Extra", "title Extra")),
         "content/extra.yaml:3:3", {}, "this line has no ':' after its field name"),
    Case("look_alike", extra(procedure().replace("title: Extra", "title:\u00a0Extra")),
         "content/extra.yaml:3:9", {"char": "U+00A0 NO-BREAK SPACE"},
         "a U+00A0 NO-BREAK SPACE character (pasted from a word processor or a web page)"),
    Case("yaml_unclosed_quote", extra(procedure(title='"Back up the database')),
         "content/extra.yaml:3:10", {"quote": '"'},
         'the text starting here with " is never closed'),
    Case("duplicate_term", extra("glossary:\n  - term: backup\n    definition: Again.\n"),
         "content/extra.yaml:2:11", {"id": "backup", "first": "content/document.yaml:44:11"},
         "the glossary term 'backup' is defined twice (first at content/document.yaml:44:11)"),
    Case("roles_as_text", extra(procedure(responsible="admin, coordinator")),
         "content/extra.yaml:6:16", {"id": "admin, coordinator", "items": "admin, coordinator"},
         "'admin, coordinator' is one text, not a list of roles — write it as a list: "
         "[admin, coordinator]"),
    Case("unknown_role", extra(procedure(responsible="[admn]")), "content/extra.yaml:6:17",
         {"id": "admn", "suggestion": "admin", "allowed": ROLES_ALLOWED},
         "there is no role with id 'admn' (did you mean 'admin'?)"),
    Case("unknown_procedure", extra(procedure(related="[TEK-02]")), "content/extra.yaml:10:13",
         {"id": "TEK-02", "suggestion": "TEK-01"},
         "there is no procedure with id 'TEK-02' (did you mean 'TEK-01'?)"),
    Case("unknown_mention", extra(procedure(purpose="Do this after TEK-09.")),
         "content/extra.yaml:5:12", {"id": "TEK-09", "suggestion": "TEK-01"},
         "the text mentions TEK-09, but there is no such procedure"),
    Case("event_needs_trigger", extra(procedure(frequency="event")), "content/extra.yaml:2:7",
         {"id": "MAN-02"}, "procedure MAN-02 happens on an event but says not which"),
    # schedules
    Case("bad_day_of_month", extra(procedure(SCHEDULE + "      day_of_month: 31\n",
                                             frequency="monthly")),
         "content/extra.yaml:12:21", {"value": "31", "what": Field("day_of_month")},
         "'31' is not a day for a schedule"),
    Case("bad_time_of_day", extra(procedure(SCHEDULE + "      time: 9.30\n")),
         "content/extra.yaml:12:13", {"value": "9.30", "what": Field("time")},
         "'9.30' is not a time — write HH:MM"),
    Case("bad_reminder", extra(procedure(SCHEDULE + "      reminder: 1 day\n")),
         "content/extra.yaml:12:17", {"value": "1 day", "what": Field("reminder")},
         "'1 day' is not a reminder time"),
    Case("bad_timezone", extra(procedure(SCHEDULE + "      timezone: GMT +7\n")),
         "content/extra.yaml:12:17", {"value": "GMT +7", "what": Field("timezone")},
         "'GMT +7' is not a time zone name"),
    Case("unknown_timezone", on_document(
        "effective_date: 2024-03-01", "effective_date: 2024-03-01\n  timezone: Asia/Djakarta"),
         "content/document.yaml:13:13", {"value": "Asia/Djakarta"},
         "time zone 'Asia/Djakarta' is unknown"),
    Case("bad_boolean", extra(procedure(SCHEDULE + "      working_days: yes\n")),
         "content/extra.yaml:12:21", {"value": "yes", "what": Field("working_days")},
         "'yes' is not true or false"),
    Case("schedule_on_event", extra(procedure(SCHEDULE + "      time: \"09:00\"\n",
                                              frequency="event", trigger="A storm.")),
         "content/extra.yaml:13:13", {"id": "MAN-02"},
         "procedure MAN-02 happens on an event, so it has no schedule"),
    Case("bad_choice", extra(procedure(SCHEDULE + "      frequency: event\n")),
         "content/extra.yaml:12:18",
         {"value": "event", "suggestion": "", "what": Field("frequency"),
          "allowed": "daily, weekly, monthly, quarterly, yearly"},
         "'event' is not allowed here"),
    Case("schedule_more_often", extra(procedure(SCHEDULE + "      frequency: daily\n",
                                                frequency="weekly")),
         "content/extra.yaml:12:18",
         {"id": "MAN-02", "frequency": "daily", "procedure_frequency": "weekly"},
         "a daily schedule is more frequent than procedure MAN-02's frequency (weekly)"),
    Case("schedule_no_weekdays", extra(procedure(SCHEDULE + "      weekdays: [friday]\n",
                                              frequency="monthly")),
         "content/extra.yaml:12:18", {"id": "MAN-02", "frequency": "monthly"},
         "the monthly schedule of procedure MAN-02 takes no weekdays without a week"),
    Case("schedule_no_day_of_month", extra(procedure(SCHEDULE + "      day_of_month: 7\n",
                                                  frequency="weekly")),
         "content/extra.yaml:12:21", {"id": "MAN-02", "frequency": "weekly"},
         "the weekly schedule of procedure MAN-02 takes no day_of_month"),
    Case("schedule_no_months", extra(procedure(SCHEDULE + "      months: [october]\n",
                                            frequency="monthly")),
         "content/extra.yaml:12:16", {"id": "MAN-02", "frequency": "monthly"},
         "the monthly schedule of procedure MAN-02 takes no months"),
    Case("schedule_no_working_days", extra(procedure(
        SCHEDULE + "      weekdays: [monday]\n      working_days: true\n", frequency="weekly")),
         "content/extra.yaml:12:18", {"id": "MAN-02", "frequency": "weekly"},
         "working_days: true has no clear meaning in the weekly schedule of procedure MAN-02"),
    Case("schedule_working_weekend", extra(procedure(
        SCHEDULE + "      working_days: true\n      weekdays: [monday, saturday]\n")),
         "content/extra.yaml:13:26", {"id": "MAN-02", "day": "saturday"},
         "working days only (working_days: true, Monday–Friday) but its weekdays name saturday"),
    Case("schedule_quarter_months", extra(procedure(
        SCHEDULE + "      months: [january, march]\n", frequency="quarterly")),
         "content/extra.yaml:12:16", {"id": "MAN-02", "months": "january, march"},
         "are not three months apart"),
    Case("schedule_no_week", extra(procedure(
        SCHEDULE + "      week: first\n      day_of_month: 7\n", frequency="monthly")),
         "content/extra.yaml:12:13", {"id": "MAN-02", "frequency": "monthly"},
         "takes no week — a week of the month is for monthly, quarterly or yearly schedules"),
    Case("schedule_working_day_number", extra(procedure(
        SCHEDULE + "      day_of_month: 22\n      working_days: true\n", frequency="monthly")),
         "content/extra.yaml:12:21", {"id": "MAN-02", "day": "22"},
         "working day 22 of procedure MAN-02 is not in every month"),
    Case("bad_url", extra(procedure("  references:\n    - title: Docs\n"
                                    "      url: javascript:alert(1)\n")),
         "content/extra.yaml:12:12", {"url": "javascript:alert(1)", "what": Field("url")},
         "'javascript:alert(1)' is not an allowed address"),
    # roles held outside the organisation, and their contacts
    Case("contact_empty", extra(VENDOR + "    contacts:\n      - label: Desk\n"),
         "content/extra.yaml:6:16", {"role": "host"},
         "a contact of role 'host' has no e-mail, phone or url"),
    Case("bad_email", extra(VENDOR + "    contacts:\n      - email: desk at host\n"),
         "content/extra.yaml:6:16",
         {"value": "desk at host", "what": Field("email"), "example": "support@example.org"},
         "'desk at host' is not an e-mail address"),
    Case("bad_phone", extra(VENDOR + "    contacts:\n      - phone: 021-555\n"),
         "content/extra.yaml:6:16",
         {"value": "021-555", "what": Field("phone"), "example": "+62 21 5550 100"},
         "'021-555' is not a phone number"),
    Case("outside_needs_checker", _both(extra(VENDOR, "content/vendor.yaml"),
                                        extra(procedure(responsible="[host]"))),
         "content/extra.yaml:2:7", {"id": "MAN-02"},
         "procedure MAN-02 is done by a vendor or system, but no role of the organisation"),
    Case("checker_outside", _both(extra(VENDOR, "content/vendor.yaml"),
                                  extra(procedure(responsible="[host]", checked_by="host"))),
         "content/extra.yaml:10:15", {"id": "MAN-02", "role": "host", "kind": "vendor"},
         "procedure MAN-02 is done by a vendor or system and checked by 'host'"),
    Case("checked_by_unused", extra(procedure(checked_by="coordinator")),
         "content/extra.yaml:10:15", {"id": "MAN-02"},
         "procedure MAN-02 is done by roles of the organisation, so 'checked_by' has no effect"),
    Case("asset_outside", on_document("logo: assets/logo.svg", "logo: assets/../../secret.png"),
         "content/document.yaml:8:11", {"path": "assets/../../secret.png", "what": Field("logo")},
         "'assets/../../secret.png' is outside content/assets/"),
    Case("asset_type", _both(_asset("logo.txt", b"MINI"),
                             on_document("logo: assets/logo.svg", "logo: assets/logo.txt")),
         "content/document.yaml:8:11",
         {"path": "assets/logo.txt", "types": ".png, .jpg, .jpeg, .svg", "what": Field("logo")},
         "'assets/logo.txt' is not a supported image"),
    Case("asset_missing", on_document("logo: assets/logo.svg", "logo: assets/nope.png"),
         "content/document.yaml:8:11", {"path": "assets/nope.png", "what": Field("logo")},
         "Logo (logo): the image file 'assets/nope.png' does not exist"),
    Case("asset_too_large", _asset("logo.svg", b"<svg/>" + b" " * 94),
         "content/document.yaml:8:11", {"path": "assets/logo.svg", "size": 100, "mib": "100 B",
                                        "limit": 50, "limit_mib": "50 B", "what": Field("logo")},
         "the image 'assets/logo.svg' is 100 B (100 bytes), more than the limit of 50 B",
         patch={"validate.MAX_ASSET_BYTES": 50}),
    # Steps: ids, references to a step, goto
    Case("bad_step_id", extra(procedure(steps="\n    - id: Restore\n      text: One.")),
         "content/extra.yaml:9:11", {"value": "Restore", "what": Field("id"),
                                     "example": "restore"},
         "ID (id): 'Restore' is not a valid step id"),
    Case("duplicate_step_id",
         extra(procedure(steps="\n    - id: check\n      text: One.\n"
                               "    - id: check\n      text: Two.")),
         "content/extra.yaml:11:11",
         {"id": "check", "procedure": "MAN-02", "first": "content/extra.yaml:9:11"},
         "the step id 'check' is used twice in MAN-02 (first at content/extra.yaml:9:11)"),
    Case("unknown_step_ref",
         extra(procedure(purpose="Go back to MAN-02#chek.",
                         steps="\n    - id: check\n      text: One.")),
         "content/extra.yaml:5:12",
         {"id": "MAN-02#chek", "procedure": "MAN-02", "step": "chek", "suggestion": "check",
          "known": "check"},
         "the text refers to MAN-02#chek, but MAN-02 has no step with the id 'chek' "
         "(did you mean 'check'?) (its step ids: check)"),
    Case("unknown_goto",
         extra(procedure(steps="\n    - id: check\n      text: One.\n      decision:\n"
                               "        - when: It fails.\n          then: Stop.\n"
                               "          goto: stpo\n    - id: stop\n      text: Two.")),
         "content/extra.yaml:14:17",
         {"step": "stpo", "procedure": "MAN-02", "suggestion": "stop", "known": "check, stop"},
         "goto names the step 'stpo', but MAN-02 has no step with that id "
         "(did you mean 'stop'?) (its step ids: check, stop)"),
]

# Nothing silent: mistakes that used to move or drop content, or were named by a symptom.
def _on_procedures(old: str, new: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        path = project / "content" / "procedures.yaml"
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new, 1))
    return change


CASES += [
    Case("list_not_indented",
         extra(procedure(steps="\n    - text: Open the site.\n      substeps:\n"
                               "    - Click Login.\n    - Enter the password.")),
         "content/extra.yaml:10:7", {"key": "substeps", "key_line": 10, "item_line": 11,
                                     "column": 9},
         "'substeps:' on line 10 is empty, and the '- ' items from line 11 below it are not "
         "indented under it, so they were read as items of the list above — indent those "
         "items to column 9 or further"),
    Case("list_not_indented",
         extra("procedures:\n" + procedure(checklist="").replace("procedure:\n  ", "  - ")
               .replace("\n  ", "\n    ") + "  - Done.\n"),
         "content/extra.yaml:10:5", {"key": "checklist", "key_line": 10, "item_line": 11,
                                     "column": 7},
         "'checklist:' on line 10 is empty"),
    Case("yaml_item_needs_text",
         extra(procedure(steps="\n    - Open the site.\n      note: Log in first.")),
         "content/extra.yaml:9:7", {"key": "note", "line": 10},
         "this list item is only a text, so 'note:' on line 10 cannot belong to it — write the "
         "item as '- text: …' and put 'note:' under 'text:'"),
    Case("yaml_curly_quotes", extra(procedure(title="\u201cBackup: daily\u201d")),
         "content/extra.yaml:3:10", {"text": "\u201cBackup: daily\u201d", "quote": "\u201c"},
         "'“Backup: daily”' starts with the typographic quote “ (as a word processor writes "
         "it), which YAML does not read as a quote"),
    Case("yaml_curly_quotes", extra(procedure(steps="\n    - \u201cSave: then\u201d close.")),
         "content/extra.yaml:9:7", {"text": "\u201cSave", "quote": "\u201c"},
         "replace the typographic quotes around the text with straight quotes"),
    Case("duplicate_procedure_hides", _on_procedures("id: TEK-01", "id: MAN-01"),
         "content/procedures.yaml:16:9",
         {"id": "MAN-01", "first": "content/procedures.yaml:2:9", "gone": "TEK-01",
          "count": 1},
         "the procedure id 'MAN-01' is used twice (first at content/procedures.yaml:2:9) — "
         "give each procedure its own id; was one of them meant to be TEK-01? The 1 "
         "reference(s) to TEK-01"),
    Case("duplicate_role_hides", on_document("id: admin", "id: coordinator"),
         "content/document.yaml:39:9",
         {"id": "coordinator", "first": "content/document.yaml:35:9", "gone": "admin",
          "count": 3},
         "the role id 'coordinator' is used twice"),
    Case("procedure_renamed", extra(procedure(id="MAN-03", related="[MAN-03]",
                                              purpose="Before MAN-02, see TEK-01."),
                                    "content/MAN-02.yaml"),
         "content/MAN-02.yaml:2:7", {"id": "MAN-03", "gone": "MAN-02", "count": 1},
         "this procedure's file is named after MAN-02, but its id is 'MAN-03', and 1 "
         "reference(s) still name MAN-02 — give it back the id MAN-02"),
    Case("bad_choice", extra(procedure(frequency="biweekly")), "content/extra.yaml:7:14",
         {"value": "biweekly", "suggestion": "", "allowed": FREQUENCIES,
          "what": Field("frequency")},
         "'biweekly' is not allowed here — use one of"),  # never "weekly": half the work
    Case("bad_choice", extra(procedure(frequency="hourly")), "content/extra.yaml:7:14",
         {"value": "hourly", "suggestion": "", "allowed": FREQUENCIES,
          "what": Field("frequency")},
         "'hourly' is not allowed here — use one of"),
    Case("unknown_key", extra(procedure(langkah="\n    - Do it.")), "content/extra.yaml:10:3",
         {"key": "langkah", "suggestion": "steps", "allowed": PROCEDURE_FIELDS},
         "unknown key 'langkah' (did you mean 'steps'?)"),
]

MODULES = {"yamlread": yamlread, "load": load, "validate": validate}


def expected_line(case: Case, language: str, patched: dict[str, object]) -> str:
    words = messages(language)
    labels = tomllib.loads((LABELS / f"{language}.toml").read_text())
    params = {key: words[f"kind_{value}"] if isinstance(value, Kind)
              else f"{labels['field_labels'][value]} ({value})" if isinstance(value, Field)
              else f"{labels['item_labels'][value]} ({value})" if isinstance(value, Item)
              else patched[value] if isinstance(value, Patched) else shown(str(value))
              for key, value in case.params.items()}
    suggestion = params.get("suggestion")
    params["did_you_mean"] = words["did_you_mean"].format(suggestion=suggestion) \
        if suggestion else ""
    text = words[case.code].format_map(_Blank(params))
    if "what" in params and "{what}" not in words[case.code]:
        text = f"{params['what']}: {text}"
    return f"{case.where}: {words['error']}: {text}"


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def problems_of(project: Path) -> list[str]:
    """The error lines (reviewer warnings, printed after them, are not what we test)."""
    with pytest.raises(ValidationFailed) as failure:
        read_handbook(project)
    errors = (f": {messages(language)['error']}: " for language in ("en", "id"))
    markers = tuple(errors)
    return [line for line in failure.value.lines() if any(m in line for m in markers)]


def in_language(project: Path, language: str) -> None:
    path = project / "content" / "document.yaml"
    path.write_text(path.read_text().replace("language: en", f"language: {language}"))


def _case_id(case: Case) -> str:
    same = [c for c in CASES if c.code == case.code]
    return case.code if len(same) == 1 else f"{case.code}-{same.index(case) + 1}"


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule(case: Case, language: str, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_language(mini, language)
    case.setup(mini)
    patched: dict[str, object] = {}
    for name, value in case.patch.items():
        module, attribute = name.split(".")
        patched[attribute] = value(mini) if callable(value) else value
        monkeypatch.setattr(MODULES[module], attribute, patched[attribute])
    if case.code == "unreadable":
        _refuse_reading(monkeypatch, "extra.yaml")
    lines = problems_of(mini)
    assert lines == [expected_line(case, language, patched)]
    if language == "en":
        assert case.english in lines[0]


def _refuse_reading(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """A file the user may not read (chmod does not stop root, so refuse in Python)."""
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


# ------------------------------------------------ rules that know no document language

@pytest.mark.parametrize(("setup", "patch", "line"), [
    (None, {}, "content: error: there are no .yaml files in this folder — add the SOP's "
               "YAML files, or create a project with: sopgen init"),
    ("three", {"MAX_FILES": 2}, "content: error: 3 YAML files found, more than the limit "
                                "of 2 — merge some of them"),
    ("big", {"MAX_TOTAL_BYTES": 100}, "content: error: the YAML files in content/ are {mib} "
                                       "({size} bytes) together, more than the limit of "
                                       "100 B — the largest: {largest}; make them smaller or "
                                       "split the SOP into several projects"),
], ids=["no_content_files", "too_many_files", "content_too_large"])
def test_project_level_rules_before_any_file_is_read(
        mini: Path, monkeypatch: pytest.MonkeyPatch, setup: str | None,
        patch: dict[str, int], line: str) -> None:
    """No file has been read yet, so there is no document language: English is used."""
    for name, value in patch.items():
        monkeypatch.setattr(load, name, value)
    if setup is None:
        for path in (mini / "content").glob("*.yaml"):
            path.unlink()
    else:
        in_language(mini, "id")
        write(mini, "content/extra.yaml", "glossary: []\n")
    sizes = {p: p.stat().st_size for p in (mini / "content").glob("*.yaml")}
    size = sum(sizes.values())
    largest = ", ".join(f"content/{p.name} ({size_text(sizes[p])})"
                        for p in sorted(sizes, key=lambda p: -sizes[p])[:3])
    assert problems_of(mini) == [line.format(size=size, mib=size_text(size), largest=largest)]


@pytest.mark.parametrize("language", ["en", "id"])
def test_text_cut_off_by_a_hash_is_a_warning_naming_what_was_lost(mini: Path,
                                                                  language: str) -> None:
    in_language(mini, language)
    write(mini, "content/extra.yaml", procedure(
        purpose="Call the editor on ext. 204 #2 before posting.",
        frequency="daily  # every morning, before nine"))  # a comment meant as one
    checked = read_handbook(mini)
    said = messages(language)["text_as_comment"].format(text="#2 before posting.")
    assert f"content/extra.yaml:5:40: {messages(language)['warning']}: {said}" in checked.warnings
    assert not any("every morning" in line for line in checked.warnings)
    assert checked.handbook.procedure("MAN-02").purpose == "Call the editor on ext. 204"


def test_files_saved_under_the_wrong_name_are_named_not_lost(mini: Path) -> None:
    write(mini, "content/TEK-02.YAML", procedure(id="TEK-02", pillar="technical"))
    write(mini, "content/TEK-03.yaml.txt", procedure(id="TEK-03", pillar="technical"))
    write(mini, "content/notes.txt", "Ideas for next year.\n")  # not content: no warning
    write(mini, "content/TEK-04.txt", procedure(id="TEK-04", pillar="technical"))
    write(mini, "content/._procedures.yaml", "\0\5\0\0Mac resource fork")
    write(mini, "content/.backup/procedures.yaml", "this: [is not read")
    checked = read_handbook(mini)
    assert "TEK-02" in [p.id for p in checked.handbook.procedures]  # .YAML is YAML
    unread = [line for line in checked.warnings if "is not read" in line]
    assert unread == [
        "content/TEK-03.yaml.txt: warning: this file is not read: only files ending in .yaml "
        "are — if it holds SOP content, rename it to end in .yaml",
        "content/TEK-04.txt: warning: this file is not read: only files ending in .yaml are "
        "— if it holds SOP content, rename it to end in .yaml"]


def test_a_file_saved_as_utf16_without_a_mark_is_named_as_such(mini: Path) -> None:
    (mini / "content" / "extra.yaml").write_bytes("glossary: []\n".encode("utf-16-le"))
    assert problems_of(mini) == ["content/extra.yaml:1:2: error: the file is not UTF-8 text "
                                 "— save it again as UTF-8 in your editor"]


BLOCK = "|\n    \"Backups are boring until you need one,\n    says the admin.\""


@pytest.mark.parametrize(("fields", "expected"), [
    # a text going on over lines, with ": " in its second line: that line, not the one above
    ({"purpose": "Publish only what was checked\n    by two people. Rule: ask first."},
     "content/extra.yaml:6:5: error: the text 'by two people. Rule: ask first.' contains"),
    # a missing ':' above a list written [like, this]: the line without it, not the list
    ({"title": None, "pillar": "management\n  scope The database."},
     "content/extra.yaml:4:3: error: this line has no ':' after its field name"),
    # a quoted title indented too far is not "text to quote"
    ({"title": None, "pillar": "management\n      title: \"Publish a post\""},
     "content/extra.yaml:4:12: error: this is not valid YAML: mapping values are not allowed"),
    # a block whose line starts with a quote is fine; the mistake below is what is named
    ({"purpose": BLOCK, "frequency": "daily\n  trigger A post is ready."},
     "content/extra.yaml:10:3: error: this line has no ':' after its field name"),
])
def test_syntax_errors_are_named_where_they_are(mini: Path, fields: dict[str, str | None],
                                                expected: str) -> None:
    write(mini, "content/extra.yaml", procedure(**fields))
    assert problems_of(mini)[0].startswith(expected)


def test_non_breaking_spaces_inside_text_are_fine(mini: Path) -> None:
    write(mini, "content/extra.yaml", procedure(purpose="Rp\u00a0500.000 at most.",
                                                scope="|\n    One.\n    \u00a0\n    Two."))
    assert read_handbook(mini).handbook.procedure("MAN-02").purpose == "Rp\u00a0500.000 at most."


# ------------------------------------------------------------ coverage of the catalogue

def test_every_rule_the_reader_can_emit_has_a_case() -> None:
    """A message code used in the loader or validator but not tested above fails here."""
    source = "".join((SOURCES / name).read_text()
                     for name in ("yamlread.py", "load.py", "validate.py"))
    emitted = {code for code in messages("en") if re.search(rf"[\"']{code}[\"']", source)}
    emitted |= {f"bad_{name}" for name in ("procedure_id", "role_id", "document_id",
                                           "version", "asset_path", "step_id",
                                           "day_of_month", "time_of_day", "reminder",
                                           "timezone")}  # bad_{name}
    emitted -= {"error", "warning"} | {code for code in emitted if code.startswith("kind_")}
    tested = {case.code for case in CASES} | {"no_content_files", "too_many_files",
                                              "content_too_large", "text_as_comment",
                                              "starter_placeholder",
                                              "file_not_read", "invisible_removed",
                                              "svg_removed", "symlink_loop",
                                              "symlink_folder", "symlink_outside",
                                              # the project folder itself: test_cli, robustness
                                              "no_project_folder", "no_project_content",
                                              "content_folder_case",
                                              # reviewer warnings on callouts: test_steps
                                              "callout_label_repeated", "callout_other_label",
                                              # said in English when the language has no
                                              # catalogue: test_languages
                                              "unknown_language"}
    assert emitted - tested == set()


def test_catalogues_have_the_same_messages() -> None:
    english, indonesian = messages("en"), messages("id")
    assert set(english) == set(indonesian)
    for code, text in english.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == \
            set(re.findall(r"\{(\w+)\}", indonesian[code])), code


# ------------------------------------------------------------- reported all together

def test_content_problems_in_two_files_are_reported_together(mini: Path) -> None:
    write(mini, "content/a.yaml", "roles:\n  - id: Web_Admin\n    title: Web\n")
    write(mini, "content/b.yaml", procedure(frequency="weekley", last_reviewed="soon"))
    lines = problems_of(mini)
    assert [line.split(": error: ")[0] for line in lines] == [
        "content/a.yaml:2:9", "content/b.yaml:7:14", "content/b.yaml:10:18"]


def test_yaml_problems_in_two_files_are_reported_together(mini: Path) -> None:
    write(mini, "content/a.yaml", "roles: [\n")
    write(mini, "content/b.yaml", "glossary:\n\t- term: Tab\n")
    write(mini, "content/c.yaml", "glossary:\n  - term: a\n    term: b\n")
    lines = problems_of(mini)
    assert [line.split(": error: ")[0] for line in lines] == [
        "content/a.yaml:2:1", "content/b.yaml:2:1", "content/c.yaml:3:5"]
    assert "not valid YAML" in lines[0] and "tab" in lines[1] and "twice" in lines[2]


# ---------------------------------------------------------------- nothing is guessed

GUESSES = ["yes", "no", "on", "off", "1.10", "012", "0x1F", "1e3", "2024-01-01", ".inf", "null x"]


def test_values_that_look_like_other_types_stay_text_in_every_output(mini: Path) -> None:
    from sopgen.commands.build import build_project
    from sopgen.outputs.table import BuildOptions

    entries = "".join(f"  - term: {value}\n    definition: {value}\n" for value in GUESSES)
    write(mini, "content/words.yaml", "glossary:\n" + entries)
    write(mini, "content/extra.yaml", procedure(title="1.10", steps="\n    - yes\n    - 012"))
    result = build_project(mini, BuildOptions(formats=["md", "html"]))
    markdown = next(result.folder.glob("*.md")).read_text()
    html = next(result.folder.glob("*.html")).read_text()
    for value in GUESSES:
        assert f"**{value}**\n\n{value}\n" in markdown  # a glossary term and its definition
        assert f">{value}</dt>" in html
    assert "### MAN-02 1.10" in markdown and "1. yes\n" in markdown and "2. 012\n" in markdown
    for wrong in ("True", "False", "**1.1**", "**12**", "**31**", "1000.0"):
        assert wrong not in markdown


def test_unquoted_version_is_reported_as_written_never_as_a_float(mini: Path) -> None:
    in_language(mini, "id")
    on_document('version: "1.2.0"', "version: 1.10")(mini)
    lines = problems_of(mini)
    assert lines == ["content/document.yaml:9:12: galat: Versi (version): '1.10' bukan nomor "
                     "versi — tulis "
                     "tiga angka seperti \"2.0.0\", dengan tanda kutip"]


def test_every_field_has_a_label_in_every_language() -> None:
    """Messages name fields as the reader knows them: every YAML key has its words."""
    import dataclasses

    from sopgen.core import model

    keys = {f.name for cls in vars(model).values() if dataclasses.is_dataclass(cls)
            for f in model.model_fields(cls)}
    for language in ("en", "id"):
        labels = tomllib.loads((LABELS / f"{language}.toml").read_text())
        assert keys <= set(labels["field_labels"]), language
        assert set(labels["item_labels"]) <= keys
