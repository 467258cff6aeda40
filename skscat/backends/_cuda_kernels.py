"""CUDA C sources of the CuPy backend's fused kernels, with their NumPy references.

Every kernel is a ``cupy.RawKernel`` written once as a template over the real
type ``R`` (``float`` or ``double``) and the complex type ``C`` (``float2`` or
``double2``, laid out like ``complex64`` / ``complex128``). All kernels use a
grid-stride loop, so any launch configuration covers the whole output.

Each kernel has a NumPy *reference* with the same signature as the CUDA
function: pointer arguments become flat NumPy arrays (outputs are written in
place), integer arguments stay integers. The reference decodes the flat output
index exactly as the kernel does, so the CuPy backend running with NumPy
standing in for CuPy (``CupyBackend(xp=numpy)``) exercises the same argument
marshalling and index arithmetic as on the GPU; only the device code differs.

The sources compile without a GPU or driver through NVRTC (see
``tests/backends/test_cupy_backend.py``), and their logic is checked on the host
by compiling them as plain C++ with a small shim for the CUDA built-ins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Launch shape used by the backend: threads per block, and a cap on blocks
# (the grid-stride loop covers what a capped grid leaves).
THREADS_PER_BLOCK = 256
MAX_BLOCKS = 65535

# (real C type, complex C type, suffix) for each supported precision.
_PRECISIONS = {
    np.dtype(np.float32): ("float", "float2", "f32"),
    np.dtype(np.float64): ("double", "double2", "f64"),
}

# A reference works on chunks of this many outputs to bound its memory.
_REFERENCE_CHUNK = 1 << 18


@dataclass(frozen=True)
class KernelSpec:
    """One fused kernel: its parameters, CUDA body, and NumPy reference.

    Attributes
    ----------
    name : str
        Base name; the CUDA function is ``skscat_<name>_<f32|f64>``.
    params : tuple of (str, str)
        ``(C type, name)`` of each argument, in order; the types may use the
        placeholders ``R`` (real) and ``C`` (complex).
    body : str
        CUDA C body, with the same placeholders.
    reference : callable
        NumPy function with the kernel's signature.
    """

    name: str
    params: tuple
    body: str
    reference: object

    def function_name(self, dtype) -> str:
        return f"skscat_{self.name}_{_precision(dtype)[2]}"

    def source(self, dtype) -> str:
        """Complete CUDA C source (one ``extern "C" __global__`` function)."""
        real, cplx, _ = _precision(dtype)
        params = ",\n    ".join(
            f"{_substitute(ctype, real, cplx)} {pname}" for ctype, pname in self.params
        )
        body = _substitute(self.body, real, cplx)
        return (
            f'extern "C" __global__ void {self.function_name(dtype)}(\n    {params})\n'
            f"{{\n{body}}}\n"
        )


def _precision(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        dtype = np.finfo(dtype).dtype
    try:
        return _PRECISIONS[dtype]
    except KeyError:
        raise TypeError(f"No CUDA kernel for dtype {dtype}; use float32 or float64.") from None


def _substitute(text: str, real: str, cplx: str) -> str:
    # Placeholders are whole words "R" and "C" (e.g. "const C* x").
    import re

    text = re.sub(r"\bR\b", real, text)
    return re.sub(r"\bC\b", cplx, text)


_GRID_STRIDE = (
    "    const long long stride = (long long)blockDim.x * gridDim.x;\n"
    "    for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;\n"
    "         idx < total; idx += stride) {\n"
)


def _reference_chunks(total: int, K: int, n1: int, n_last: int):
    """Flat output indices in chunks, decomposed as the kernels do: ``(b, f, i1, i2)``.

    The NumPy references walk the same flat index a CUDA thread gets, so that
    they check the kernels' index arithmetic and not only their results.
    """
    for start in range(0, total, _REFERENCE_CHUNK):
        idx = np.arange(start, min(start + _REFERENCE_CHUNK, total), dtype=np.int64)
        i2 = idx % n_last
        t = idx // n_last
        i1 = t % n1
        t = t // n1
        yield idx, t // K, t % K, i1, i2


# -- the filter product fused with Fourier periodisation -------------------
def periodize_product(x, filt, out, B, K, n1, n2, k1, k2):
    """NumPy reference of ``skscat_periodize_product``.

    ``x`` holds ``B`` complex spectra of shape ``(k1 n1, k2 n2)``, ``filt``
    ``K`` real filters of the same shape; ``out`` receives, for every
    ``(b, f)``, the product ``x[b] * filt[f]`` averaged over its ``k1 k2``
    aliases on the ``(n1, n2)`` grid (sub-sampling in space), flat in the
    order ``(b, f, i1, i2)``.
    """
    N1, N2 = n1 * k1, n2 * k2
    total = B * K * n1 * n2
    scale = out.real.dtype.type(1.0 / (k1 * k2))
    for idx, b, f, i1, i2 in _reference_chunks(total, K, n1, n2):
        xb = b * (N1 * N2)
        fb = f * (N1 * N2)
        acc = np.zeros(idx.size, dtype=out.dtype)
        for a1 in range(k1):
            row = (a1 * n1 + i1) * N2
            for a2 in range(k2):
                p = row + a2 * n2 + i2
                acc += x[xb + p] * filt[fb + p]
        out[idx] = acc * scale


PERIODIZE_PRODUCT = KernelSpec(
    name="periodize_product",
    params=(
        ("const C* __restrict__", "x"),
        ("const R* __restrict__", "filt"),
        ("C* __restrict__", "out"),
        ("const long long", "B"),
        ("const long long", "K"),
        ("const long long", "n1"),
        ("const long long", "n2"),
        ("const long long", "k1"),
        ("const long long", "k2"),
    ),
    body=(
        "    const long long N1 = n1 * k1, N2 = n2 * k2;\n"
        "    const long long total = B * K * n1 * n2;\n"
        "    const R scale = (R)1 / (R)(k1 * k2);\n"
        + _GRID_STRIDE
        + "        const long long i2 = idx % n2;\n"
        "        long long t = idx / n2;\n"
        "        const long long i1 = t % n1;\n"
        "        t /= n1;\n"
        "        const long long f = t % K;\n"
        "        const long long b = t / K;\n"
        "        const C* xb = x + b * (N1 * N2);\n"
        "        const R* fb = filt + f * (N1 * N2);\n"
        "        R re = 0, im = 0;\n"
        "        for (long long a1 = 0; a1 < k1; ++a1) {\n"
        "            const long long row = (a1 * n1 + i1) * N2;\n"
        "            for (long long a2 = 0; a2 < k2; ++a2) {\n"
        "                const long long p = row + a2 * n2 + i2;\n"
        "                const R h = fb[p];\n"
        "                const C v = xb[p];\n"
        "                re += v.x * h;\n"
        "                im += v.y * h;\n"
        "            }\n"
        "        }\n"
        "        C r;\n"
        "        r.x = re * scale;\n"
        "        r.y = im * scale;\n"
        "        out[idx] = r;\n"
        "    }\n"
    ),
    reference=periodize_product,
)


# -- the same from a half spectrum (Hermitian symmetry) ---------------------
def periodize_product_hermitian(x, filt, out, B, K, n1, n2, m2, k1, k2, n_half):
    """NumPy reference of ``skscat_periodize_product_hermitian``.

    As :func:`periodize_product`, but ``x`` holds only the half spectra
    ``(k1 n1, n_half)`` of ``B`` real signals whose last axis has ``N2 = k2 n2``
    samples; the other frequencies are read through Hermitian symmetry,
    ``X[p1, p2] = conj(X[-p1 mod N1, N2 - p2])`` for ``p2 >= n_half``. Only the
    first ``m2 <= n2`` frequencies of the output's last axis are written, flat
    in the order ``(b, f, i1, i2 < m2)``.
    """
    N1, N2 = n1 * k1, n2 * k2
    total = B * K * n1 * m2
    scale = out.real.dtype.type(1.0 / (k1 * k2))
    for idx, b, f, i1, i2 in _reference_chunks(total, K, n1, m2):
        xb = b * (N1 * n_half)
        fb = f * (N1 * N2)
        acc = np.zeros(idx.size, dtype=out.dtype)
        for a1 in range(k1):
            p1 = a1 * n1 + i1
            q1 = (N1 - p1) % N1
            for a2 in range(k2):
                p2 = a2 * n2 + i2
                direct = p2 < n_half
                v = x[np.where(direct, xb + p1 * n_half + p2, xb + q1 * n_half + (N2 - p2))]
                v = np.where(direct, v, np.conj(v))
                acc += v * filt[fb + p1 * N2 + p2]
        out[idx] = acc * scale


PERIODIZE_PRODUCT_HERMITIAN = KernelSpec(
    name="periodize_product_hermitian",
    params=(
        ("const C* __restrict__", "x"),
        ("const R* __restrict__", "filt"),
        ("C* __restrict__", "out"),
        ("const long long", "B"),
        ("const long long", "K"),
        ("const long long", "n1"),
        ("const long long", "n2"),
        ("const long long", "m2"),
        ("const long long", "k1"),
        ("const long long", "k2"),
        ("const long long", "n_half"),
    ),
    body=(
        "    const long long N1 = n1 * k1, N2 = n2 * k2;\n"
        "    const long long total = B * K * n1 * m2;\n"
        "    const R scale = (R)1 / (R)(k1 * k2);\n"
        + _GRID_STRIDE
        + "        const long long i2 = idx % m2;\n"
        "        long long t = idx / m2;\n"
        "        const long long i1 = t % n1;\n"
        "        t /= n1;\n"
        "        const long long f = t % K;\n"
        "        const long long b = t / K;\n"
        "        const C* xb = x + b * (N1 * n_half);\n"
        "        const R* fb = filt + f * (N1 * N2);\n"
        "        R re = 0, im = 0;\n"
        "        for (long long a1 = 0; a1 < k1; ++a1) {\n"
        "            const long long p1 = a1 * n1 + i1;\n"
        "            const long long q1 = (N1 - p1) % N1;\n"
        "            for (long long a2 = 0; a2 < k2; ++a2) {\n"
        "                const long long p2 = a2 * n2 + i2;\n"
        "                const R h = fb[p1 * N2 + p2];\n"
        "                C v;\n"
        "                if (p2 < n_half) {\n"
        "                    v = xb[p1 * n_half + p2];\n"
        "                } else {\n"
        "                    v = xb[q1 * n_half + (N2 - p2)];\n"
        "                    v.y = -v.y;\n"
        "                }\n"
        "                re += v.x * h;\n"
        "                im += v.y * h;\n"
        "            }\n"
        "        }\n"
        "        C r;\n"
        "        r.x = re * scale;\n"
        "        r.y = im * scale;\n"
        "        out[idx] = r;\n"
        "    }\n"
    ),
    reference=periodize_product_hermitian,
)


# -- the complex modulus ---------------------------------------------------
def modulus(x, out, total):
    """NumPy reference of ``skscat_modulus``: ``out = |x|`` over ``total`` values."""
    out[:total] = np.hypot(x[:total].real, x[:total].imag)


MODULUS = KernelSpec(
    name="modulus",
    params=(
        ("const C* __restrict__", "x"),
        ("R* __restrict__", "out"),
        ("const long long", "total"),
    ),
    body=(
        _GRID_STRIDE + "        const C v = x[idx];\n        out[idx] = hypot(v.x, v.y);\n    }\n"
    ),
    reference=modulus,
)


# -- the rectifier over phases ----------------------------------------------
def phase_relu(z, rot, out, lead, K, A, S):
    """NumPy reference of ``skscat_phase_relu``.

    ``z`` holds ``lead * K`` complex maps of ``S`` values, ``rot`` the ``A``
    rotations ``exp(i alpha_a)``; ``out`` receives ``max(Re(rot[a] z), 0)``
    flat in the order ``(lead, K, A, S)``.
    """
    total = lead * K * A * S
    for start in range(0, total, _REFERENCE_CHUNK):
        idx = np.arange(start, min(start + _REFERENCE_CHUNK, total), dtype=np.int64)
        s = idx % S
        t = idx // S
        a = t % A
        t = t // A
        out[idx] = np.maximum((z[t * S + s] * rot[a]).real, 0)


PHASE_RELU = KernelSpec(
    name="phase_relu",
    params=(
        ("const C* __restrict__", "z"),
        ("const C* __restrict__", "rot"),
        ("R* __restrict__", "out"),
        ("const long long", "lead"),
        ("const long long", "K"),
        ("const long long", "A"),
        ("const long long", "S"),
    ),
    body=(
        "    const long long total = lead * K * A * S;\n"
        + _GRID_STRIDE
        + "        const long long s = idx % S;\n"
        "        const long long t = idx / S;\n"
        "        const C v = z[(t / A) * S + s];\n"
        "        const C r = rot[t % A];\n"
        "        const R re = v.x * r.x - v.y * r.y;\n"
        "        out[idx] = re > (R)0 ? re : (R)0;\n"
        "    }\n"
    ),
    reference=phase_relu,
)


KERNELS = {
    spec.name: spec
    for spec in (PERIODIZE_PRODUCT, PERIODIZE_PRODUCT_HERMITIAN, MODULUS, PHASE_RELU)
}
DTYPES = tuple(_PRECISIONS)


def all_sources():
    """``(function name, CUDA source)`` of every kernel in every precision."""
    return [
        (spec.function_name(dtype), spec.source(dtype))
        for spec in KERNELS.values()
        for dtype in DTYPES
    ]


def launch_config(total: int) -> tuple[tuple[int], tuple[int]]:
    """``(grid, block)`` for ``total`` outputs (at least one block)."""
    blocks = max(1, min(MAX_BLOCKS, -(-int(total) // THREADS_PER_BLOCK)))
    return (blocks,), (THREADS_PER_BLOCK,)
