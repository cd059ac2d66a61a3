"""Smooth time-varying baseline: a Hilbert-space Gaussian process (HSGP) over the fit window.

``ModelSpec(baseline="smooth")`` adds ``f(t)`` to the level and the linear trend: a
Gaussian process with Matern-5/2 covariance of length scale
``smooth_lengthscale`` (in weeks, whatever the data frequency) in PyMC's ``pm.gp.HSGP``
form (Riutort-Mayol et al. 2022): Laplacian eigenfunctions on ``[-L, L]`` weighted by the
square root of the spectral density, non-centred (``smooth_z`` ~ N(0, 1)).

Four choices keep the posterior well shaped (``benchmarks/results/baseline_grid``):

- each basis function has its constant and linear part over the window projected out, and
  the calendar's seasonality (the model's Fourier terms over the window), so ``f`` never
  trades off against the level, the trend or the seasonality. Without the seasonality
  projection, on windows of 1.5-4 years ``f`` and the yearly terms share the 52-week
  frequency: seasonality, level and amplitude correlated at -0.9 and r_hat reached 1.3;
- ``smooth_amplitude`` is the prior root-mean-square of ``f`` over the window (units of
  the mean outcome: 0.06 = 6% of the average week), not the kernel's amplitude: the
  spectral weights are normalised to it, which removes the amplitude-length-scale ridge;
- the amplitude prior is LogNormal, not HalfNormal, and narrow (90% in 0.04-0.09): the
  weights ``z`` are non-centred, and where the data pin ``f`` down, ``z`` scales as
  ``1 / amplitude`` (the non-centred form's inverted funnel). With HalfNormal(0.1) the
  amplitude ranged over 0-0.2 and every divergence was at its top (0.1-0.2, posterior
  mean 0.03); a centred form diverged at its bottom instead (amplitude near 0). A
  zero-avoiding amplitude that varies by ~2x keeps both ends away (0 divergences on the
  grid's worst data sets). ``f`` may still exceed it: the data move ``z``;
- the length scale prior (90% in 18-49 weeks) keeps ``f`` too smooth to absorb media
  bursts; it is learnt from the data (posterior means 21-41 weeks on the grid).

Matern-5/2 rather than the exponentiated quadratic: its spectral density falls off as a
power, not as ``exp(-(l w)^2)``, so the weights of the middle frequencies do not swing
steeply with the length scale. Outside the window the eigenfunctions and the linear part are
held at their value at the nearest edge (a forecast does not extrapolate the wiggles); the
projected-out seasonal part is periodic and continues, as the seasonality itself does.

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
    AMPLITUDE: Prior("LogNormal", mu=float(np.log(0.06)), sigma=0.25),
    LENGTHSCALE: Prior("LogNormal", mu=float(np.log(30.0)), sigma=0.3),
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


def _poly(time: np.ndarray) -> np.ndarray:
    """Constant and linear part ``(date, 2)`` at window times (held outside the window)."""
    x = np.clip(np.asarray(time, dtype=float), 0.0, 1.0) - 0.5
    return np.column_stack([np.ones_like(x), x])


def _projection(m: int, season: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``(2 + fourier, m)`` of each eigenfunction's constant, linear and
    seasonal part over the window, and the root-mean-square ``(m,)`` of what is left.
    ``season``: the seasonal terms on an even grid over the window (``(grid, fourier)``,
    :func:`window_season`), or None (1001 points, no seasonality)."""
    n = 1001 if season is None or not len(season) else len(season)
    grid = np.linspace(0.0, 1.0, n)
    phi_grid, _ = _raw_basis(grid, m)
    cols = _poly(grid)
    if season is not None and season.shape[1]:
        cols = np.column_stack([cols, season])
    coef, *_ = np.linalg.lstsq(cols, phi_grid, rcond=None)
    rms = np.sqrt(np.mean((phi_grid - cols @ coef) ** 2, axis=0))
    return coef, rms


def basis(
    time: np.ndarray,
    m: int,
    fourier: np.ndarray | None = None,
    season: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HSGP basis ``(date, m)`` at window times ``time`` (0..1 over the fit window) with its
    constant, linear and (given ``fourier``, the seasonal terms at ``time``, and ``season``,
    the same terms over the window: :func:`window_season`) seasonal parts over the window
    projected out, the frequencies per window ``(m,)`` and the log root-mean-square of each
    column over the window ``(m,)``."""
    with_season = season is not None and season.shape[1] > 0
    coef, rms = _projection(m, season if with_season else None)
    phi, omega = _raw_basis(time, m)
    cols = _poly(time)
    if with_season:
        cols = np.column_stack([cols, fourier])
    return phi - cols @ coef, omega, np.log(rms)


def window_season(design) -> np.ndarray | None:
    """The design's seasonal terms on a daily grid over the fit window (None without)."""
    return getattr(design, "window_fourier", None)


def weekly_basis(time: np.ndarray, m: int, span_weeks: float, fourier=None, season=None):
    """:func:`basis` with frequencies per week (the length scale is in weeks)."""
    phi, omega, log_rms = basis(time, m, fourier, season)
    return phi, omega / span_weeks, log_rms


def design_basis(design, m: int):
    """:func:`weekly_basis` of a model design (``time``, ``fourier``, ``window_fourier``)."""
    return weekly_basis(design.time, m, design.span_weeks, design.fourier, window_season(design))


def weights(amplitude, lengthscale, omega, log_rms, xp=np):
    """Spectral weights of the basis: the Matern-5/2 spectral density's square root at
    ``omega`` (up to a constant), normalised so that ``f`` has root-mean-square
    ``amplitude`` over the window in prior expectation. ``xp``: numpy or
    ``pytensor.tensor``; parameters broadcast against ``omega`` on the last axis."""
    a = -1.5 * xp.log(5.0 / lengthscale**2 + omega**2)  # Matern 5/2: sqrt of the density
    b = 2 * (a + log_rms)
    top = xp.max(b, axis=-1, keepdims=True)
    log_norm = 0.5 * (top + xp.log(xp.sum(xp.exp(b - top), axis=-1, keepdims=True)))
    return amplitude * xp.exp(a - log_norm)


def smooth_forward(
    p: Mapping[str, np.ndarray],
    time: np.ndarray,
    span_weeks: float,
    fourier: np.ndarray | None = None,
    season: np.ndarray | None = None,
) -> np.ndarray:
    """``f`` ``(S, date)`` (mean-outcome units) at draws ``p`` (``smooth_z``: ``(S, m)``);
    ``fourier``, ``season``: as in :func:`basis`."""
    z = np.asarray(p[Z], dtype=float)
    phi, omega, log_rms = weekly_basis(time, z.shape[1], span_weeks, fourier, season)
    amplitude = np.asarray(p[AMPLITUDE], dtype=float)[:, None]
    ell = np.asarray(p[LENGTHSCALE], dtype=float)[:, None]
    return (weights(amplitude, ell, omega[None, :], log_rms[None, :]) * z) @ phi.T


def smooth_pt(amplitude, lengthscale_weeks, z, phi, omega, log_rms):
    """Pytensor twin of :func:`smooth_forward` (``phi``, ``omega``, ``log_rms`` from
    :func:`weekly_basis`): ``phi @ (weights * z)`` ``(date,)``."""
    import pytensor.tensor as pt

    return pt.dot(phi, weights(amplitude, lengthscale_weeks, omega, log_rms, xp=pt) * z)


class SmoothBaseline:
    """The baseline term (see :mod:`.baseline`): active when ``spec.baseline == "smooth"``."""

    name = NAME

    def active(self, spec, design) -> bool:
        return getattr(spec, "baseline", "linear") == NAME

    def add(self, ctx, design):
        import pymc as pm

        m = n_basis(design.span_weeks)
        pm.modelcontext(None).add_coord(BASIS_DIM, list(range(m)))
        phi_np, omega_np, log_rms_np = design_basis(design, m)
        phi = pm.Data("smooth_phi", phi_np, dims=("date", BASIS_DIM))
        omega = pm.Data("smooth_omega", omega_np, dims=BASIS_DIM)
        log_rms = pm.Data("smooth_log_rms", log_rms_np, dims=BASIS_DIM)
        amplitude = ctx.add_prior(AMPLITUDE)
        lengthscale = ctx.add_prior(LENGTHSCALE)
        z = pm.Normal(Z, 0.0, 1.0, dims=BASIS_DIM)  # non-centred weights
        return smooth_pt(amplitude, lengthscale, z, phi, omega, log_rms)

    def forward(self, p, design, scales):
        """``f`` ``(S, date)``; no shift (``f`` is centred over the window already)."""
        f = smooth_forward(p, design.time, design.span_weeks, design.fourier, window_season(design))
        return f, 0.0
