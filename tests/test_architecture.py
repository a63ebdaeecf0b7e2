"""The package's shape: imports point one way (a later stage to an earlier one), no circles."""

from __future__ import annotations

import ast
from pathlib import Path

import pipeline

ROOT = Path(pipeline.__file__).parent
# Stages in data-flow order; a module may import from its own stage or an earlier one.
STAGES = [
    {"pipeline", "pipeline.vocab", "pipeline.text", "pipeline.settings", "pipeline.limits"},
    {"pipeline.models", "pipeline.rules"},
    {"pipeline.read"},
    {"pipeline.find"},
    {"pipeline.fields"},
    {"pipeline.extract"},
    {"pipeline.jobs"},
    {"pipeline.datasets"},
    {"pipeline.analysis"},
    {"pipeline.cluster", "pipeline.batch", "pipeline.inspect", "pipeline.api", "pipeline.show", "pipeline.cli"},  # the run layer
]


# The package's front door: `pipeline/__init__.py` re-exports the API (pipeline.api) on first
# use of a name, so that importing the package for PARSER_VERSION loads no stage.
FRONT_DOOR = ("pipeline", "pipeline.api")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _stage(module: str) -> int:
    for i, stage in enumerate(STAGES):
        if any(module == s or (s != "pipeline" and module.startswith(s + ".")) for s in stage):
            return i
    raise AssertionError(f"{module} is in no stage of tests/test_architecture.py")


def _imports() -> dict[str, set[str]]:
    """{module: pipeline modules it imports}, lazy imports inside functions included."""
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        mod = _module(path)
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        graph[mod] = {m for m in found if (m == "pipeline" or m.startswith("pipeline.")) and (mod, m) != FRONT_DOOR}
    return graph


def test_every_import_points_to_an_earlier_stage():
    graph = _imports()
    assert len(graph) > 30
    wrong = [f"{mod} ({_stage(mod)}) imports {dep} ({_stage(dep)})"
             for mod, deps in graph.items() for dep in deps if _stage(dep) > _stage(mod)]
    assert wrong == []


def test_no_import_circle():
    graph = _imports()
    state: dict[str, int] = {}  # 1 visiting, 2 done
    circles: list[list[str]] = []

    def visit(mod: str, path: list[str]) -> None:
        state[mod] = 1
        for dep in sorted(graph.get(mod, ())):
            if dep == mod or dep == "pipeline":
                continue
            if state.get(dep) == 1:
                circles.append([*path[path.index(dep):], dep] if dep in path else [*path, dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[mod] = 2

    for mod in sorted(graph):
        if mod not in state:
            visit(mod, [mod])
    assert circles == []


def test_only_the_reading_stage_imports_pdfplumber():
    users = {mod for mod, path in ((_module(p), p) for p in ROOT.rglob("*.py"))
             if "import pdfplumber" in path.read_text() or "from pdfplumber" in path.read_text()}
    assert users == {"pipeline.read.pdf", "pipeline.read.chars", "pipeline.read.render"}
    pdfminer = {mod for mod, path in ((_module(p), p) for p in ROOT.rglob("*.py")) if "from pdfminer" in path.read_text()}
    assert pdfminer == {"pipeline.read.pdf", "pipeline.read.chars"}
