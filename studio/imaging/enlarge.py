"""Enlarging a small field part by part: the rows (and columns) asked for, never the whole."""

from __future__ import annotations

import cv2
import numpy as np


def enlarge_rows(small: np.ndarray, size: tuple[int, int], rows: slice,
                 cols: slice | None = None, dst: np.ndarray | None = None) -> np.ndarray:
    """Rows ``rows`` (and columns ``cols``, default all) of ``small`` enlarged bilinearly to
    ``size`` (w, h), pixel centres aligned as cv2.resize does, without making the whole
    enlarged image; written into ``dst`` (a view of the right shape) when given."""
    w, h = size
    sh, sw = small.shape[:2]
    sx, sy = sw / w, sh / h
    x0, x1 = (0, w) if cols is None else (cols.start, cols.stop)
    matrix = np.array([[sx, 0.0, (x0 + 0.5) * sx - 0.5], [0.0, sy, (rows.start + 0.5) * sy - 0.5]])
    return cv2.warpAffine(small, matrix, (x1 - x0, rows.stop - rows.start), dst=dst,
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)
