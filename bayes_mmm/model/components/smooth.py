"""Smooth time-varying baseline: a Hilbert-space Gaussian process (HSGP) over the fit window.

``ModelSpec(baseline="smooth")`` adds ``f(t)`` to the level and the linear trend, with an
exponentiated-quadratic covariance of amplitude ``smooth_amplitude`` (units of the mean
outcome, like every baseline prior: 0.1 = a tenth of the average week) and length scale
``smooth_lengthscale`` (in weeks, whatever the data frequency). It follows PyMC's
``pm.gp.HSGP`` (Riutort-Mayol et al. 2022): Laplacian eigenfunctions on ``[-L, L]``
weighted by the square root of the spectral density, non-centred (``smooth_z`` ~ N(0, 1)).

Two choices keep the posterior well shaped: each basis function has its constant and linear
part (over the window, continuously) projected out, so ``f`` never trades off against the
level or the trend; and the length scale prior keeps nearly all its mass above ~10 weeks, so
``f`` is too smooth to absorb media bursts. Outside the window the term is held at its value
at the nearest window edge (a forecast does not extrapolate the wiggles).

The numpy twin (:func:`smooth_forward`) gives ``f`` per draw for any dates; it is added to
``baseline`` in the contributions. Pytensor and pymc are imported lazily: the spec (and the
command line) read this module's priors without the PyMC stack.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayes_mmm.model.priors import Prior

AMPLITUDE = "smooth_amplitude"
LENGTHSCALE = "smooth_lengthscale"
Z = "smooth_z"
BASIS_DIM = "smooth_basis"
NAME = "smooth"  # ModelSpec(baseline=...) value that switches it on

PRIORS: dict[str, Prior] = {
    AMPLITUDE: Prior("HalfNormal", sigma=0.15),
    LENGTHSCALE: Prior("LogNormal", mu=float(np.log(30.0)), sigma=0.4),
}
SUPPORT = {AMPLITUDE: (0.0, None), LENGTHSCALE: (0.0, None)}

C_BOUNDARY = 1.5  # L = C * half-width of the window
MIN_LENGTHSCALE_WEEKS = 10.0  # the basis resolves length scales down to about this
MAX_BASIS = 40


def n_basis(span_weeks: float) -> int:
    """Basis size for a window of ``span_weeks``: ``m >= 1.75 c S / l_min`` (Riutort-Mayol
    et al. 2022), between 6 and ``MAX_BASIS``."""
    m = int(np.ceil(1.75 * C_BOUNDARY * 0.5 * span_weeks / MIN_LENGTHSCALE_WEEKS))
    return int(np.clip(m, 6, MAX_BASIS))


def _raw_basis(time: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Eigenfunctions ``(date, m)`` on ``[-L, L]`` of centred window time and their
    frequencies ``sqrt(lambda_j)`` (window units)."""
    half = C_BOUNDARY * 0.5
    omega = np.arange(1, m + 1) * np.pi / (2 * half)
    x = np.clip(np.asarray(time, dtype=float), 0.0, 1.0) - 0.5
    return np.sin(omega[None, :] * (x[:, None] + half)) / np.sqrt(half), omega


def basis(time: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """HSGP basis ``(date, m)`` at window times ``time`` (0..1 over the fit window) with its
    constant and linear parts over the window projected out, and the frequencies ``(m,)``."""
    grid = np.linspace(0.0, 1.0, 1001)
    phi_grid, omega = _raw_basis(grid, m)
    poly_grid = np.column_stack([np.ones_like(grid), grid - 0.5])
    coef, *_ = np.linalg.lstsq(poly_grid, phi_grid, rcond=None)  # (2, m)
    phi, _ = _raw_basis(time, m)
    x = np.clip(np.asarray(time, dtype=float), 0.0, 1.0) - 0.5
    poly = np.column_stack([np.ones_like(x), x])
    return phi - poly @ coef, omega


def sqrt_psd(amplitude, lengthscale, omega, exp=np.exp, sqrt=np.sqrt):
    """Square root of the exponentiated-quadratic spectral density at ``omega`` (``omega``
    and ``lengthscale`` in reciprocal units). Works on numpy or pytensor arrays."""
    decay = exp(-0.25 * (lengthscale * omega) ** 2)
    return amplitude * (2 * np.pi) ** 0.25 * sqrt(lengthscale) * decay


def weekly_basis(time: np.ndarray, m: int, span_weeks: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`basis` with the window length folded in: ``phi / sqrt(span)`` and the
    frequencies per week, so that the length scale enters in weeks."""
    phi, omega = basis(time, m)
    return phi / np.sqrt(span_weeks), omega / span_weeks


def smooth_forward(p: Mapping[str, np.ndarray], time: np.ndarray, span_weeks: float) -> np.ndarray:
    """``f`` ``(S, date)`` (mean-outcome units) at draws ``p`` (``smooth_z``: ``(S, m)``)."""
    z = np.asarray(p[Z], dtype=float)
    phi, omega = weekly_basis(time, z.shape[1], span_weeks)
    amplitude = np.asarray(p[AMPLITUDE], dtype=float)[:, None]
    ell = np.asarray(p[LENGTHSCALE], dtype=float)[:, None]
    return (sqrt_psd(amplitude, ell, omega[None, :]) * z) @ phi.T


def smooth_pt(amplitude, lengthscale_weeks, z, phi, omega):
    """Pytensor twin of :func:`smooth_forward` (``phi``, ``omega`` from :func:`weekly_basis`):
    ``phi @ (sqrt_psd * z)`` ``(date,)``."""
    import pytensor.tensor as pt

    return pt.dot(phi, sqrt_psd(amplitude, lengthscale_weeks, omega, exp=pt.exp, sqrt=pt.sqrt) * z)


class SmoothBaseline:
    """The baseline term (see :mod:`.baseline`): active when ``spec.baseline == "smooth"``."""

    name = NAME

    def active(self, spec, design) -> bool:
        return getattr(spec, "baseline", "linear") == NAME

    def add(self, ctx, design):
        import pymc as pm

        m = n_basis(design.span_weeks)
        pm.modelcontext(None).add_coord(BASIS_DIM, list(range(m)))
        phi_np, omega_np = weekly_basis(design.time, m, design.span_weeks)
        phi = pm.Data("smooth_phi", phi_np, dims=("date", BASIS_DIM))
        omega = pm.Data("smooth_omega", omega_np, dims=BASIS_DIM)
        amplitude = ctx.add_prior(AMPLITUDE)
        lengthscale = ctx.add_prior(LENGTHSCALE)
        z = pm.Normal(Z, 0.0, 1.0, dims=BASIS_DIM)  # non-centred weights
        return smooth_pt(amplitude, lengthscale, z, phi, omega)

    def forward(self, p, design, scales):
        """``f`` ``(S, date)``; no shift (``f`` is centred over the window already)."""
        return smooth_forward(p, design.time, design.span_weeks), 0.0
