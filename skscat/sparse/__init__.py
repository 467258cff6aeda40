"""Sparse coding: homotopy ISTA / FISTA lasso codes and online dictionary learning."""

from .sparse_coding import SparseCoding, default_n_atoms

__all__ = ["SparseCoding", "default_n_atoms"]
