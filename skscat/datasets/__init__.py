"""Small data sets for examples and the demo, all shipped by installed packages."""

from ._loaders import load_digits_images, load_mnist_sample

__all__ = ["load_digits_images", "load_mnist_sample"]
