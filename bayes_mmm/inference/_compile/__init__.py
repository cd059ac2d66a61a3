"""Fast compilation of PyMC models for nutpie (private nutpie/pytensor/numba APIs)."""
