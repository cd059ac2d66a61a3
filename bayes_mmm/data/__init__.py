"""Data: validation, the MMMData container, scaling, simulation and bundled datasets."""

from bayes_mmm.data.dataset import MMMData, from_frame, read_csv
from bayes_mmm.data.lift import LiftTests, parse_lift_tests
from bayes_mmm.data.simulate import Simulation, Truth, simulate
from bayes_mmm.data.simulate_baseline import simulate_retailer
from bayes_mmm.data.validate import DataValidationError, DataWarning

__all__ = [
    "DataValidationError",
    "DataWarning",
    "LiftTests",
    "MMMData",
    "Simulation",
    "Truth",
    "from_frame",
    "parse_lift_tests",
    "read_csv",
    "simulate",
    "simulate_retailer",
]
