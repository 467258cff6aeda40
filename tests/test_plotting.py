"""skscat.plotting draws what it says (Agg backend, no display needed)."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from skscat import Scattering2D, plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def digit():
    from skscat.datasets import load_digits_images

    X, _, shape = load_digits_images()
    return X[:4], shape


def _render(fig):
    fig.canvas.draw()  # catches errors that only show when drawing
    return fig


def test_complex_to_rgb():
    z = np.array([0, 1, 1j, -1, 2], dtype=complex)
    rgb = plotting.complex_to_rgb(z)
    assert rgb.shape == (5, 3)
    assert np.all((rgb >= 0) & (rgb <= 1))
    np.testing.assert_allclose(rgb[0], 0)  # zero modulus is black
    assert rgb[4].max() == pytest.approx(1.0)  # the largest modulus is at full brightness
    assert not np.allclose(rgb[1] / rgb[1].max(), rgb[3] / rgb[3].max())  # phase sets the hue


@pytest.mark.parametrize("domain", ["space", "fourier"])
def test_plot_filters_2d(domain):
    J, L = 2, 4
    fig = _render(plotting.plot_filters_2d(J, L, domain=domain))
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert len(axes) == J * (L + 1)
    images = [ax for ax in axes if ax.images]
    # every wavelet, the low-pass, and in Fourier the Littlewood-Paley sum
    assert len(images) == J * L + 1 + (domain == "fourier")
    if domain == "space":
        rgb = axes[0].images[0].get_array()
        assert rgb.ndim == 3 and rgb.shape[-1] == 3  # complex colouring


def test_plot_filters_2d_rejects_bad_arguments():
    with pytest.raises(ValueError, match="domain"):
        plotting.plot_filters_2d(2, 4, domain="time")
    with pytest.raises(ValueError, match="multiple"):
        plotting.plot_filters_2d(3, 4, size=20)


def test_plot_filters_1d():
    fig = _render(plotting.plot_filters_1d(J=5, Q=4))
    assert len(fig.axes) == 3
    first_order = fig.axes[0].get_lines()
    assert len(first_order) >= 4 * 3  # Q wavelets per octave over several octaves


def test_plot_scattering_disk_draws_every_path(digit):
    X, shape = digit
    J, L = 2, 4
    est = Scattering2D(J=J, L=L, shape=shape, backend="numpy").fit(X)
    fig = _render(plotting.plot_scattering_disk(est, X[0]))
    disks = [ax for ax in fig.axes if any(isinstance(c, PatchCollection) for c in ax.collections)]
    assert len(disks) == 2
    order1 = disks[0].collections[0].get_array()
    order2 = disks[1].collections[0].get_array()
    assert order1.size == 2 * J * L  # each wedge drawn at theta and theta + pi
    assert order2.size == 2 * L * L * J * (J - 1) // 2
    S = est.transform(X[:1].astype(np.float64)).reshape(est.n_paths_, -1).mean(axis=1)
    np.testing.assert_allclose(order1, np.repeat(S[1 : 1 + J * L], 2), rtol=1e-6)
    np.testing.assert_allclose(order2, np.repeat(S[1 + J * L :], 2), rtol=1e-6)


def _brightest_wedge_centre(image):
    H, W = image.shape
    est = Scattering2D(J=2, L=8, shape=(H, W), backend="numpy", max_order=1).fit(
        image.reshape(1, -1)
    )
    collection = plotting.plot_scattering_disk(est, image).axes[1].collections[0]
    best = int(np.argmax(collection.get_array()))
    return collection.get_paths()[best].vertices.mean(axis=0)


def test_plot_scattering_disk_points_across_the_stripes():
    """A wedge points along the direction in which the image varies, as it is shown."""
    r, c = np.mgrid[:32, :32]
    # Horizontal stripes vary along the rows: the brightest wedge is vertical.
    x, y = _brightest_wedge_centre(np.cos(2 * np.pi * r / 4))
    assert abs(x) < 0.25 * abs(y)
    # Vertical stripes: horizontal.
    x, y = _brightest_wedge_centre(np.cos(2 * np.pi * c / 4))
    assert abs(y) < 0.25 * abs(x)
    # Stripes along "/" on screen vary along "\" (down-right): the wedge is on that diagonal.
    x, y = _brightest_wedge_centre(np.cos(2 * np.pi * (r + c) / 6))
    assert x * y < 0 and abs(abs(x) - abs(y)) < 0.3 * abs(x)


def test_plot_scattering_disk_position_and_log(digit):
    X, shape = digit
    est = Scattering2D(J=1, L=4, shape=shape, backend="numpy").fit(X)
    fig = _render(plotting.plot_scattering_disk(est, X[1], position=(0, 1), log=True))
    assert "position (0, 1)" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="pixels"):
        plotting.plot_scattering_disk(est, np.zeros(10))


def test_plot_scattering_maps(digit):
    X, shape = digit
    J, L = 2, 4
    est = Scattering2D(J=J, L=L, shape=shape, backend="numpy").fit(X)
    fig = _render(plotting.plot_scattering_maps(est, X[0].reshape(shape)))
    assert sum(1 for ax in fig.axes if ax.images) == J * L + 2
    with pytest.raises(ValueError, match="average=False"):
        plotting.plot_scattering_maps(est.set_params(average=True).fit(X), X[0])


@pytest.mark.parametrize("average", [False, True])
def test_plot_coefficients_by_path(digit, average):
    X, shape = digit
    est = Scattering2D(J=2, L=4, shape=shape, backend="numpy", average=average).fit(X)
    fig = _render(plotting.plot_coefficients_by_path(est, X))
    ax = fig.axes[0]
    assert len(ax.patches) == est.n_paths_  # one bar per path, positions pooled
    heights = np.array([p.get_height() for p in ax.patches])
    F = np.abs(est.transform(X)).reshape(len(X), est.n_paths_, -1).mean(axis=(0, 2))
    np.testing.assert_allclose(heights, F, rtol=1e-5)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["order0", "order1", "order2"]


def test_plot_coefficients_by_path_on_given_axes(digit):
    X, shape = digit
    est = Scattering2D(J=1, L=2, shape=shape, backend="numpy").fit(X)
    fig, ax = plt.subplots()
    assert plotting.plot_coefficients_by_path(est, X[0], ax=ax, log=False) is fig
    assert len(ax.get_xticklabels()) == est.n_paths_  # few paths: each is named


def test_plot_synthesis_images_and_signals(digit):
    X, shape = digit
    fig = _render(plotting.plot_synthesis(X[0], [X[1], X[2]], shape=shape, losses=[3, 2, 1]))
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes] == [
        "target",
        "synthesis 1",
        "synthesis 2",
        "objective",
    ]
    assert fig.axes[1].images[0].get_clim() == fig.axes[0].images[0].get_clim()

    t = np.linspace(0, 1, 64)
    fig = _render(plotting.plot_synthesis(np.sin(8 * t), np.cos(8 * t), titles=["a", "b"]))
    assert len(fig.axes) == 2 and fig.axes[1].get_lines()
    with pytest.raises(ValueError, match="titles"):
        plotting.plot_synthesis(t, t, titles=["only one"])


def test_missing_matplotlib_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plotting.plot_filters_2d(2, 4)
    with pytest.raises(ImportError, match="optional dependency"):
        plotting.complex_to_rgb([1j])
