"""gan_studio.core never imports Qt; the UI never imports torch at module level."""

import subprocess
import sys
from pathlib import Path

CORE_MODULES = [
    "gan_studio.core.nets.stylegen", "gan_studio.core.sessions.generator", "gan_studio.core.training.stylegen_trainer",
    "gan_studio.core.training.featurenet_trainer", "gan_studio.core.library.registry",
    "gan_studio.core.families", "gan_studio.core.io.export", "gan_studio.core.io.recipe",
    "gan_studio.core.metrics.evaluate", "gan_studio.core.data.starter", "gan_studio.core.data.images",
    "gan_studio.cli",
]


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_core_never_imports_qt():
    code = "import sys\n" + "".join(f"import {m}\n" for m in CORE_MODULES) + \
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))"
    assert _run(code).strip() == "[]"


def test_core_sources_do_not_mention_qt():
    from pathlib import Path

    import gan_studio.core as core

    for path in Path(core.__file__).parent.rglob("*.py"):
        text = path.read_text()
        assert "PySide6" not in text and "gan_studio.ui" not in text and "from ...ui" not in text, path


def test_window_modules_import_without_torch():
    """The window can appear before torch loads (torch is imported on the worker thread)."""
    code = ("import sys\nimport gan_studio.ui.main_window, gan_studio.ui.app, gan_studio.core.sessions.requests\n"
            "print('torch' in sys.modules)")
    assert _run(code).strip() == "False"


# -- layers: import contracts over the package's own import statements (napari's import-linter idea) ---------
def _import_graph() -> dict[str, set[str]]:
    """module → the gan_studio modules it imports (lazy imports inside functions count too)."""
    import ast
    from pathlib import Path

    import gan_studio

    root = Path(gan_studio.__file__).parent
    mods = {}
    for p in root.rglob("*.py"):
        parts = ["gan_studio", *p.relative_to(root).with_suffix("").parts]
        is_pkg = parts[-1] == "__init__"
        mods[".".join(parts[:-1] if is_pkg else parts)] = (p, is_pkg)
    graph: dict[str, set[str]] = {}
    for name, (p, is_pkg) in mods.items():
        out: set[str] = set()
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[:len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                cands = [target] + [f"{target}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                cands = [a.name for a in node.names]
            else:
                continue
            out |= {c for c in cands if c in mods}
        graph[name] = out
    return graph


def _layer(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:3]) if len(parts) > 2 and parts[1] == "core" else ".".join(parts[:2])


def test_core_packages_import_each_other_without_cycles():
    graph = _import_graph()
    layers: dict[str, set[str]] = {}
    for a, targets in graph.items():
        for b in targets:
            la, lb = _layer(a), _layer(b)
            if la != lb and la.startswith("gan_studio.core.") and lb.startswith("gan_studio.core."):
                layers.setdefault(la, set()).add(lb)
    seen: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        if seen.get(node) == 1:
            raise AssertionError("import cycle between core packages: " + " → ".join([*path, node]))
        if seen.get(node) == 2:
            return
        seen[node] = 1
        for nxt in sorted(layers.get(node, ())):
            visit(nxt, [*path, node])
        seen[node] = 2

    for start in sorted(layers):
        visit(start, [])


# top to bottom: a core package may import packages of its own row or below (docs/architecture.md's picture)
CORE_LAYERS = [("jobs",), ("training", "metrics", "importers", "exporters"), ("sessions",), ("families",), ("text",),
               ("library",), ("nets", "data", "hints"), ("io", "device", "defaults", "colour")]


def test_core_packages_import_only_the_layers_below():
    rank = {f"gan_studio.core.{name}": i for i, row in enumerate(CORE_LAYERS) for name in row}
    upward = [(a, b) for a, targets in _import_graph().items() for b in targets
              if _layer(a) in rank and _layer(b) in rank and rank[_layer(b)] < rank[_layer(a)]]
    assert upward == []
    core = Path(__file__).parents[1] / "gan_studio" / "core"
    packages = {p.name for p in core.iterdir() if p.is_dir() and (p / "__init__.py").exists()} | {
        p.stem for p in core.glob("*.py") if p.stem != "__init__"}
    assert packages == {name for row in CORE_LAYERS for name in row}, "place a new core package in CORE_LAYERS"


def test_layers_point_downward_only():
    """core never imports the ui or the cli; the ui reaches models through sessions/families/library, never nets or
    training; the cli starts the ui only through ui.app."""
    bad = []
    for a, targets in _import_graph().items():
        for b in targets:
            if a.startswith("gan_studio.core") and b.startswith(("gan_studio.ui", "gan_studio.cli")):
                bad.append((a, b))
            if a.startswith("gan_studio.ui") and b.startswith(("gan_studio.core.nets", "gan_studio.core.training",
                                                                 "gan_studio.cli")):
                bad.append((a, b))
            if a.startswith("gan_studio.cli") and b.startswith("gan_studio.ui") and b != "gan_studio.ui.app":
                bad.append((a, b))
    assert bad == []


# -- size: small modules named for what they do (a newcomer reads one in a sitting) ----------------------------
MAX_LINES = 400


def test_no_module_is_over_the_line_limit():
    import gan_studio

    root = Path(gan_studio.__file__).parent
    lines = {p.relative_to(root).as_posix(): len(p.read_text().splitlines()) for p in root.rglob("*.py")}
    over = {name for name, n in lines.items() if n > MAX_LINES}
    assert over == set(), {n: lines[n] for n in over}
