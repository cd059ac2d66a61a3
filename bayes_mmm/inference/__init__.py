"""Inference: sample the model's posterior (fit, samplers), check it (diagnostics) and package
it as an ArviZ DataTree (idata). The compile machinery for nutpie lives behind ``_compile``."""
