"""Outputs: each file a build makes from the checked handbook — the handbook formats, the
RACI matrix, the calendar, the sheets, role editions and diffs."""
