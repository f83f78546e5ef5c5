"""Rendering: themes and templates, the Markdown policy, the PDF engine."""
