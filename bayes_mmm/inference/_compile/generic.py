"""Shape-generic logp and expand functions for nutpie: the sizes are inputs, not constants.

nutpie's ``_make_functions`` splits its flat point into the free variables with *constant*
slices and reshapes (``x[0:4].reshape((4,))``), so the generated code of the logp function
holds the channel count, and a data set with another number of channels compiles its
top-level numba function again (~5 s, although every kernel inside comes from the cache).
Here the point is an ordinary vector and the offsets and shapes of the free variables are
read from a shared vector, :data:`LAYOUT` (float64, like every other shared input the
trampolines pass; values are exact integers). ``bayes_mmm.model.build`` keeps every other
size in ``pm.Data``, so one compiled function serves every data set of a model structure,
whatever its length, channel count or number of geos.

:func:`make_functions` returns what nutpie's returns (same order, same meaning);
:func:`layout` gives what changes with the data set's shapes (the layout vector, nutpie's
``shape_info`` and the sizes of the flat point and of the trace).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

LAYOUT = "_free_layout"  # name of the shared vector of offsets and shapes


@dataclass(frozen=True)
class Layout:
    """Where each free variable sits in the flat point, for one data set's shapes."""

    vector: np.ndarray  # offsets (n_free + 1), then each free variable's shape
    shape_info: tuple  # nutpie's (names, slices, shapes) of every traced variable
    n_dim: int  # length of the flat point
    n_expanded: int  # length of the expanded trace vector


def _free_names(model) -> list[str]:
    return [model.rvs_to_values[v].name for v in model.free_RVs]


def layout(model, remaining: list[str] | None = None) -> Layout:
    """The layout of ``model``'s free variables and of its traced variables (``remaining``:
    the names traced after the free ones, in order; default: as :func:`make_functions`)."""
    from nutpie.compile_pymc import _compute_shapes

    shapes = _compute_shapes(model)
    names = _free_names(model)
    if remaining is None:
        remaining = [v.name for v in _remaining(model, names)]
    free_shapes = [tuple(int(s) for s in shapes[n]) for n in names]
    offsets = np.cumsum([0, *(prod(s) for s in free_shapes)])
    vector = np.concatenate([offsets, *(np.asarray(s, dtype=float) for s in free_shapes)])
    all_names, all_shapes, slices, count = [], [], [], 0
    for name in [*names, *remaining]:
        shape = tuple(int(s) for s in shapes[name])
        all_names.append(name)
        all_shapes.append(shape)
        slices.append(slice(count, count + prod(shape)))
        count += prod(shape)
    info = (all_names, slices, all_shapes)
    return Layout(vector.astype(np.float64), info, int(offsets[-1]), count)


def _remaining(model, names: list[str]) -> list:
    return [v for v in model.unobserved_value_vars if v.name not in names]


def _split(joined, ranks: list[int], layout_var) -> list:
    """The free variables' values from the flat point, sizes read from ``layout_var``."""
    sizes = layout_var.astype("int64")
    pos = len(ranks) + 1
    out = []
    for i, rank in enumerate(ranks):
        if rank == 0:  # an index, not a reshaped slice: no shape check to compile
            out.append(joined[sizes[i]])
            continue
        shape = [sizes[pos + j] for j in range(rank)]
        out.append(joined[sizes[i] : sizes[i + 1]].reshape(shape, ndim=rank))
        pos += rank
    return out


def make_functions(model, initial_point):
    """nutpie's ``_make_functions(model, mode="NUMBA", compute_grad=True,
    join_expanded=True, pymc_initial_point_fn=initial_point)``, shape-generic (module
    docstring). ``initial_point``: PyMC's initial point function (transformed values)."""
    import pytensor
    import pytensor.tensor as pt
    from nutpie.compile_pymc import _rv_dict_to_flat_array_wrapper
    from pymc.pytensorf import compile as compile_pymc
    from pytensor.graph import clone_replace, rewrite_graph

    names = _free_names(model)
    values = [model.rvs_to_values[v] for v in model.free_RVs]
    rewrites = ["canonicalize", "stabilize"]
    if not model.check_bounds:
        rewrites.append("local_remove_check_parameter")
    logp = rewrite_graph(model.logp(), include=rewrites)
    grad = pt.concatenate([pt.as_tensor(g).ravel() for g in pt.grad(logp, values)])
    remaining = _remaining(model, names)
    lay = layout(model, [v.name for v in remaining])
    layout_var = pytensor.shared(lay.vector.copy(), name=LAYOUT)
    joined = pt.dvector("_unconstrained_point")
    pieces = _split(joined, [v.ndim for v in values], layout_var)
    replace = {
        value: piece.astype(rv.dtype)
        for rv, value, piece in zip(model.free_RVs, values, pieces, strict=True)
    }
    logp, grad = clone_replace([logp, grad], replace)
    with model:
        logp_fn = compile_pymc((joined,), (logp, grad), mode="NUMBA")
    flat = [p.ravel() for p in pieces] + [pt.as_tensor(v).ravel() for v in remaining]
    with model:
        expand_fn = compile_pymc(
            (joined,), [pt.concatenate(flat)], givens=list(replace.items()), mode="NUMBA"
        )
    free_shapes = lay.shape_info[2][: len(names)]
    init = _rv_dict_to_flat_array_wrapper(initial_point, names=names, shapes=free_shapes)
    reparam = [
        model.rvs_to_values[v].name
        for v in model.free_RVs
        if model.rvs_to_transforms.get(v) is not None
    ]
    return lay.n_dim, lay.n_expanded, logp_fn, expand_fn, init, lay.shape_info, reparam
