"""The package's import rules, checked on the source (ast), not by importing it.

- ``core`` imports no feature (and not the app or the CLI);
- a feature imports no other feature (the app hands over what one needs from another);
- nothing imports ``jupyter_workbench.app`` but the package's extension hooks;
- no import circle between modules, counting every import (in functions and under
  ``TYPE_CHECKING`` too: a hidden circle is still a circle);
- no module is found by its name as a string (``importlib``, ``find_spec``, ``__import__``).

The checks run on the real package, and on small synthetic packages that break each rule,
so a checker that can no longer fail is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import jupyter_workbench

PACKAGE = "jupyter_workbench"
ROOT = Path(jupyter_workbench.__file__).parent
#: One folder per feature; ``core`` is what they share.
FEATURES = ("desktop", "ides", "gpu", "custom", "kubespawner")
#: Modules allowed to import the app: the package's extension hooks only.
APP_IMPORTERS = {PACKAGE}
STRING_LOOKUPS = {"importlib", "find_spec", "import_module", "__import__"}


def modules(root: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` file under ``root``."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((package, *parts))] = path
    return found


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules that module ``name`` (at ``path``) imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    targets: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                targets.append(candidate if candidate in known else source)
    found = set()
    for target in targets:
        while target and target not in known:  # ``import a.b.c`` where a.b.c is a module
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def import_graph(root: Path, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module → the package modules it imports."""
    files = modules(root, package)
    known = set(files)
    return {name: imported(name, path, known) for name, path in files.items()}


def area(module: str, package: str = PACKAGE) -> str:
    """``core``, a feature name, or the module's own name for top-level modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else package


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def violations(root: Path, package: str = PACKAGE) -> list[str]:
    """Every broken rule, one line each (empty when the layout is sound)."""
    graph = import_graph(root, package)
    app = f"{package}.app"
    problems = []
    for module, targets in sorted(graph.items()):
        mine = area(module, package)
        for target in sorted(targets):
            theirs = area(target, package)
            if mine == "core" and theirs != "core" and target != f"{package}._version":
                problems.append(f"{module} (core) imports {target}")
            if mine in FEATURES and theirs in FEATURES and theirs != mine:
                problems.append(f"{module} ({mine}) imports another feature: {target}")
            if target == app and module not in {package}:
                problems.append(f"{module} imports {app}")
    for component in cycles(graph):
        problems.append("import circle: " + " → ".join(component))
    for module, path in sorted(modules(root, package).items()):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(alias.name for alias in node.names)]
            elif isinstance(node, ast.Name):
                names = [node.id]
            elif isinstance(node, ast.Attribute):
                names = [node.attr]
            hit = STRING_LOOKUPS.intersection(n.split(".")[0] for n in names) | (
                STRING_LOOKUPS.intersection(names)
            )
            if hit:
                problems.append(f"{module}:{node.lineno} finds modules by name ({sorted(hit)[0]})")
    return problems


# ---------------------------------------------------------------------- the real package
def test_the_package_follows_the_import_rules():
    assert violations(ROOT) == []


def test_the_graph_sees_the_wiring():
    """Sanity: the checker resolves relative and absolute imports of the real package."""
    graph = import_graph(ROOT)
    assert f"{PACKAGE}.desktop.plugin" in graph[f"{PACKAGE}.app"]
    assert f"{PACKAGE}.core.catalogue" in graph[f"{PACKAGE}.core.api"]
    assert f"{PACKAGE}.desktop.xutil" in graph[f"{PACKAGE}.desktop.launch"]
    assert f"{PACKAGE}.core.rendering" in graph[f"{PACKAGE}.kubespawner.sidecar"]
    assert graph[PACKAGE] == {f"{PACKAGE}._version", f"{PACKAGE}.app"}


# ---------------------------------------------------------------------- the checker can fail
def make_package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for rel, text in {"__init__.py": "", "core/__init__.py": "", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    "files, expected",
    [
        (
            {"core/api.py": "from ..desktop import backend\n", "desktop/backend.py": ""},
            "pkg.core.api (core) imports pkg.desktop.backend",
        ),
        (
            {
                "core/api.py": "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg.gpu.monitor import GPUMonitor\n",
                "gpu/monitor.py": "",
            },
            "pkg.core.api (core) imports pkg.gpu.monitor",
        ),
        (
            {
                "gpu/checks.py": "def f():\n    from ..desktop import modes\n",
                "desktop/modes.py": "",
            },
            "pkg.gpu.checks (gpu) imports another feature: pkg.desktop.modes",
        ),
        (
            {"desktop/handlers.py": "from ..app import App\n", "app.py": ""},
            "pkg.desktop.handlers imports pkg.app",
        ),
        (
            {"core/a.py": "from . import b\n", "core/b.py": "import pkg.core.a\n"},
            "import circle: pkg.core.a → pkg.core.b",
        ),
        (
            {"app.py": "import importlib\nimportlib.import_module('pkg.gpu.feature')\n"},
            "pkg.app:1 finds modules by name (importlib)",
        ),
        (
            {"app.py": "from importlib.util import find_spec\n"},
            "pkg.app:1 finds modules by name (find_spec)",
        ),
    ],
)
def test_each_rule_catches_its_violation(tmp_path, files, expected):
    assert expected in violations(make_package(tmp_path, files), "pkg")


def test_a_sound_synthetic_package_passes(tmp_path):
    files = {
        "app.py": "from .desktop.plugin import DesktopFeature\nfrom .gpu import plugin\n",
        "desktop/plugin.py": "from ..core import api\nfrom . import modes\n",
        "desktop/modes.py": "from pkg.core.process import run\n",
        "gpu/plugin.py": "from ..core.api import Handler\n",
        "core/api.py": "from .process import run\n",
        "core/process.py": "",
    }
    assert violations(make_package(tmp_path, files), "pkg") == []
