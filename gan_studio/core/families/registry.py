"""The one place a model family is declared: a ``FamilySpec`` per family, registered by its own module.

A family module (``stylegen.py``, ``text.py`` …) says once how its models load, which session renders them,
how they train and export, what data a run reads and which tasks they serve. The library, the sessions,
the CLI, the jobs dialog and the importers read these records and never compare a family's name to a string.
Entry points are ``"module:attr"`` strings, imported only when used, so listing families imports no torch
(timm's ``@register_model`` idea, with StyleGAN3-style lazy construction).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class UnknownFamilyError(KeyError):
    """A card or a command names a family this version does not have."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


def resolve(target: str) -> Any:
    """``"package.module:attr"`` → the attribute, imported now."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Option:
    """A training option only some families read: one declaration feeds the CLI, the dialog and the runner."""

    flag: str  # "--l1-weight"
    dest: str  # its key in TrainConfig.options (or the TrainConfig field it sets, e.g. freeze_d)
    type: Callable[[str], Any] = float
    default: Any = None
    help: str = ""
    choices: tuple[Any, ...] | None = None
    resume: bool = False  # a resume may change it: a value given on --resume replaces the run's, None keeps it


@dataclass(frozen=True)
class TrainerSpec:
    """How a family trains: shown in the New fine-tune dialog and behind ``gan-studio train --family``."""

    label: str  # shown in the dialog
    train: str  # "module:function" (cfg, resume, progress_fn, abort_fn, device) -> RunResult
    export: str | None = None  # "module:function" (run_dir, folder, model_id, name, **card_fields) -> ModelCard
    data: str = "folder"  # folder: one image folder (checked per job) | labelled: used as is | domains: trainA/ trainB/
    transfer: bool = False  # the window offers a library model of the same family as a base (a fine-tune)
    fine_tunes: bool = False  # `train --base` starts from the base's weights (implied by ``transfer``)
    order: int = 100  # position in the dialog
    train_args: tuple[str, ...] = ()  # extra `gan-studio train` flags a job from one folder needs
    options: tuple[Option, ...] = ()  # the family's own `gan-studio train` options
    freeze_d: bool = False  # Freeze-D helps this family's fine-tunes on small folders
    r1: bool = False  # its discriminator takes the R1 penalty (the dialog's "Keep training steady")
    graft_keys: tuple[str, ...] = ()  # checkpoint keys `--refiner-from` may take from another run
    standalone: str | None = None  # "module:function" (data, export, model_id, seed, command) -> ModelCard:
    # a one-shot trainer outside the shared loop (no run folder, no resume)
    in_dialog: bool = True  # offered in the New fine-tune dialog
    presets: tuple[tuple[str, dict[str, Any]], ...] = ()  # named option sets (dest → value) the dialog offers
    check: str | None = None  # "module:function" (options, resolution, channels, data) raising ValueError when
    # the options cannot train, in the user's words (the dialog asks before a job starts, the job store again)
    classes_option: str | None = None  # the option (dest) that trains on the folder's classes: a job's prepared
    # copy of the folder then keeps them

    def option(self, dest: str) -> Option:
        try:
            return next(o for o in self.options if o.dest == dest)
        except StopIteration:
            known = ", ".join(o.dest for o in self.options) or "none"
            raise ValueError(f"{self.label} has no option {dest!r}; its options: {known}") from None

    def check_options(self, options: dict[str, Any], resolution: int, channels: int, data: str) -> None:
        """Raise ValueError when ``options`` (dest → value) cannot train this family at this size on ``data``."""
        for dest, value in options.items():
            opt = self.option(dest)
            if opt.choices is not None and value is not None and value not in opt.choices:
                raise ValueError(f"{opt.flag} must be one of {', '.join(map(str, opt.choices))}, not {value!r}")
        if self.check is not None:
            resolve(self.check)(dict(options), resolution, channels, data)

    def option_args(self, options: dict[str, Any]) -> list[str]:
        """``options`` as this family's `gan-studio train` flags, in declaration order; a value equal to the
        option's default is left out (the run gets it anyway), a switch is its bare flag."""
        argv: list[str] = []
        for opt in self.options:
            value = options.get(opt.dest, opt.default)
            if value is None or value == opt.default:
                continue
            if opt.type is bool:
                argv += [opt.flag] if value else []
            else:
                argv += [opt.flag, str(value)]
        return argv

    @property
    def takes_base(self) -> bool:
        """Whether a run of this trainer can start from a library model's weights (``--base``)."""
        return self.transfer or self.fine_tunes

    def train_fn(self) -> Callable[..., Any]:
        return resolve(self.train)

    def export_fn(self) -> Callable[..., Any]:
        if self.export is None:
            raise UnknownFamilyError(f"{self.label}: this trainer exports no library model")
        return resolve(self.export)


@dataclass(frozen=True)
class FamilySpec:
    name: str
    tasks: tuple[str, ...]
    load: str  # "module:function" (card) -> the nets a session runs
    session: str | None = None  # "module:Class" with ``open(model_id, library, device)``
    trainer: TrainerSpec | None = None
    import_formats: tuple[str, ...] = ()  # importers' format names that become models of this family
    export: str | None = None  # "module:function" (model, card, direction) -> (module, example, names)
    latent: bool = False  # draws images from a latent z (explore, mix, walks, projection)
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def loader(self) -> Callable[..., Any]:
        return resolve(self.load)

    def session_class(self) -> Any:
        if self.session is None:
            raise UnknownFamilyError(f"models of family {self.name!r} cannot be opened in a panel")
        return resolve(self.session)


_FAMILIES: dict[str, FamilySpec] = {}
_scanned = False
_ORDER = {"stylegen": 0, "lucidrains": 1}  # listing order of the built-in families; the rest alphabetical


def register(spec: FamilySpec) -> FamilySpec:
    if spec.name in _FAMILIES and _FAMILIES[spec.name] != spec:
        raise ValueError(f"family {spec.name!r} is registered twice")
    _FAMILIES[spec.name] = spec
    return spec


def _ensure_builtin() -> None:
    """Every module of this package but the registry is a family: adding a family is adding a module."""
    global _scanned
    if _scanned:
        return
    import pkgutil
    from pathlib import Path

    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: _ORDER.get(m.name, 99)):
        if not info.name.startswith("_") and info.name != "registry":
            importlib.import_module(f"{__package__}.{info.name}")
    _scanned = True


def families() -> list[FamilySpec]:
    """Every registered family, built-in ones first."""
    _ensure_builtin()
    return list(_FAMILIES.values())


def get(name: str) -> FamilySpec:
    _ensure_builtin()
    try:
        return _FAMILIES[name]
    except KeyError:
        known = ", ".join(_FAMILIES)
        raise UnknownFamilyError(f"unknown model family {name!r}; this version knows: {known}") from None


def trainable() -> list[FamilySpec]:
    """Families with a trainer, in the dialog's order."""
    return sorted((f for f in families() if f.trainer is not None), key=lambda f: (f.trainer.order, f.name))


def dialog_families() -> list[FamilySpec]:
    """What the New fine-tune dialog offers."""
    return [f for f in trainable() if f.trainer is not None and f.trainer.in_dialog]


def family_options() -> list[tuple[Option, tuple[str, ...]]]:
    """Every family's own training option once, with the families that read it (the CLI's train flags)."""
    seen: dict[str, tuple[Option, list[str]]] = {}
    for spec in trainable():
        for opt in spec.trainer.options if spec.trainer else ():
            if opt.flag in seen and seen[opt.flag][0] != opt:
                raise ValueError(f"{opt.flag} is declared differently by {seen[opt.flag][1][0]} and {spec.name}")
            seen.setdefault(opt.flag, (opt, []))[1].append(spec.name)
    return [(opt, tuple(names)) for opt, names in seen.values()]


def trainer(name: str) -> TrainerSpec:
    spec = get(name)
    if spec.trainer is None:
        known = ", ".join(f.name for f in trainable())
        raise UnknownFamilyError(f"family {name!r} cannot be trained; trainable: {known}")
    return spec.trainer


def for_format(fmt: str) -> FamilySpec:
    """The family an importer's format maps onto."""
    for spec in families():
        if fmt in spec.import_formats:
            return spec
    raise UnknownFamilyError(f"no family imports the format {fmt!r}")


def load_model(card: Any) -> Any:
    """Build a card's nets through its family's loader (the library has checked the sha256 first)."""
    from ..library.cards import CardError

    try:
        spec = get(card.family)
    except UnknownFamilyError as exc:
        raise CardError(f"{card.id}: {exc}") from None
    return spec.loader()(card)


def open_session(model_id: str, library: Any = None, device: Any = None) -> Any:
    """The session that renders a library model, whatever its family."""
    from ..library.registry import Library

    lib = library or Library()
    return get(lib.card(model_id).family).session_class().open(model_id, library=lib, device=device)
