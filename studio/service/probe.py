"""An export's amount settled on its faces' box of the written file, not on the whole file.

A full-size export's amount is found on face crops, then settled on the file as it will be
written: the strongest amount whose written likeness keeps the budget. Each step of that used
to be the whole photo rendered, encoded and decoded (3 s a step on a 24 MP close-up). The
likeness reads the edit only inside each face's core (``studio.face.likeness``: the rest of
what it reads is the original's), so a step here renders only the rows round the cores
(``Retoucher.render_box``: the same bits), encodes only that box, cut on the JPEG's block grid
of the written picture so its blocks are the file's, and reads the likeness from it with the
original round it: the same figure as the whole file's. The whole photo is then rendered once,
at the amount found, and its own likeness is what is written and reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from studio.edits.marks import Mark, of_kind
from studio.face.likeness import Likeness, edit_box, lowest_likeness, read_box
from studio.face.regions import face_core_points
from studio.face.types import FaceAnalysis
from studio.imaging.export import OutputPlan, check_output, encode_planned, size_limit
from studio.imaging.framing import points_inside
from studio.imaging.io import load_bytes
from studio.imaging.photo import Photo
from studio.service.retouch import ExportPlan, Prepared

#: JPEG's largest block, pixels (16 with halved colour, 8 without): a box whose corners sit on
#: this grid of the written picture encodes to the file's own blocks, and this much more round
#: what the likeness reads keeps the decoder's colour smoothing at the box's edges from it.
BLOCK = 16

#: Formats whose file holds each block of the picture on its own (lossless ones trivially).
BLOCK_EXACT = ("JPEG", "PNG", "TIFF")

#: The largest share of the written picture a face box is worth rendering apart from it: a
#: probe costs the head region and this share of the rest; the whole render after it, the rest
#: again. Most settles take one to three steps.
MOST_SHARE = 0.4

Box = tuple[int, int, int, int]


def face_probe(photo: Photo, analysis: FaceAnalysis, faces: Sequence[int], retoucher,
               output: OutputPlan, export: ExportPlan, marks: Sequence[Mark]
               ) -> Callable[[dict], Prepared] | None:
    """``probe(sliders)``: the file ``export`` writes of ``retoucher``'s render (the whole
    photo's) as far as its likeness goes: the faces' box encoded as the file would be, and
    the likeness measured as it would be on the whole file. None where the box would not
    give the file's figure or would not save much: a turned, resized or size-limited export,
    transparency, heal marks, a format that mixes blocks, faces filling the frame."""
    box = probe_box(photo, analysis, faces, output, export, marks)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    plan = OutputPlan(crop=None, angle=0.0, box=box, size=(x1 - x0, y1 - y0), notes=(),
                      source_size=output.source_size)
    part = (slice(y0, y1), slice(x0, x1))
    read = _Read.of(photo, analysis, faces, output, box)

    def probe(sliders: dict) -> Prepared:
        pixels = retoucher.render_box(sliders, part)
        encoded = encode_planned(pixels, plan, export.settings, export.output,
                                 source_format=photo.format, bit_depth=photo.bit_depth)
        decoded = load_bytes(encoded.data, name="the export").pixels
        return Prepared(encoded=encoded, likeness=read.likeness(decoded))

    return probe


def probe_box(photo: Photo, analysis: FaceAnalysis, faces: Sequence[int],
              output: OutputPlan, export: ExportPlan, marks: Sequence[Mark]) -> Box | None:
    """The box of the photo (x0, y0, x1, y1) a probe renders: every written face's core and
    the reach of the likeness's shrink round it, grown by a block and cut on the written
    picture's block grid; None where a probe cannot stand for the whole file (see
    :func:`face_probe`)."""
    settings = export.settings
    fmt = check_output(settings, export.output, photo.format)
    if photo.alpha is not None or output.angle or output.scale != (1.0, 1.0) \
            or size_limit(settings) is not None or fmt not in BLOCK_EXACT \
            or of_kind(marks, "heal"):
        return None
    left, top, right, bottom = output.box
    width, height = right - left, bottom - top
    boxes = [edit_box(face.landmarks, core, width, height)
             for _, face, core in _written_faces(analysis, faces, output)]
    if not boxes:
        return None
    x0 = max((min(b[0] for b in boxes) - BLOCK) // BLOCK * BLOCK, 0)
    y0 = max((min(b[1] for b in boxes) - BLOCK) // BLOCK * BLOCK, 0)
    x1 = min(-(-(max(b[2] for b in boxes) + BLOCK) // BLOCK) * BLOCK, width)
    y1 = min(-(-(max(b[3] for b in boxes) + BLOCK) // BLOCK) * BLOCK, height)
    if (x1 - x0) * (y1 - y0) > MOST_SHARE * width * height:
        return None
    return x0 + left, y0 + top, x1 + left, y1 + top


def _written_faces(analysis: FaceAnalysis, faces: Sequence[int], output: OutputPlan):
    """(index, face, its core outline) of each of ``faces`` the written picture holds whole,
    in its pixels (a face the frame cuts is not measured)."""
    left, top, right, bottom = output.box
    for index in faces:
        face = analysis.face(index).translated(left, top)
        if points_inside(face.landmarks, right - left, bottom - top):
            yield index, face, face_core_points(face)


@dataclass(frozen=True)
class _Read:
    """What the likeness reads of the written picture for all the written faces: its box
    (``read``, x0, y0, x1, y1 of the photo), the original's pixels there and the faces in
    them, made once for every step; ``written``, the original's pixels too, each step's
    ``box`` (the probe's, photo pixels) put in it (the rest is the same at every step: it is
    not copied again)."""

    read: Box
    box: Box
    original: np.ndarray
    written: np.ndarray
    faces: dict

    @classmethod
    def of(cls, photo: Photo, analysis: FaceAnalysis, faces: Sequence[int],
           output: OutputPlan, box: Box) -> _Read:
        left, top, right, bottom = output.box
        written = list(_written_faces(analysis, faces, output))
        boxes = [read_box(face.landmarks, right - left, bottom - top) for _, face, _ in written]
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        original = np.ascontiguousarray(photo.pixels[top + y0:top + y1, left + x0:left + x1])
        return cls(read=(x0 + left, y0 + top, x1 + left, y1 + top), box=box,
                   original=original, written=original.copy(),
                   faces={index: face.translated(x0, y0) for index, face, _ in written})

    def likeness(self, decoded: np.ndarray) -> Likeness:
        """The likeness of the whole file from its ``box`` ``decoded``: the original's pixels
        with the box's put in (the likeness takes the edit from the faces' cores alone, and
        the box holds them)."""
        box = self.box
        rx0, ry0, rx1, ry1 = self.read
        x0, y0, x1, y1 = (max(box[0], rx0), max(box[1], ry0), min(box[2], rx1),
                          min(box[3], ry1))
        self.written[y0 - ry0:y1 - ry0, x0 - rx0:x1 - rx0] = \
            decoded[y0 - box[1]:y1 - box[1], x0 - box[0]:x1 - box[0]]
        return lowest_likeness(self.original, self.written, self.faces)
