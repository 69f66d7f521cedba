"""Likeness Studio: gentle, landmark-masked headshot retouching that keeps the person."""

__version__ = "0.1.0"
