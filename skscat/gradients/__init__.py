"""Gradients of skscat transforms and synthesis from statistics, without autograd.

:func:`vjp` and :func:`value_and_grad` give the vector-Jacobian product of a
fitted transform, computed with hand-written adjoints of its steps (FFTs,
filter products, periodisations, padding, modulus, rectifiers, phase powers);
:func:`synthesize` uses them to draw signals, images or textures whose
features match a target's (L-BFGS on ``||Phi(x) - Phi(target)||^2``).
"""

from ._vjp import supports_gradients, value_and_grad, vjp
from .synthesis import synthesize

__all__ = ["supports_gradients", "synthesize", "value_and_grad", "vjp"]
