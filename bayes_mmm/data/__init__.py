"""Data: validation, the MMMData container, scaling, simulation and bundled datasets."""

from bayes_mmm.data.dataset import MMMData, from_frame, read_csv
from bayes_mmm.data.simulate import Simulation, Truth, simulate
from bayes_mmm.data.validate import DataValidationError, DataWarning

__all__ = [
    "DataValidationError",
    "DataWarning",
    "MMMData",
    "Simulation",
    "Truth",
    "from_frame",
    "read_csv",
    "simulate",
]
