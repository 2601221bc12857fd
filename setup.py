"""Build hook: the wheel carries the bundled models (``models/``) and ``resources/`` inside the package.

Everything else lives in ``pyproject.toml``. ``build_py`` copies ``models/<id>/`` into ``gan_studio/_models/``
and ``resources/`` into ``gan_studio/_resources/`` of the build tree, where
``gan_studio.core.library.registry.bundled_dir()`` and ``gan_studio.resources.resources_dir()`` look first.
Training-only files (role ``train-state``: the resume checkpoint, 29 MB) stay out of the wheel to keep it
lean; the packaged card drops them from its file list and says where to get them. An editable install
(``pip install -e .``) copies nothing: it reads the repository's folders directly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Same roles as gan_studio.core.library.registry.TRAINING_ONLY_ROLES (a test keeps them equal).
OMIT_ROLES = ("train-state",)
RESUME_NOTE = ("not installed with the wheel or bundle (training-only, {size:.0f} MB): take it from the source "
               "repository's models/{id}/ to continue training with --continue-model")


def copy_models(src: Path, dst: Path, omit_roles: tuple[str, ...] = OMIT_ROLES) -> list[str]:
    """Copy every ``src/<id>/card.json`` model to ``dst/<id>/`` without files of ``omit_roles``.

    Returns the model ids copied. Cards that list no omitted file are copied byte for byte.
    """
    copied = []
    for folder in sorted(p for p in src.iterdir() if (p / "card.json").is_file()):
        card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
        out = dst / folder.name
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        omitted = [f for f in card.get("files", []) if f.get("role") in omit_roles]
        for f in card.get("files", []):
            if f not in omitted:
                target = out / f["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(folder / f["path"], target)
        if omitted:
            size = sum((folder / f["path"]).stat().st_size for f in omitted if (folder / f["path"]).is_file())
            card["files"] = [f for f in card["files"] if f not in omitted]
            card.setdefault("training", {})["resume_state"] = RESUME_NOTE.format(size=size / 1e6, id=folder.name)
            (out / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        else:
            shutil.copyfile(folder / "card.json", out / "card.json")
        copied.append(folder.name)
    return copied


def copy_resources(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.pyc", "__pycache__", ".*"))


class BuildPyWithModels(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "gan_studio"
        copy_models(ROOT / "models", package / "_models")
        copy_resources(ROOT / "resources", package / "_resources")


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildPyWithModels})
