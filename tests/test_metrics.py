"""SWD and the Fréchet distance behave like distances: ~0 for a set against itself, larger when it differs."""

import numpy as np
import pytest

from gan_studio.core.metrics.frechet import frechet_distance
from gan_studio.core.metrics.swd import sliced_wasserstein
from gan_studio.core.nets.featurenet import FeatureNet, FeatureNetConfig, embed, train_feature_net


def _blobs(n, colour, seed):
    rng = np.random.RandomState(seed)
    imgs = np.full((n, 32, 32, 4), 255, np.uint8)
    for i in range(n):
        y, x = rng.randint(4, 20, 2)
        imgs[i, y:y + 10, x:x + 10, :3] = colour
        imgs[i, ..., 3] = 0
        imgs[i, y:y + 10, x:x + 10, 3] = 255
    return imgs


@pytest.mark.slow
def test_swd_separates_distributions():
    a, a2, b = _blobs(64, (255, 0, 0), 0), _blobs(64, (255, 0, 0), 1), _blobs(64, (0, 0, 255), 2)
    same = sliced_wasserstein(a, a2)["swd_avg"]
    diff = sliced_wasserstein(a, b)["swd_avg"]
    assert diff > 2 * same and set(sliced_wasserstein(a, b)) == {"swd_32", "swd_16", "swd_avg"}


def test_frechet_distance():
    rng = np.random.RandomState(0)
    x = rng.randn(500, 8)
    assert abs(frechet_distance(x, x)) < 1e-6
    assert frechet_distance(x, x + 1.0) > 7.5


def test_feature_net_learns_and_embeds():
    red, blue = _blobs(48, (255, 0, 0), 0), _blobs(48, (0, 0, 255), 1)
    x = np.concatenate([red, blue])
    y = np.array([0] * 48 + [1] * 48)
    net = train_feature_net(x, y, 2, epochs=3)
    f = embed(net, x)
    assert f.shape == (96, net.cfg.feature_dim)
    assert frechet_distance(f[:48], f[48:]) > frechet_distance(f[:24], f[24:48])
    assert isinstance(FeatureNet(FeatureNetConfig()), FeatureNet)
