"""Outputs: each file a build makes from the checked handbook — the handbook formats, the
RACI matrix, the calendar, the sheets, role editions and diffs."""

FORMATS = ("md", "html", "pdf")  # the handbook's formats
ARTEFACTS = ("raci", "checklists", "calendar", "acknowledgements")  # files besides it
