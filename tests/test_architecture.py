"""gan_studio.core never imports Qt; the UI never imports torch at module level."""

import subprocess
import sys

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
