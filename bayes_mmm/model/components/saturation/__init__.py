"""Saturation components, one per module; registered in ``components/__init__.py``."""
