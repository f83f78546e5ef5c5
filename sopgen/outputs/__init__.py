"""Outputs: each file a build makes from the checked handbook — the handbook formats, the
RACI matrix, the calendar, the sheets, role editions and diffs."""

FORMATS = ("md", "html", "pdf", "docx")  # the handbook's formats
DEFAULT_FORMATS = ("md", "html", "pdf")  # what a build makes unless asked: Word on request
ARTEFACTS = ("raci", "checklists", "calendar", "acknowledgements")  # files besides it
