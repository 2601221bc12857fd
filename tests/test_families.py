"""The family registry: every family declared once, and a new family is one module (timm-style tests)."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from gan_studio.core import families
from gan_studio.core.library.cards import CardError, ModelCard
from gan_studio.core.library.registry import Library

PKG = Path(families.__file__).parent
FAMILY_NAMES = [f.name for f in families.families()]


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_every_entry_point_of_a_family_resolves(name):
    spec = families.get(name)
    assert callable(spec.loader())
    if spec.session:
        assert hasattr(spec.session_class(), "open")
    if spec.export:
        assert callable(families.resolve(spec.export))
    if spec.trainer:
        t = spec.trainer
        assert callable(families.resolve(t.standalone)) if t.standalone else callable(t.train_fn())
        if t.export:
            assert callable(t.export_fn())
        assert all(o.flag.startswith("--") and o.dest.isidentifier() for o in t.options)


def test_every_bundled_model_belongs_to_a_registered_family_and_opens(tmp_path):
    lib = Library()
    for card in lib.cards():
        spec = families.get(card.family)
        assert set(card.tasks) <= set(spec.tasks) | {"sketch", "translate"}, card.id
    assert type(families.open_session("stylegen-faces-64", lib)).__name__ == "GeneratorSession"


def test_unknown_family_is_a_clear_error(tmp_path):
    with pytest.raises(families.UnknownFamilyError, match="knows: stylegen"):
        families.get("biggan")
    card = ModelCard(id="odd", name="odd", family="biggan", tasks=["explore"], resolution=16, channels=3,
                     architecture={}, files=[])
    with pytest.raises(CardError, match="odd: unknown model family 'biggan'"):
        families.load_model(card)


def test_no_code_outside_the_family_modules_compares_a_family_name():
    names = "|".join(FAMILY_NAMES)
    pattern = re.compile(rf"""family\s*(==|!=|in|not in)\s*[(\[]?\s*["']({names})["']"""
                         rf"""|["']({names})["']\s*(==|!=)\s*\w*family""")
    root = PKG.parents[1]
    hits = [f"{p.relative_to(root)}:{i}" for p in root.rglob("*.py") if PKG not in p.parents
            for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert hits == []


def test_a_new_family_is_one_module(tmp_path, monkeypatch):
    """Register a family from a module of its own: the library loads it, the session opens it, training and the
    dialog list it: nothing else changes."""
    import torch

    from gan_studio.core.library.weights import write_model

    mod = types.ModuleType("tests_family_flat")

    class FlatNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.colour = torch.nn.Parameter(torch.tensor([0.25, 0.5, 0.75]))

    class FlatSession:
        def __init__(self, net: FlatNet) -> None:
            self.net = net

        @classmethod
        def open(cls, model_id, library, device=None):
            return cls(library.load(model_id))

        def render(self) -> torch.Tensor:
            return self.net.colour.view(3, 1, 1).expand(3, 4, 4)

    def load(card):
        from gan_studio.core.library.weights import load_strict

        return load_strict(FlatNet(), card, "generator")

    mod.FlatNet, mod.FlatSession, mod.load = FlatNet, FlatSession, load
    monkeypatch.setitem(sys.modules, "tests_family_flat", mod)
    spec = families.FamilySpec(
        name="flat", tasks=("explore",), load="tests_family_flat:load", session="tests_family_flat:FlatSession",
        trainer=families.TrainerSpec("Flat colour", "tests_family_flat:load", order=99))
    from gan_studio.core.families import registry

    monkeypatch.setitem(registry._FAMILIES, "flat", spec)
    card = ModelCard(id="flat-1", name="Flat", family="flat", tasks=["explore"], resolution=4, channels=3,
                     architecture={}, files=[])
    write_model(tmp_path / "flat-1", card, {"generator": FlatNet()})
    lib = Library([(tmp_path, "user")])
    img = families.open_session("flat-1", lib).render()
    assert img[:, 0, 0].tolist() == [0.25, 0.5, 0.75]
    assert "flat" in [f.name for f in families.dialog_families()]
    from gan_studio.cli import build_parser

    assert build_parser().parse_args(["train", "--family", "flat", "--out", str(tmp_path / "r")]).family == "flat"
