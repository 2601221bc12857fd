"""What the paired translation families share (pix2pix, super-resolution): the L1 to the real output."""

from __future__ import annotations

from .registry import Option

L1_OPTIONS = (Option("--l1-weight", "l1_weight", float, 100.0, "weight of the L1 loss"),)
