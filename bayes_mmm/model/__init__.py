"""The model: its description (spec, priors, dims), its components, the PyMC graph built from
them (build) and the one numpy forward model every analysis evaluates (forward)."""
