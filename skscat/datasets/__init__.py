"""Small data sets for examples and the demo, all shipped by installed packages."""

from ._loaders import load_digits_images, load_mnist_sample, load_qm7

__all__ = ["load_digits_images", "load_mnist_sample", "load_qm7"]
