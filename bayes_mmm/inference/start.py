"""Warm starts: each chain of a new fit starts at a posterior draw of an earlier fit.

A refit after a lift test (or with a few more weeks, or another prior) samples nearly the same
posterior as the fit before it. Started as usual (PyMC's support point, jittered), a geo
model's refit with a test in every geo spent its warm-up far from where the test's
likelihood is: trees of 500+ leapfrog steps for 200 of 300 tuning steps, then 246 steps per
draw, 43 s; started at draws of the fit before, 30 steps per draw (as without the test),
3.8 s (``benchmarks/results/geo_lift_warmup.md``). The chains still tune, and r_hat compares
chains started at different draws of the wider earlier posterior.

The draws are given on the constrained scale (the fit's posterior); each is taken to the
sampler's unconstrained space through the new model's own transforms, in the order of its
flat parameter vector. A parameter missing from the earlier fit, of another shape, or whose
transform depends on other parameters makes the start cold (with a log line naming it).
"""

from __future__ import annotations

import threading

import numpy as np

from bayes_mmm.logs import log


def start_points(model, earlier, chains: int, seed: int) -> list[dict] | None:
    """``chains`` points of ``model`` (unconstrained values by value-variable name), each a
    posterior draw of ``earlier`` (an :class:`~bayes_mmm.inference.fit.MMMFit`) chosen by
    ``seed``; None (cold start) when the two models' parameters do not match."""
    post = earlier.posterior
    n = post.sizes["chain"] * post.sizes["draw"]
    picks = np.random.default_rng(seed).choice(n, size=chains, replace=n < chains)
    initial = model.initial_point()
    try:
        maps = {rv: _to_unconstrained(model, rv, initial) for rv in model.free_RVs}
        points = []
        for k in picks:
            c, d = divmod(int(k), post.sizes["draw"])
            points.append({model.rvs_to_values[rv].name: f(_draw(model, post, rv.name, c, d))
                           for rv, f in maps.items()})  # fmt: skip
    except _Mismatch as err:
        log.info("no warm start: %s; the chains start as usual", err)
        return None
    if not all(np.isfinite(v).all() for p in points for v in p.values()):
        log.info("no warm start: a draw of the earlier fit is outside this model's support")
        return None
    return points


def _draw(model, post, name: str, chain: int, draw: int) -> np.ndarray:
    """``name`` at one draw of ``post``, its labels (channels, geos, ...) checked against
    ``model``'s: the same number of channels under other names is another model."""
    if name not in post:
        raise _Mismatch(f"the earlier fit has no {name}")
    for dim in model.named_vars_to_dims.get(name) or ():
        here, there = list(model.coords[dim]), list(post[name][dim].values)
        if [str(v) for v in here] != [str(v) for v in there]:
            raise _Mismatch(f"{name}'s {dim} labels differ ({there} in the earlier fit)")
    return np.asarray(post[name].values[chain, draw], dtype=float)


class _Mismatch(ValueError):
    pass


def _to_unconstrained(model, rv, initial: dict):
    """A numpy function: ``rv``'s constrained value -> its value variable's (unconstrained);
    ``initial``: the model's initial point (the shapes)."""
    import pytensor
    from pytensor.graph.traversal import graph_inputs

    value = model.rvs_to_values[rv]
    transform = model.rvs_to_transforms.get(rv)
    x = rv.type()
    out = x if transform is None else transform.forward(x, *rv.owner.inputs)
    out = model.replace_rvs_by_values([out])[0]
    others = [v for v in graph_inputs([out]) if v in set(model.value_vars)]
    if others:
        raise _Mismatch(f"the transform of {rv.name} depends on {[v.name for v in others]}")
    fn = pytensor.function([x], out, mode=pytensor.compile.mode.Mode(linker="py", optimizer=None),
                           on_unused_input="ignore")  # fmt: skip
    shape = tuple(initial[value.name].shape)

    def convert(draw: np.ndarray) -> np.ndarray:
        if draw.ndim != rv.type.ndim:
            raise _Mismatch(
                f"{rv.name} has {draw.ndim} dims in the earlier fit, {rv.type.ndim} here"
            )
        u = np.asarray(fn(draw.astype(rv.type.dtype)), dtype=float)
        if u.shape != shape:
            raise _Mismatch(f"{rv.name} has shape {draw.shape} in the earlier fit")
        return u

    return convert


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
