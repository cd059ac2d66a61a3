"""Experiments: lift tests after the fit (measured against the model's prediction)."""
