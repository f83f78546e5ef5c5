"""sopgen: Standard Operating Procedure handbooks as code.

The pipeline, one module a stage: ``load`` (YAML files → located raw data) →
``validate`` (raw data → typed ``model``, every problem collected) → ``render``
(model → Markdown, HTML and print HTML through Jinja themes; ``pdf`` lays the
print HTML out) → ``write`` (staged, atomic output). ``build`` runs them in order.
"""

__version__ = "0.1.0"
