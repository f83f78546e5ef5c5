"""sopgen: Standard Operating Procedure handbooks as code.

One folder a stage, each importing only the ones before it: ``core`` (the model,
problems and errors, the label catalogue, atomic writing) → ``reading`` (YAML files →
the checked handbook) → ``rendering`` (themes, the Markdown policy, the PDF engines) →
``outputs`` (the table of files a build makes) → ``commands`` (build, release, check,
publish, serve, scaffold, schema). ``api`` is the public face, ``cli`` a thin layer on it.
"""

__version__ = "0.1.0"
