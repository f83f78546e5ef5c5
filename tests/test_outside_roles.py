"""Roles held outside the organisation (vendors, automated systems), their contacts, and
procedures that apply to everyone."""

from __future__ import annotations

import subprocess
from pathlib import Path

import cmarkgfm
import pikepdf
import pytest
from icalendar import Calendar

from sopgen.commands.build import build_project
from sopgen.core.errors import OptionError
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from tests.browser import browser, overflowing
from tests.conftest import ROOT
from tests.test_validation import problems_of

OUTSIDE_ROLES = """
  - id: host
    title: Hosting Support
    kind: vendor
    organisation: Example Hosting Ltd
    response_time: 4 working hours
    contacts:
      - label: Support desk
        phone: +62 21 5550 100
        email: support@hosting.example
      - url: https://hosting.example/tickets
  - id: backup-bot
    title: Nightly backup
    kind: system
"""

OUTSIDE_PROCEDURE = """
  - id: TEK-02
    title: Check the nightly backup
    pillar: technical
    purpose: The host's system backs the site up every night; staff check it ran.
    responsible: [backup-bot]
    accountable: coordinator
    checked_by: admin
    frequency: weekly
    steps:
      - Open the backup report.
      - Confirm last night's copy is listed.
    checklist: [The newest copy is from last night.]
  - id: MAN-02
    title: Whom to call in an emergency
    pillar: management
    purpose: Everyone can reach help in minutes.
    responsible: [coordinator]
    applies_to: everyone
    frequency: event
    trigger: The site is down or under attack.
    steps:
      - Call the hosting support desk.
"""


def with_outside_roles(mini: Path) -> Path:
    """The mini project with a vendor, a system and an everyone procedure."""
    document = mini / "content" / "document.yaml"
    text = document.read_text()
    document.write_text(text.replace("\nglossary:", OUTSIDE_ROLES + "\nglossary:", 1))
    procedures = mini / "content" / "procedures.yaml"
    procedures.write_text(procedures.read_text().rstrip("\n") + "\n" + OUTSIDE_PROCEDURE)
    return mini


def role_text(mini: Path, roles: str, extra: str = "") -> list[str]:
    document = mini / "content" / "document.yaml"
    document.write_text(document.read_text().replace("\nglossary:", roles + "\nglossary:", 1))
    if extra:
        procedures = mini / "content" / "procedures.yaml"
        procedures.write_text(procedures.read_text().rstrip("\n") + "\n" + extra)
    return problems_of(mini)


# ---------------------------------------------------------------- validation


EMAIL_RULE = ("is not an e-mail address — write it as name@example.org, without spaces or "
              "'mailto:'")
PHONE_RULE = ("is not a phone number — use only digits and spaces, with a leading + for the "
              "country code, like +62 21 5550 100")


@pytest.mark.parametrize(("contact", "message"), [
    ("email: support at hosting.example",
     f"error: E-mail (email): 'support at hosting.example' {EMAIL_RULE}"),
    ("email: mailto:support@hosting.example",
     f"error: E-mail (email): 'mailto:support@hosting.example' {EMAIL_RULE}"),
    ("phone: (021) 555-0100", f"error: Phone (phone): '(021) 555-0100' {PHONE_RULE}"),
    ("phone: call the desk", f"error: Phone (phone): 'call the desk' {PHONE_RULE}"),
    ("url: javascript:alert(1)",
     "error: Address (url): 'javascript:alert(1)' is not an allowed address — use a full "
     "https:// (or http://, mailto:) address, without spaces (write a space as %20)"),
    ("label: Support desk",
     "error: a contact of role 'host' has no e-mail, phone or url — add one of them, or "
     "remove the contact"),
])
def test_a_bad_contact_is_refused_with_what_to_write(mini: Path, contact: str,
                                                     message: str) -> None:
    roles = f"""
  - id: host
    title: Hosting Support
    kind: vendor
    contacts:
      - {contact}
"""
    lines = role_text(mini, roles)
    assert len(lines) == 1, lines
    where, said = lines[0].split(": ", 1)
    assert where.startswith("content/document.yaml:"), lines
    assert said == message


def test_work_done_outside_needs_a_checker_of_the_organisation(mini: Path) -> None:
    roles = """
  - id: backup-bot
    title: Nightly backup
    kind: system
  - id: host
    title: Hosting Support
    kind: vendor
"""
    work = """
  - id: TEK-02
    title: Nightly backup
    pillar: technical
    purpose: A copy every night.
    responsible: [backup-bot]
    frequency: daily
    steps: [Copy the database.]
  - id: TEK-03
    title: Host checks the disks
    pillar: technical
    purpose: Disks do not fill up.
    responsible: [host]
    checked_by: backup-bot
    frequency: monthly
    steps: [Look at the disks.]
"""
    lines = role_text(mini, roles, work)
    assert [line.split(": ", 1)[1] for line in lines] == [
        "error: procedure TEK-02 is done by a vendor or system, but no role of the "
        "organisation checks it — add 'checked_by' (or 'accountable') with a staff, board "
        "or volunteer role",
        "error: procedure TEK-03 is done by a vendor or system and checked by "
        "'backup-bot', which is a system too — name a staff, board or volunteer role in "
        "'checked_by'",
    ]


def test_the_kind_is_one_of_the_choices(mini: Path) -> None:
    lines = role_text(mini, """
  - id: host
    title: Hosting Support
    kind: contractor
""")
    assert len(lines) == 1 and "'contractor'" in lines[0]
    assert "staff, board, volunteer, vendor, system" in lines[0]


def test_a_system_has_no_role_edition(mini: Path) -> None:
    with_outside_roles(mini)
    with pytest.raises(OptionError) as refused:
        build_project(mini, BuildOptions(formats=["md"], role="backup-bot"))
    assert ("'backup-bot' is an automated system: it reads no handbook, so it has no role "
            "edition — build the edition of the role that checks its work") in str(
                refused.value)


# ---------------------------------------------------------------- outputs


@pytest.fixture(scope="module")
def outside_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    mini = tmp_path_factory.mktemp("outside") / "mini"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", mini)
    with_outside_roles(mini)
    options = BuildOptions(formats=["md", "html", "pdf", "docx"],
                           artefacts=["checklists", "calendar", "acknowledgements"])
    return build_project(mini, options).folder


def only(folder: Path, suffix: str) -> Path:
    found = [path for path in folder.iterdir() if path.name.endswith(suffix)]
    assert len(found) == 1, found
    return found[0]


def test_the_markdown_lists_contacts_as_links(outside_built: Path) -> None:
    markdown = only(outside_built, "draft.md").read_text()
    html = cmarkgfm.github_flavored_markdown_to_html(markdown)
    assert '<a href="tel:+62215550100">+62 21 5550 100</a>' in html
    assert '<a href="mailto:support@hosting.example">support@hosting.example</a>' in html
    assert '<a href="https://hosting.example/tickets">' in html
    assert "<td>Vendor</td>" in html and "<td>4 working hours</td>" in html


def test_the_html_contacts_table_links_phone_and_mail(outside_built: Path) -> None:
    html = only(outside_built, "draft.html")
    with browser() as chromium:
        page = chromium.new_page()  # type: ignore[attr-defined]
        page.goto(html.as_uri())
        hrefs = page.eval_on_selector_all("table.contacts a", "els => els.map(a => a.href)")
        rows = page.eval_on_selector_all("table.contacts tbody tr",
                                         "rows => rows.map(r => r.innerText)")
        assert overflowing(page, [html]) == []
    assert hrefs == [f"{html.as_uri()}#role-host", "tel:+62215550100",
                     "mailto:support@hosting.example", "https://hosting.example/tickets"]
    assert len(rows) == 1 and "Example Hosting Ltd" in rows[0]  # no contact, no row


def test_the_pdf_links_the_phone_as_tel(outside_built: Path) -> None:
    with pikepdf.open(only(outside_built, "draft.pdf")) as pdf:
        uris = [str(annot.A.URI) for page in pdf.pages for annot in page.get("/Annots", [])
                if "/A" in annot and "/URI" in annot.A]
    assert "tel:+62215550100" in uris
    assert "mailto:support@hosting.example" in uris


def pdf_text(path: Path) -> str:
    """The PDF's text as pdftotext reads it, runs of white space as one space."""
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return " ".join(text.split())


def test_vendors_and_systems_sign_no_acknowledgement(outside_built: Path) -> None:
    text = pdf_text(only(outside_built, "acknowledgements.pdf"))
    assert "Acknowledgement: Website Coordinator" in text
    assert "Acknowledgement: Administrator" in text
    assert "Hosting Support" not in text and "Nightly backup" not in text
    # The procedure for everyone is on the administrator's page, marked as such.
    admin_page = text.split("Acknowledgement: Administrator")[1]
    assert "MAN-02" in admin_page
    assert "Whom to call in an emergency (for everyone)" in admin_page


def test_the_log_sheet_is_the_checkers(outside_built: Path) -> None:
    text = pdf_text(only(outside_built, "checklists.pdf"))
    sheet = text.split("TEK-02")[1]
    assert "Checked by: Administrator" in sheet
    assert "Checked by (initials)" in sheet


def test_the_calendar_event_goes_to_the_checker(outside_built: Path) -> None:
    calendar = Calendar.from_ical(only(outside_built, ".ics").read_bytes())
    events = {str(e["UID"]).split(".")[0]: e for e in calendar.walk("VEVENT")}
    description = str(events["TEK-02"]["DESCRIPTION"])
    assert "Responsible: Nightly backup" in description
    assert "Checked by: Administrator" in description


def test_everyone_procedures_are_in_every_staff_edition(mini: Path) -> None:
    with_outside_roles(mini)
    result = build_project(mini, BuildOptions(formats=["md"], role="admin"))
    markdown = only(result.folder, "admin.md").read_text()
    assert "### MAN-02 Whom to call in an emergency" in markdown
    assert "| Applies to | Everyone in the organisation |" in markdown
    assert "### TEK-02 Check the nightly backup" in markdown  # the role checks it
    # the escalation contacts are whole, though no procedure of the role names the vendor
    assert "### Contacts and escalation" in markdown and "(tel:+62215550100)" in markdown
    vendor = build_project(mini, BuildOptions(formats=["md"], role="host"))
    assert "MAN-02" not in only(vendor.folder, "host.md").read_text()


def test_the_sample_editors_edition_holds_escalation_and_emergency_contacts() -> None:
    from sopgen.outputs.table import focus

    checked = read_handbook(ROOT)
    editor = focus(checked, "editor", "internal").handbook
    ids = [p.id for p in editor.procedures]
    assert "MAN-09" in ids and "MAN-11" in ids
    for role in checked.handbook.roles:
        held = [p.id for p in focus(checked, role.id, "internal").handbook.procedures]
        assert {"MAN-09", "MAN-11"} <= set(held), role.id


def test_a_phone_without_spaces_is_read_as_written(mini: Path) -> None:
    document = mini / "content" / "document.yaml"
    roles = OUTSIDE_ROLES.replace("phone: +62 21 5550 100", "phone: +62215550100")
    document.write_text(document.read_text().replace("\nglossary:", roles + "\nglossary:", 1))
    host = read_handbook(mini).handbook.role("host")
    assert host.contacts[0].phone == "+62215550100"


@pytest.mark.parametrize("contact", ["email: support at hosting.example",
                                     "phone: (021) 555-0100", "label: Support desk"])
def test_the_schema_refuses_a_bad_contact_as_check_does(mini: Path, contact: str) -> None:
    import jsonschema

    from sopgen.commands.schema import json_schema
    from sopgen.reading.releases import plain
    from sopgen.reading.yamlread import read_yaml

    text = f"roles:\n  - id: host\n    title: Hosting\n    kind: vendor\n" \
           f"    contacts:\n      - {contact}\n"
    path = mini / "content" / "more-roles.yaml"
    path.write_text(text)
    assert problems_of(mini)
    data, problems = read_yaml(path, path.name)
    assert not problems
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(plain(data), json_schema())
    good = text.replace(contact, "phone: +62 21 5550 100")
    path.write_text(good)
    read_handbook(mini)
    jsonschema.validate(plain(read_yaml(path, path.name)[0]), json_schema())


def test_the_word_document_links_the_contacts(outside_built: Path) -> None:
    import docx

    document = docx.Document(str(only(outside_built, "draft.docx")))
    targets = [rel.target_ref for rel in document.part.rels.values() if rel.is_external]
    assert "tel:+62215550100" in targets and "mailto:support@hosting.example" in targets
    table = next(t for t in document.tables if t.cell(0, 2).text == "Contact")
    assert [c.text for c in table.rows[1].cells] == [
        "Hosting Support — Example Hosting Ltd", "Vendor",
        "Support desk: +62 21 5550 100 · support@hosting.example\n"
        "https://hosting.example/tickets", "4 working hours"]


def test_the_published_site_shows_contacts_and_the_checker(mini: Path) -> None:
    from sopgen.commands.publish import publish
    from sopgen.commands.release import freeze

    with_outside_roles(mini)
    freeze(read_handbook(mini))
    site = publish(mini, edition="internal").folder / "latest"
    with browser() as chromium:
        page = chromium.new_page()  # type: ignore[attr-defined]
        page.goto((site / "roles.html").as_uri())
        hrefs = page.eval_on_selector_all("table.contacts a", "els => els.map(a => a.href)")
        page.goto((site / "tek-02.html").as_uri())
        facts = page.inner_text("table.facts")
        page.goto((site / "man-02.html").as_uri())
        everyone = page.inner_text("table.facts")
    assert "tel:+62215550100" in hrefs and "mailto:support@hosting.example" in hrefs
    assert "Checked by\tAdministrator" in facts
    assert "Applies to\tEveryone in the organisation" in everyone
