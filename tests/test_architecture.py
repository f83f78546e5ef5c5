"""The layout is the architecture: stages import only earlier stages, and nothing cycles.

Every import counts, including those inside functions (a lazy import hides a cycle
from the interpreter, not from a reader).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sopgen"
# Each stage may import the ones before it (and itself); cli and api sit on top.
STAGES = ["core", "reading", "rendering", "outputs", "commands", "api", "cli"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every sopgen module ``path`` imports, wherever the import statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("sopgen")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("sopgen"):
            found |= {f"{node.module}.{alias.name}" if _is_module(f"{node.module}.{alias.name}")
                      else node.module for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; sopgen imports are absolute")
    return found


def _is_module(dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative).is_dir()


GRAPH = {module_name(path): imports_of(path) - {module_name(path)}
         for path in sorted(PACKAGE.rglob("*.py"))}


def stage(module: str) -> int:
    """The stage's position; the package's own ``__init__`` comes before every stage, and
    ``python -m sopgen`` is the CLI."""
    parts = module.split(".")
    name = "cli" if parts[1:] == ["__main__"] else (parts[1] if len(parts) > 1 else "")
    return STAGES.index(name) if name in STAGES else -1


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_a_later_stage(module: str) -> None:
    later = {target for target in GRAPH[module] if stage(target) > stage(module)}
    assert not later, f"{module} (stage {STAGES[stage(module)]}) imports {sorted(later)}"


def test_the_import_graph_has_no_cycle() -> None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError("import cycle: " + " → ".join([*path[path.index(module):],
                                                                 module]))
        if module in done:
            return
        for target in sorted(GRAPH.get(module, ())):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])


def test_every_module_is_in_a_stage() -> None:
    loose = [m for m in GRAPH if stage(m) < 0 and m != "sopgen"]
    assert not loose, f"modules outside every stage folder: {loose}"
