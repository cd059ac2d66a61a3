"""Warm starts: each chain of a new fit starts at a posterior draw of an earlier fit.

A refit after a lift test (or with a few more weeks, or another prior) samples nearly the same
posterior as the fit before it. Started as usual (PyMC's support point, jittered), a geo
model's refit with a test in every geo spent its warm-up far from where the test's
likelihood is: trees of 500+ leapfrog steps for 200 of 300 tuning steps, then 246 steps per
draw, 43 s; started at draws of the fit before, 30 steps per draw (as without the test),
3.8 s (``benchmarks/results/geo_lift_warmup.md``). The chains still tune, and r_hat compares
chains started at different draws of the wider earlier posterior.

The draws are given on the constrained scale (the fit's posterior); each is taken to the
sampler's unconstrained space by PyMC's own initial-point function (``make_initial_point_fn``
with the draw as its overrides, no jitter), then laid out as the compiled model's flat
vector. A parameter missing from the earlier fit, of another shape or under other labels
(channels, geos) makes the start cold, with a log line naming it.
"""

from __future__ import annotations

import threading

import numpy as np

from bayes_mmm.logs import log


def start_points(model, earlier, chains: int, seed: int) -> list[dict] | None:
    """``chains`` points of ``model`` (unconstrained values by value-variable name), each a
    posterior draw of ``earlier`` (an :class:`~bayes_mmm.inference.fit.MMMFit`) chosen by
    ``seed``; None (cold start) when the two models' parameters do not match."""
    from pymc.initial_point import make_initial_point_fn

    post = earlier.posterior
    n = post.sizes["chain"] * post.sizes["draw"]
    picks = np.random.default_rng(seed).choice(n, size=chains, replace=n < chains)
    shapes = model.eval_rv_shapes()
    points = []
    try:
        for k in picks:
            c, d = divmod(int(k), post.sizes["draw"])
            draw = {rv.name: _draw(model, post, rv.name, c, d, shapes) for rv in model.free_RVs}
            point = make_initial_point_fn(model=model, overrides=draw, jitter_rvs=set(),
                                          return_transformed=True)  # fmt: skip
            points.append(point(0))
    except _Mismatch as err:
        log.info("no warm start: %s; the chains start as usual", err)
        return None
    if not all(np.isfinite(v).all() for p in points for v in p.values()):
        log.info("no warm start: a draw of the earlier fit is outside this model's support")
        return None
    return points


class _Mismatch(ValueError):
    pass


def _draw(model, post, name: str, chain: int, draw: int, shapes: dict) -> np.ndarray:
    """``name`` at one draw of ``post``, its shape and labels (channels, geos, ...) checked
    against ``model``'s: the same number of channels under other names is another model."""
    if name not in post:
        raise _Mismatch(f"the earlier fit has no {name}")
    value = np.asarray(post[name].values[chain, draw], dtype=float)
    if value.shape != tuple(shapes[name]):
        raise _Mismatch(f"{name} has shape {value.shape} in the earlier fit, {shapes[name]} here")
    for dim in model.named_vars_to_dims.get(name) or ():
        here, there = list(model.coords[dim]), list(post[name][dim].values)
        if [str(v) for v in here] != [str(v) for v in there]:
            raise _Mismatch(f"{name}'s {dim} labels differ ({there} in the earlier fit)")
    return value


def initial_point_function(points: list[dict], names: list[str]):
    """nutpie's ``initial_point_func`` for flat vectors laid out as ``names`` (the compiled
    model's free value variables, in order): the next chain (or retry) gets the next point."""
    flat = [np.concatenate([np.ravel(p[name]) for name in names]) for p in points]
    lock, taken = threading.Lock(), [0]

    def initial_point(_seed) -> np.ndarray:
        with lock:
            k = taken[0]
            taken[0] += 1
        return flat[k % len(flat)].copy()

    return initial_point
