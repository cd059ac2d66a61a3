"""Plots: one function per figure, each returns a matplotlib Figure (saved as PNG by the CLI)."""
