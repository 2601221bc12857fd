"""What the text panel sends the worker (the grid and probe functions, typed answers) and keeps (favourites,
prompt history), with its limits: shared by the panel, its layout and its exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from ...core.defaults import SEED_COUNT

DEFAULT_COUNT = SEED_COUNT
MAX_COUNT = 32
GRID_COLS = 4
THROTTLE_MS = 150  # live re-render while the variation slider moves: at most one request per this many ms
HISTORY_KEY = "text/prompt_history"
BEST_KEY = "text/best_first"
RANK_POOL = 4  # "Best matches first" draws this many candidates per shown image
BEST_TIP = (f"Draw {RANK_POOL}× as many seeds and show the ones the model's prompt matcher finds closest to the "
            "prompt, best first (each image keeps its own seed)")
HISTORY_LIMIT = 30
NO_MODEL = ("No text-to-image model in your library yet.\nTrain one with\n"
            "gan-studio train --family text --data DIR --out runs/text …\nor wait for the bundled one.")


@dataclass(frozen=True)
class NoEncoder:
    """What a worker task returns instead of images when the sentence encoder cannot load (typed, not a
    string match on an error message)."""

    reason: str


@dataclass(frozen=True)
class Ranked:
    """A ranked grid from the worker: the request of the kept seeds (best first) and their images."""

    request: Any
    images: list[QImage]


@dataclass(frozen=True)
class TextFavourite:
    """A kept image: enough to render it again exactly."""

    model_id: str
    prompt: str
    seed: int
    variation: float
    psi: float


def grid_task(req: Any, pool: int = 1) -> Any:
    """Worker-side: the images of ``req`` (``Ranked`` when ``pool`` > 1 picks the best of that many
    candidates per image), or ``NoEncoder`` with the reason."""

    def fn(session: Any) -> Any:
        from ...core.text.encoder import EncoderUnavailable
        from ..qimage import to_qimage

        try:
            if pool > 1 and session.can_rank:
                kept, images = session.render_ranked(req, pool)
                return Ranked(kept, [to_qimage(im) for im in images])
            return session.render(req)
        except EncoderUnavailable as exc:
            return NoEncoder(str(exc))

    return fn


def probe_task(session: Any) -> dict[str, Any]:
    """Worker-side: load the encoder now (so the first Generate is quick) and report the output size."""
    from ...core.text.encoder import EncoderUnavailable

    try:
        session.encoder  # noqa: B018 (loads it)
        reason = None
    except EncoderUnavailable as exc:
        reason = str(exc)
    return {"resolution": int(session.resolution), "encoder_error": reason, "can_rank": bool(session.can_rank)}


def load_history(settings: QSettings) -> list[str]:
    """Prompt history, most recent first (INI settings return a lone item as a str)."""
    value = settings.value(HISTORY_KEY)
    if isinstance(value, str):
        value = [value] if value else []
    return [str(v) for v in value or [] if str(v).strip()][:HISTORY_LIMIT]
