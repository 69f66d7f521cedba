"""studio/render/quality.py: the figures docs/quality.md defines. A sweep measures many edits
against one original, whose side of the figures is remembered: the figures must not depend
on what was measured before."""

from __future__ import annotations

import cv2
import numpy as np

from studio.face import analyze
from studio.imaging.sample import sample_photo
from studio.render import quality


def _portrait() -> tuple[np.ndarray, object]:
    pixels = sample_photo().pixels
    return pixels, analyze(pixels).face()


def test_the_figures_are_the_same_whatever_was_measured_before():
    original, face = _portrait()
    edited = cv2.GaussianBlur(original, (0, 0), 1.5)
    quality._ORIGINALS.clear()
    first = quality.figures(original, edited, face, likeness=False)
    assert quality.figures(original, edited, face, likeness=False) == first  # remembered
    quality._ORIGINALS.clear()
    assert quality.figures(original.copy(), edited, face, likeness=False) == first  # afresh


def test_a_changed_original_is_measured_again():
    """The same array written to between two sweeps (or another photo of the same size) is
    another original: its figures are its own, never the remembered ones."""
    original, face = _portrait()
    edited = cv2.GaussianBlur(original, (0, 0), 1.5)
    before = quality.figures(original, edited, face, likeness=False)
    darker = np.ascontiguousarray(original * 0.8)
    quality._ORIGINALS.clear()
    truth = quality.figures(darker, edited, face, likeness=False)
    quality._ORIGINALS.clear()
    quality.figures(original, edited, face, likeness=False)
    assert quality.figures(darker, edited, face, likeness=False) == truth != before
