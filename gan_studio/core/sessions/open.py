"""Open the right session for any library model (its family says which; see ``core.families``)."""

from __future__ import annotations

from ..families import open_session

__all__ = ["open_session"]
