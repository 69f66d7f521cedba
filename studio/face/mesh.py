"""Face landmarks from the learned 468-point face mesh (Apache-2.0), as dlib's 68 points.

The mesh runs on each face box dlib's detector found: a square crop around the box, turned
upright by the face's roll, 192x192 (``models.face_mesh``). A first pass gives the roll and
the face's extent; a second pass on the crop MediaPipe itself would use (the landmarks' box
grown 1.5x, turned by the eye line) gives the points. They are mapped back to the photo.

Every named region downstream (masks, the skin model, the export crop, the likeness chip) is
defined on dlib's 68-point numbering, so the mesh is read out ONCE here, through
``DLIB_FROM_MESH``: each of the 68 points is a mesh vertex (or a point along a mesh contour),
so ``Face.landmarks`` keeps its meaning. The jaw is sampled along the mesh's face oval, which
follows the jaw bone where dlib's points slide into the neck on a raised chin.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.face.models import MESH_SIZE, face_mesh, mesh_available

# Mesh vertex numbers (MediaPipe's canonical face mesh). "Right"/"left" are the subject's:
# the subject's right is the image's left on a frontal photo, dlib's points 0, 17-21, 36-41.

#: The face oval from the subject's right temple, down around the chin (152), to the left temple.
JAW_CONTOUR = (162, 127, 234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152,
               377, 400, 378, 379, 365, 397, 288, 361, 323, 454, 356, 389)
CHIN = 152
#: The nose ridge from between the eyes to the tip (dlib 27-30 are evenly spaced along it).
NOSE_RIDGE = (168, 6, 197, 195, 5, 4)
#: The mesh vertices (averaged) that give each dlib point not sampled along a contour. Chosen
#: where the mesh's vertex and dlib's point mean the same feature; where two vertices are
#: averaged, dlib's point sits between them (median offset on 33 frontal faces of the test
#: photos: < 0.06 IOD for every point, eye and lip points < 0.04).
_VERTEX: dict[int, tuple[int, ...]] = {
    # brows, outer to inner on the subject's right (dlib 17-21), inner to outer on the left;
    # dlib's brow points run along the brow's middle, between the mesh's upper and lower edge
    17: (70, 46), 18: (63, 53), 19: (105, 66), 20: (66, 107), 21: (107, 55),
    22: (336, 285), 23: (296, 336), 24: (334, 296), 25: (293,), 26: (300, 276),
    # nostrils: the right nostril's inner edge, below the tip, the left's (outer edges: _BETWEEN)
    32: (97,), 33: (2,), 34: (326,),
    # right eye: upper lid (two), lower lid (two); the corners are in _BETWEEN
    37: (160, 159), 38: (158,), 40: (153,), 41: (144,),
    # left eye: upper lid (two), lower lid (two)
    43: (385,), 44: (386, 387), 46: (373,), 47: (380,),
    # outer lips: right corner, upper lip to the left corner, lower lip back
    48: (61,), 49: (40, 39), 50: (37,), 51: (0,), 52: (267,), 53: (270, 269), 54: (291,),
    55: (321, 405), 56: (314,), 57: (17,), 58: (84,), 59: (91, 181),
    # inner lips: right corner, upper inner edge, left corner, lower inner edge
    60: (78,), 61: (82,), 62: (13,), 63: (312,), 64: (308,), 65: (317,), 66: (14,), 67: (87,),
}
#: dlib points that sit a fraction of the way from one mesh vertex toward another:
#: index -> (from, toward, fraction). The mesh's eye corners lie outside dlib's (median on 16
#: frontal test photos: outer 0.04 IOD, inner 0.02 IOD, so its eyes were 0.06 IOD longer and
#: their protected hulls 1.1-1.3x dlib's area), and its outer nostril points 0.03 IOD wider
#: (the nostril hull up to 1.5x); each is moved along the eye's or the nostrils' own line.
_BETWEEN: dict[int, tuple[int, int, float]] = {
    36: (33, 133, 0.075), 39: (133, 33, 0.04), 42: (362, 263, 0.04), 45: (263, 362, 0.075),
    31: (240, 97, 0.2), 35: (460, 326, 0.2),
}
#: Where along the oval dlib's first and last jaw points sit (in vertices from the contour's
#: ends): just before 127 / 356, at the ear's top, as dlib's 68-point model places them
#: (median vertical offset < 0.02 IOD on the test photos' frontal faces).
JAW_START = 0.95
#: dlib's point 27 sits 0.3 of the way from the mesh's 168 (above the eye line) to 6.
NOSE_START = 0.3

#: The crop around a detector's box, as a multiple of the box's larger side: dlib's boxes
#: hold brows to chin, the mesh wants the whole head with a margin (MediaPipe: 1.5x its own
#: larger detection box).
FIRST_PASS_SCALE = 1.9
#: The second pass's crop: the first pass's points' extent grown by this (MediaPipe's value).
SECOND_PASS_SCALE = 1.5
#: Crops after the first: each from the previous points (the roll converges; a 30 degree turn
#: is left ~4 degrees off after one).
REFINE_PASSES = 2
#: The face's surroundings are shrunk once so the first crop is this many times the model's
#: side (``_Working``).
WORK_OVERSAMPLE = 1.5
#: The mesh moves by ~3% IOD when its crop moves a little: the last crop is averaged over
#: these (shift as a fraction of the side, scale), like dlib's jittered boxes before.
CROP_JITTER = (((0.0, 0.0), 1.0), ((0.03, 0.0), 1.0), ((-0.03, 0.0), 1.0),
               ((0.0, 0.03), 1.0), ((0.0, -0.03), 1.0))


def available() -> bool:
    """True when the face mesh can run (its model file is installed)."""
    return mesh_available()


def _along(points: np.ndarray, start: float, end: float, count: int) -> np.ndarray:
    """``count`` points evenly spaced by arc length along the polyline ``points``, from arc
    position ``start`` to ``end`` (positions counted in vertices, fractions between them)."""
    seg = np.hypot(*np.diff(points, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    at = np.interp([start, end], np.arange(len(points)), cum)
    targets = np.linspace(at[0], at[1], count)
    return np.stack([np.interp(targets, cum, points[:, k]) for k in range(2)], axis=1)


def to_dlib68(mesh: np.ndarray) -> np.ndarray:
    """dlib's 68 landmarks read off the 468 mesh points ((468, >=2) -> (68, 2) float64)."""
    xy = np.asarray(mesh, dtype=np.float64)[:, :2]
    out = np.zeros((68, 2), dtype=np.float64)
    jaw = xy[list(JAW_CONTOUR)]
    chin_at = JAW_CONTOUR.index(CHIN)
    last = len(JAW_CONTOUR) - 1
    out[0:9] = _along(jaw, JAW_START, chin_at, 9)
    out[8:17] = _along(jaw, chin_at, last - JAW_START, 9)
    out[27:31] = _along(xy[list(NOSE_RIDGE)], NOSE_START, len(NOSE_RIDGE) - 1, 4)
    for dlib_index, vertices in _VERTEX.items():
        out[dlib_index] = xy[list(vertices)].mean(axis=0)
    for dlib_index, (start, toward, fraction) in _BETWEEN.items():
        out[dlib_index] = xy[start] + fraction * (xy[toward] - xy[start])
    return out


def _crop_matrix(centre: np.ndarray, size: float, angle: float) -> np.ndarray:
    """The 2x3 affine from mesh-crop pixels (0..MESH_SIZE, pixel edges) to photo pixel
    edges: a square of side ``size`` around ``centre``, turned by ``angle`` (radians)."""
    c, s = np.cos(angle), np.sin(angle)
    k = size / MESH_SIZE
    rot = np.array([[c, -s], [s, c]]) * k
    offset = centre - rot @ np.array([MESH_SIZE / 2.0, MESH_SIZE / 2.0])
    return np.hstack([rot, offset[:, None]])


class _Working:
    """The face's surroundings shrunk once, by area averaging, to the scale every mesh pass
    works at (a big face would alias in a plain warp); each pass only warps this small copy.
    Shrinking the photo region again for each of the passes and jittered crops cost ~3x the
    mesh's own forward passes on a 12-24 MP photo."""

    def __init__(self, image: np.ndarray, centre: np.ndarray, size: float, mirrored: bool) -> None:
        # the first crop reaches 0.5 FIRST_PASS_SCALE * size from the box's centre; the later
        # ones are turned (half-diagonal 0.707 of the side) but tighter: 0.8 holds them all
        half = 0.8 * FIRST_PASS_SCALE * size
        h, w = image.shape[:2]
        x0, y0 = max(int(centre[0] - half), 0), max(int(centre[1] - half), 0)
        x1, y1 = min(int(np.ceil(centre[0] + half)) + 1, w), min(int(np.ceil(centre[1] + half)) + 1, h)
        region = image[y0:y1, x0:x1]
        if region.dtype == np.uint8:  # only the face's surroundings, not the whole photo
            region = region.astype(np.float32) / 255.0
        # the first crop at 1.5x the model's side, as MediaPipe's own resampling leaves it;
        # the later, tighter crops are then 1.2-1.4x
        factor = min(1.0, WORK_OVERSAMPLE * MESH_SIZE / (FIRST_PASS_SCALE * size))
        if factor < 1.0 and region.size:
            dsize = (max(int(round(region.shape[1] * factor)), 1),
                     max(int(round(region.shape[0] * factor)), 1))
            region = cv2.resize(region, dsize, interpolation=cv2.INTER_AREA)
            self.scale = np.array([dsize[0] / (x1 - x0), dsize[1] / (y1 - y0)])
        else:
            self.scale = np.ones(2)
        self.pixels = np.ascontiguousarray(region, dtype=np.float32)
        self.origin = np.array([x0, y0], dtype=np.float64)
        # past the photo's edge: black, or the photo mirrored for a face cut by the frame
        self.border = cv2.BORDER_REFLECT if mirrored else cv2.BORDER_CONSTANT

    def run(self, centre: np.ndarray, size: float, angle: float) -> tuple[np.ndarray, float]:
        """Mesh points (468, 3) in photo pixel edges, and the face-presence probability, for
        the square crop (``centre``, ``size``, ``angle``) of the photo."""
        to_photo = _crop_matrix(centre, size, angle)
        to_work = np.diag(self.scale) @ np.hstack([to_photo[:, :2], (to_photo[:, 2] - self.origin)[:, None]])
        # warpAffine maps pixel centres: shift by half a pixel on both sides
        m = to_work.copy()
        m[:, 2] += m[:, :2] @ np.array([0.5, 0.5]) - 0.5
        crop = cv2.warpAffine(self.pixels, m, (MESH_SIZE, MESH_SIZE),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=self.border)
        result = face_mesh(crop)
        if result is None:
            raise RuntimeError("the face-mesh model is not installed")
        points, presence = result
        xy = points[:, :2].astype(np.float64) @ to_photo[:, :2].T + to_photo[:, 2]
        return np.hstack([xy, points[:, 2:3].astype(np.float64) * size / MESH_SIZE]), presence


def _roll(xy: np.ndarray) -> float:
    """The face's roll (radians): the angle of the line from the right eye's outer corner to
    the left eye's."""
    dx, dy = xy[263] - xy[33]
    return float(np.arctan2(dy, dx))


def _crop_of(xy: np.ndarray) -> tuple[np.ndarray, float, float]:
    """MediaPipe's landmarks-to-crop: centre, side and roll of the square around the points'
    extent measured upright, grown ``SECOND_PASS_SCALE`` times."""
    angle = _roll(xy)
    c, s = np.cos(angle), np.sin(angle)
    upright = xy @ np.array([[c, -s], [s, c]])
    lo, hi = upright.min(axis=0), upright.max(axis=0)
    middle = np.array([[c, -s], [s, c]]) @ ((lo + hi) / 2.0)
    return middle, SECOND_PASS_SCALE * float(max(hi - lo)), angle


def mesh_in_box(pixels: np.ndarray, box: tuple[float, float, float, float],
                mirrored: bool = False) -> tuple[np.ndarray, float]:
    """The 468 mesh points (photo pixel centres, (468, 3) float64) of the face in ``box``,
    and the mesh's face-presence probability.

    ``pixels`` is float32 RGB in [0, 1] or uint8 (H, W, 3). ``mirrored``: the face is cut by
    the frame (the detectors' edge pass found it on a mirrored copy); the mesh sees the photo
    mirrored past its edge too, as the visible half and its reflection (on black it put the
    face's middle far outside the frame: a selfie's corner face was left unlit by face_light).
    """
    image = np.asarray(pixels)
    image = np.repeat(image[:, :, None], 3, axis=2) if image.ndim == 2 else image[:, :, :3]
    x0, y0, x1, y1 = (float(v) for v in box)
    size = max(x1 - x0, y1 - y0, 1.0)
    # dlib's box centre is about the nose: the head's centre is a little higher
    centre = np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0 - 0.05 * size])
    work = _Working(image, centre, size, mirrored)
    points, presence = work.run(centre, FIRST_PASS_SCALE * size, 0.0)
    for step in range(REFINE_PASSES):
        middle, side, angle = _crop_of(points[:, :2])
        jitter = CROP_JITTER if step == REFINE_PASSES - 1 else CROP_JITTER[:1]
        runs = [work.run(middle + np.array(shift) * side, side * scale, angle)
                for shift, scale in jitter]
        points = np.mean([r[0] for r in runs], axis=0)
        presence = float(np.mean([r[1] for r in runs]))
    points[:, :2] -= 0.5  # pixel edges to the pixel-centre coordinates used everywhere else
    return points, presence


def landmarks_in_box(pixels: np.ndarray, box: tuple[float, float, float, float],
                     mirrored: bool = False) -> np.ndarray:
    """dlib's 68 landmarks of the face in ``box`` (x0, y0, x1, y1 pixels), read off the mesh:
    (68, 2) float32 in photo pixel centres, rounded to 0.01 px as a session stores them (so a
    reopened session renders the same bits as the photo it was saved from). ``mirrored``: as
    in ``mesh_in_box``."""
    points, _ = mesh_in_box(pixels, box, mirrored)
    return np.round(to_dlib68(points), 2).astype(np.float32)
