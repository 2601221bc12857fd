"""Model cards: the metadata record that travels with every model's weights (timm's PretrainedCfg idea)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_write_text

CARD_NAME = "card.json"


class LibraryError(RuntimeError):
    """Base of all model-library errors; the message is meant for the user."""


class UnknownModelError(LibraryError, KeyError):
    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class CardError(LibraryError):
    pass


class ChecksumError(LibraryError):
    pass


@dataclass
class WeightFile:
    path: str
    sha256: str
    role: str = "generator"


@dataclass
class ModelCard:
    id: str
    name: str
    family: str
    tasks: list[str]
    resolution: int
    architecture: dict[str, Any]
    files: list[WeightFile]
    channels: int = 3
    description: str = ""
    license: str = ""
    training: dict[str, Any] = field(default_factory=dict)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    source: str = "bundled"
    folder: Path | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any], folder: Path | None = None) -> ModelCard:
        try:
            files = [WeightFile(**f) for f in data["files"]]
            known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "files"}
            return cls(**known, files=files, folder=folder)
        except (KeyError, TypeError) as exc:
            where = folder or "card"
            raise CardError(f"{where}: invalid model card ({exc})") from exc

    @classmethod
    def read(cls, folder: Path) -> ModelCard:
        path = Path(folder) / CARD_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CardError(f"{path}: cannot read model card ({exc})") from exc
        if not isinstance(data, dict):
            raise CardError(f"{path}: a model card must be a JSON object")
        return cls.from_json(data, Path(folder))

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("folder")
        return d

    def write(self, folder: Path) -> None:
        atomic_write_text(Path(folder) / CARD_NAME, json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")

    def file_for(self, role: str) -> Path:
        if self.folder is None:
            raise CardError(f"{self.id}: card has no folder")
        for f in self.files:
            if f.role == role:
                return self.folder / f.path
        raise CardError(f"{self.id}: card lists no {role!r} weights")

    def sha256_of(self, role: str = "generator") -> str:
        return next(f.sha256 for f in self.files if f.role == role)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
