"""The colour judge: it scores colour against the real image of the same thing, not colourfulness."""

import numpy as np
import pytest

from gan_studio.core.metrics.colour_fidelity import (
    colour_fidelity,
    dominant_hues,
    flat_painter,
    mean_rgb,
    pair_scores,
    srgb_to_lab,
)

RED, YELLOW, AMBER, BLUE = (220, 30, 40), (250, 210, 20), (230, 150, 40), (40, 80, 220)


def disc(rgb, size=16, radius=6, shift=0):
    """An RGBA disc of one colour on a transparent ground, optionally moved right by ``shift`` pixels."""
    yy, xx = np.mgrid[:size, :size]
    inside = (yy - size / 2) ** 2 + (xx - size / 2 - shift) ** 2 < radius**2
    img = np.zeros((size, size, 4), np.uint8)
    img[inside] = (*rgb, 255)
    return img


def test_lab_of_known_colours():
    lab = srgb_to_lab(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))
    assert lab[0] == pytest.approx([100, 0, 0], abs=0.05) and lab[1] == pytest.approx([0, 0, 0], abs=0.05)
    assert lab[2] == pytest.approx([53.24, 80.09, 67.20], abs=0.1)  # sRGB red, the textbook figure


def test_identical_images_score_zero():
    x = np.stack([disc(RED), disc(BLUE)])
    s = colour_fidelity(x, x)
    assert s["mean_colour_de"] == 0 and s["pooled_de"] == 0 and s["hue_share"] == 1


def test_red_against_yellow_is_a_large_difference():
    s = pair_scores(disc(RED)[None], disc(YELLOW)[None])
    assert s["mean_colour_de"][0] > 50 and s["pooled_de"][0] > 15 and not s["hue_right"][0]


def test_amber_is_neither_red_nor_yellow():
    """The bundled model's failure: everything amber. The hue test must not pass it as red or as yellow."""
    amber = disc(AMBER)[None]
    assert not pair_scores(amber, disc(RED)[None])["hue_right"][0]
    assert not pair_scores(amber, disc(YELLOW)[None])["hue_right"][0]


def test_the_right_colour_ranks_above_the_wrong_one_despite_a_different_drawing_and_shift():
    real = disc(RED, radius=6)
    right = disc((200, 40, 50), radius=4, shift=1)  # red, smaller and misaligned
    wrong = disc(YELLOW, radius=6)  # the exact drawing, the wrong colour
    s_right, s_wrong = pair_scores(right[None], real[None]), pair_scores(wrong[None], real[None])
    for k in ("mean_colour_de", "pooled_de"):
        assert s_right[k][0] < s_wrong[k][0], k
    assert s_right["hue_right"][0] and not s_wrong["hue_right"][0]


def test_black_art_is_achromatic_and_matches_only_achromatic_art():
    black, grey = disc((0, 0, 0)), disc((128, 128, 128))
    assert np.isnan(dominant_hues(black[None]))[0]
    assert pair_scores(black[None], grey[None])["hue_right"][0]
    assert not pair_scores(black[None], disc(RED)[None])["hue_right"][0]


def test_flat_painter_keeps_the_drawing_and_mean_rgb_reads_it_back():
    drawings = np.stack([disc((0, 0, 0)), disc((0, 0, 0), radius=3)])
    painted = flat_painter(drawings, np.array([RED, BLUE], np.uint8))
    assert np.array_equal(painted[..., 3], drawings[..., 3])
    assert mean_rgb(painted).tolist() == [list(RED), list(BLUE)]
    assert colour_fidelity(painted, np.stack([disc(RED), disc(BLUE, radius=3)]))["mean_colour_de"] < 0.5


def test_mismatched_pairs_are_an_error():
    with pytest.raises(ValueError):
        pair_scores(np.zeros((2, 16, 16, 4), np.uint8), np.zeros((3, 16, 16, 4), np.uint8))
