"""The package reads as the pipeline: each stage imports only from the stages before it,
no two modules import each other (not even from inside a function), and every import
placed inside a function says why."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "handouts"
# The stages, in the order data flows; a module may import from its own stage or earlier.
STAGES = ["handouts", "locale", "inputs", "library", "assemble", "render", "render_html", "outputs",
          "doors", "bench"]
REASONS = ("start-up", "extra", "measure")
ROOT_MODULES = {"__init__", "__main__", "errors", "files", "document"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def stage(module: str) -> int:
    if module == "handouts.__main__":  # `python -m handouts`: the command line's door
        return STAGES.index("doors")
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 2 or parts[-1] in STAGES[1:] else 0


def imports(path: Path) -> list[tuple[str, ast.stmt]]:
    """(module imported, the statement) for every import of one of our modules."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("handouts"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.append((full if full in MODULES else node.module, node))
        elif isinstance(node, ast.Import):
            found += [(a.name, node) for a in node.names if a.name.startswith("handouts")]
    return found


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        for target, _ in imports(path):
            while target not in MODULES:
                target = target.rsplit(".", 1)[0]
            if target != name and not name.startswith(target + "."):
                edges.setdefault(name, set()).add(target)
    return edges


def test_the_package_root_holds_only_what_every_stage_shares():
    at_root = {p.stem for p in PACKAGE.glob("*.py")}
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert at_root == ROOT_MODULES
    assert folders == set(STAGES[1:])


def test_no_stage_imports_from_a_later_one():
    upward = [f"{a} -> {b}" for a, targets in graph().items() for b in targets
              if stage(b) > stage(a)]
    assert upward == []


def test_no_two_modules_import_each_other():
    edges = graph()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    cycles = sorted(f"{a} <-> {b}" for a in edges for b in edges[a] if a < b and reaches(b, a))
    assert cycles == []


def test_every_import_inside_a_function_says_why():
    """Lazy imports are for start-up time or an optional extra (or, in the benchmark, the
    import being measured); each says so in a comment on or just above it, or in the
    docstring of its function or module."""
    silent = []
    for name, path in MODULES.items():
        lines = path.read_text().splitlines()
        tree = ast.parse("\n".join(lines))
        module_doc = (ast.get_docstring(tree) or "").lower()
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            doc = (ast.get_docstring(func) or "").lower()
            for node in ast.walk(func):
                if not (isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                        "handouts")):
                    continue
                near = " ".join(lines[max(node.lineno - 4, 0):node.end_lineno]).lower()
                if not any(r in text for r in REASONS for text in (near, doc, module_doc)):
                    silent.append(f"{name}:{node.lineno}")
    assert silent == [], "say why (start-up time, an optional extra) beside each"


def test_package_init_files_import_nothing_heavy():
    """A stage's __init__ is its description: importing `handouts.render.fontfiles` must not
    load ReportLab through `handouts/render/__init__.py`."""
    for stage_name in STAGES[1:-1]:
        init = PACKAGE / stage_name / "__init__.py"
        body = ast.parse(init.read_text()).body
        assert all(isinstance(n, ast.Expr) for n in body), init
