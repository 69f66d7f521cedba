"""Render what will be written: an export's crop and size are planned first
(``studio.imaging.export.plan_output``); the pipeline then renders only that crop and a margin
round it, at the output's scale. A 1024 px LinkedIn square of a 24 MP photo renders about
1 MP, not 24. Every edit's radius is in eye-distance units, so the look is the same.

The Retoucher is not told: it gets the cut, resized pixels, the analysis and marks moved into
them, and the person matte of the whole photo cut for them (made once on the whole photo at
the render's scale, so the crop cannot change it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits.marks import Mark
from studio.face.types import Face, FaceAnalysis
from studio.imaging.export import OutputPlan
from studio.imaging.filters import resize
from studio.render.retoucher import Retoucher

#: The margin rendered round the crop, in the largest chosen face's eye distances: the lens
#: blur's largest radius (0.45 IOD at bg_blur 1) reaches into the crop from there, as it does
#: from the rest of the photo in a whole render.
MARGIN_IOD = 0.5

#: The largest output scale (written pixels per photo pixel) rendered at that scale. Above
#: it the crop is rendered at full size and shrunk once, as a whole render is: the eyes'
#: clarity (a band-pass clipped at L* 92 on catch-lights) rendered at a mild reduction
#: (0.51-0.74 of the photo) differed from the full-size render shrunk by up to 3.7 ΔE00 on
#: 5 of the shared photos; at 0.34 and 0.50 it stayed under 2 (docs/speed.md).
REDUCED_SCALE_MAX = 0.5

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class RenderPlan:
    """crop : the part of the photo that is written (x0, y0, x1, y1), photo pixels.
    size : its size in the render, the written picture's (width, height).
    region : what is rendered: the crop and a margin, inside the photo (photo pixels).
    margins : the margin's width in the render, (left, top, right, bottom) pixels."""

    crop: Box
    size: tuple[int, int]
    region: Box
    margins: Box

    @property
    def scale(self) -> tuple[float, float]:
        """Render pixels per photo pixel, across and down."""
        x0, y0, x1, y1 = self.crop
        return self.size[0] / (x1 - x0), self.size[1] / (y1 - y0)

    @property
    def shape(self) -> tuple[int, int]:
        """The render's (height, width)."""
        left, top, right, bottom = self.margins
        return top + self.size[1] + bottom, left + self.size[0] + right

    def cut(self, pixels: np.ndarray) -> np.ndarray:
        """The region of ``pixels`` (the photo's) at the render's scale: the crop resized
        exactly as an export resizes it, each margin on its own beside it."""
        x0, y0, x1, y1 = self.crop
        mx0, my0, mx1, my1 = self.region
        left, top, right, bottom = self.margins
        columns = ((mx0, x0, left), (x0, x1, self.size[0]), (x1, mx1, right))
        rows = ((my0, y0, top), (y0, y1, self.size[1]), (y1, my1, bottom))
        out = np.empty((*self.shape, *pixels.shape[2:]), np.float32)
        at_y = 0
        for ya, yb, height in rows:
            at_x = 0
            for xa, xb, width in columns:
                if height and width:
                    part = np.ascontiguousarray(pixels[ya:yb, xa:xb], dtype=np.float32)
                    if part.shape[:2] != (height, width):
                        part = resize(part, (width, height))
                    out[at_y:at_y + height, at_x:at_x + width] = part
                at_x += width
            at_y += height
        return out

    def written(self, rendered: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
        """The part of a render of the region that is written (the crop, at ``size``; else
        at the render's scale)."""
        left, top = self.margins[:2]
        crop = rendered[top:top + self.size[1], left:left + self.size[0]]
        if size is None or size == self.size:
            return crop
        return resize(np.ascontiguousarray(crop), size)  # the export's own shrink

    def face(self, face: Face) -> Face:
        """``face`` (photo pixels) in the render's pixels (pixel centres kept aligned)."""
        x0, y0 = self.crop[:2]
        return face.translated(x0, y0).scaled(self.scale).translated(-self.margins[0],
                                                                     -self.margins[1])

    def analysis(self, analysis: FaceAnalysis) -> FaceAnalysis:
        """``analysis`` (photo pixels) in the render's pixels."""
        height, width = self.shape
        return FaceAnalysis(width=width, height=height,
                            faces=tuple(self.face(face) for face in analysis.faces),
                            primary=analysis.primary)

    def marks(self, marks: Sequence[Mark]) -> tuple[Mark, ...]:
        """``marks`` (photo pixels) in the render's pixels."""
        x0, y0 = self.crop[:2]
        left, top = self.margins[:2]
        factor = self.scale[0]
        return tuple(mark.moved(-x0, -y0).scaled(factor).moved(left, top) for mark in marks)

    def matte(self, pixels: np.ndarray, analysis: FaceAnalysis, faces: Sequence[int],
              retoucher_for) -> np.ndarray:
        """The person matte of the whole photo, made once at the render's scale and cut for
        the region; ``retoucher_for(pixels, analysis, faces)`` makes the retoucher whose
        matte it is (one face's or a group's)."""
        height, width = pixels.shape[:2]
        sx, sy = self.scale
        x0, y0 = self.crop[:2]
        left, top = self.margins[:2]
        if (sx, sy) == (1.0, 1.0):
            whole = retoucher_for(pixels, analysis, faces).found_matte
            mx0, my0, mx1, my1 = self.region
            return np.ascontiguousarray(whole[my0:my1, mx0:mx1], dtype=np.float32)
        small_size = (max(int(round(width * sx)), 1), max(int(round(height * sy)), 1))
        fx, fy = small_size[0] / width, small_size[1] / height
        small = resize(pixels, small_size)
        small_analysis = FaceAnalysis(width=small_size[0], height=small_size[1],
                                      faces=tuple(f.scaled((fx, fy)) for f in analysis.faces),
                                      primary=analysis.primary)
        whole = retoucher_for(small, small_analysis, faces).found_matte
        # render = ((small + 0.5) / f - crop's corner) * scale - 0.5 + margin, each way
        warp = np.float32([[sx / fx, 0, (0.5 / fx - x0) * sx - 0.5 + left],
                           [0, sy / fy, (0.5 / fy - y0) * sy - 0.5 + top]])
        out_h, out_w = self.shape
        return cv2.warpAffine(np.ascontiguousarray(whole, np.float32), warp, (out_w, out_h),
                              flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def head_region(face: Face) -> Box:
    """The box a face's edits work in (``PhotoLayers.roi`` before it meets the photo's
    edges): the landmarks' box grown 1 eye distance each side, 1.4 up and 2 down."""
    x0, y0 = face.landmarks.min(axis=0)
    x1, y1 = face.landmarks.max(axis=0)
    d = face.iod
    return (math.floor(x0 - 1.0 * d), math.floor(y0 - 1.4 * d),
            math.ceil(x1 + 1.0 * d), math.ceil(y1 + 2.0 * d))


def retoucher_for(pixels: np.ndarray, analysis: FaceAnalysis | None, faces: Sequence[int]):
    """One retoucher for every render of an export (no kept stages): the person matte, the
    background's preparation and every edit's preparation are made once, whatever the number
    of amount steps the likeness takes; each render gives ``render_faces``' bits."""
    return Retoucher(pixels, analysis, faces=faces, preview=False)


def planned_retoucher(plan: RenderPlan, pixels: np.ndarray, analysis: FaceAnalysis,
                      faces: Sequence[int], make=retoucher_for):
    """(a retoucher of the plan's region, the region's pixels): ``make(pixels, analysis,
    faces)`` on the cut pixels and analysis, with the whole photo's person matte cut for it."""
    region = plan.cut(pixels)
    retoucher = make(region, plan.analysis(analysis), faces)
    retoucher.use_found_matte(plan.matte(pixels, analysis, faces, make))
    return retoucher, region


def plan_render(output: OutputPlan, analysis: FaceAnalysis | None,
                faces: Sequence[int]) -> RenderPlan | None:
    """The render ``output`` needs: its crop and a margin of ``MARGIN_IOD`` of the chosen
    faces' largest eye distance, at the output's scale when that is at most
    ``REDUCED_SCALE_MAX`` (else at full size, shrunk after); None when the whole photo is
    rendered (a turned crop, no face, a chosen face reaching out of the region, or nothing
    to save)."""
    chosen = [analysis.face(i) for i in faces] if analysis is not None else []
    if output.angle != 0 or not chosen or any(face is None for face in chosen):
        return None
    width, height = output.source_size
    x0, y0, x1, y1 = output.box
    size = output.size
    if max(output.scale) > REDUCED_SCALE_MAX:
        size = (x1 - x0, y1 - y0)
    sx, sy = size[0] / (x1 - x0), size[1] / (y1 - y0)
    reach = MARGIN_IOD * max(face.iod for face in chosen)  # photo pixels
    region = (math.floor(x0 - reach), math.floor(y0 - reach),
              math.ceil(x1 + reach), math.ceil(y1 + reach))
    for face in chosen:  # each head region whole, as a whole render has it
        hx0, hy0, hx1, hy1 = head_region(face)
        region = (min(region[0], hx0), min(region[1], hy0),
                  max(region[2], hx1), max(region[3], hy1))
    region = (max(0, region[0]), max(0, region[1]), min(width, region[2]),
              min(height, region[3]))
    margins = (round((x0 - region[0]) * sx), round((y0 - region[1]) * sy),
               round((region[2] - x1) * sx), round((region[3] - y1) * sy))
    plan = RenderPlan(crop=output.box, size=size, region=region, margins=margins)
    if (sx, sy) == (1.0, 1.0) and region == (0, 0, width, height):
        return None
    for face in chosen:
        points = face.landmarks
        if (points[:, 0] < region[0]).any() or (points[:, 0] > region[2] - 1).any() \
                or (points[:, 1] < region[1]).any() or (points[:, 1] > region[3] - 1).any():
            return None
    return plan
