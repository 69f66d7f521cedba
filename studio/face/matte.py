"""The primary person's silhouette from the learned segmentation model (no Qt, no I/O).

``person_mask(image, shape, face)`` gives the binary person mask that
``studio.face.person.person_alpha`` refines to a soft matte at full resolution (its
colour projection along the cut and its colour-guided filter keep hair strands fractional).
Without the model it returns None and the caller keeps its classical GrabCut.

Who counts as the person: the face picks the subject; everything the model sees as person
and that touches the subject (a hand on the shoulder, someone leaning in, a child held)
stays whole as person, sharp; every other person, in a group or a crowd behind, is wholly
background (blurred or replaced as one clean silhouette, never cut into pieces). One
exception to "touches": someone out of focus behind the subject (a press photographer beside
the shoulder, the crowd at a premiere) whom the model joins to the subject's silhouette. Where
a large part of the silhouette, cut by the frame and away from the torso under the chin, has
only blurred edges while the face is sharp, that part is cut away along the subject's sharp
outline (GrabCut between the two) and goes with the background. People in focus beside the
subject (a group posing together) have sharp edges and stay.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.face.models import SEGMENTATION_SIZE, person_probability
from studio.face.regions import face_hull_points
from studio.face.types import Face

#: A pixel is person where the model's probability is at least this.
THRESHOLD = 0.5
#: Below this mean probability over the face and throat the model has missed the subject
#: (a painted or drawn face, a statue): the caller's classical matte does better there.
MISSED = 0.5
#: Holes in the person smaller than this (in IOD^2) and not reaching the frame are filled
#: (a logo on a shirt the model doubts, a gap under the chin).
HOLE_IOD2 = 0.35 ** 2

# People out of focus behind the subject (a press photographer, the crowd at a premiere) whom
# the model joins to the subject's silhouette: their edges are blurred where the subject's
# outline is sharp. An edge's blur (Gaussian sigma, pixels of the model's copy) is estimated by
# blurring once more (Zhuo and Sim, "Defocus map estimation from a single image", 2011).
#: The extra blur (pixels).
REBLUR = 1.0
#: An edge is sharp below this blur, or below this many times the face's own median blur.
SHARP_EDGE = (1.2, 1.3)
#: A sharp edge counts where its run is at least this long (IOD): an outline, not noise.
SHARP_RUN_IOD = 0.25
#: An edge is out of focus above this blur, or above this many times the face's.
BLURRED_EDGE = (1.6, 2.0)
#: A face blurred more than this leaves nothing in focus to compare with (a soft small photo).
SOFT_FACE = 1.5
#: Sharp and blurred edges are counted within this radius (IOD) of each pixel ...
FOCUS_RADIUS_IOD = 0.3
#: ... and one kind dominates where it is this many times denser than the other.
DOMINANT = 4.0
#: The body straight under the chin, this many IOD either side of it, is the subject's own.
TORSO_IOD = 0.6
#: An out-of-focus part smaller than this (IOD^2) is the subject's own shading, not a person.
BEHIND_MIN_IOD2 = 1.0
#: An out-of-focus part is cut away only where at least this share of its border with the
#: subject runs along a sharp edge (the subject's outline in front of it). A loose guard (a
#: dark suit's outline over a dark blur is faint in places); the frame and torso rules and
#: the blurred-edge evidence do most of the telling apart.
SHARP_OUTLINE = 0.4


def person_probability_map(image: np.ndarray) -> np.ndarray | None:
    """The model's person probability at ``image``'s size, or None without the model.

    The whole photo is resized to the model's square, squashed (as MediaPipe feeds it): on
    the labelled photos this kept shoulders and hair better than a letterbox with repeated
    edges (tests/data/matte_labels.json: teen's right shoulder 100% vs 94%, a long-haired
    shoulder 100% vs 82%), whose smeared borders the model reads as more person.
    """
    h, w = image.shape[:2]
    small = cv2.resize(image, (SEGMENTATION_SIZE, SEGMENTATION_SIZE), interpolation=cv2.INTER_AREA)
    prob = person_probability(np.clip(small, 0.0, 1.0))
    if prob is None:
        return None
    return cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)


def _subject_seed(face: Face, shape: tuple[int, int]) -> np.ndarray:
    """uint8 0/1: the face hull and the throat under the chin (surely the subject)."""
    seed = np.zeros(shape, np.uint8)
    hull = face_hull_points(face).astype(np.float32)
    mid = hull.mean(axis=0)
    cv2.fillConvexPoly(seed, np.round(mid + (hull - mid) * 0.92).astype(np.int32), 1)
    chin = face.landmarks[8]
    r = max(int(round(0.3 * face.iod)), 1)
    cv2.circle(seed, (int(round(chin[0])), int(round(chin[1] + 0.45 * face.iod))), r, 1, -1)
    return seed


def _subject(person: np.ndarray, seed: np.ndarray, iod: float) -> np.ndarray:
    """The parts of ``person`` connected to ``seed``, with small enclosed holes filled."""
    person = person | seed
    count, labels = cv2.connectedComponents(person, connectivity=8)
    keep = np.unique(labels[seed > 0])
    person = np.isin(labels, keep[keep > 0]).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(1 - person, connectivity=4)
    h, w = person.shape
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        if x > 0 and y > 0 and x + bw < w and y + bh < h and area < HOLE_IOD2 * iod * iod:
            person[labels == i] = 1
    return person


def _edge_blur(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges (bool, Canny) of a grey image in [0, 1] and each pixel's estimated blur (sigma,
    pixels): the gradient shrinks by s / sqrt(s^2 + REBLUR^2) when an edge of blur s is
    blurred by REBLUR."""
    def gradient(image: np.ndarray) -> np.ndarray:
        dx, dy = cv2.Sobel(image, cv2.CV_32F, 1, 0), cv2.Sobel(image, cv2.CV_32F, 0, 1)
        return np.sqrt(dx * dx + dy * dy)  # not cv2.magnitude: its bits depend on alignment

    edges = cv2.Canny(np.clip(grey * 255.0 + 0.5, 0, 255).astype(np.uint8), 20, 40) > 0
    ratio = gradient(grey) / np.maximum(gradient(cv2.GaussianBlur(grey, (0, 0), REBLUR)), 1e-6)
    return edges, REBLUR / np.sqrt(np.maximum(ratio * ratio - 1.0, 1e-6))


def _focus_evidence(image: np.ndarray, face: Face, shape: tuple[int, int]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Where the edges are sharp and where they are out of focus, measured on ``image`` (float32
    RGB in [0, 1], ``face`` in its pixels) and given at ``shape``: a sharp edge within the
    pixel (bool), and the densities of sharp and of blurred edges around it (FOCUS_RADIUS_IOD).
    None when the face itself is soft (no focus to compare with)."""
    grey = cv2.cvtColor(np.ascontiguousarray(image, np.float32), cv2.COLOR_RGB2GRAY)
    edges, blur = _edge_blur(grey)
    on_face = edges & (_subject_seed(face, grey.shape) > 0)
    face_blur = float(np.median(blur[on_face])) if on_face.any() else np.inf
    if face_blur > SOFT_FACE:
        return None
    sharp = edges & (blur < max(SHARP_EDGE[0], SHARP_EDGE[1] * face_blur))
    blurred = edges & (blur > max(BLURRED_EDGE[0], BLURRED_EDGE[1] * face_blur))
    # Noise on a faint blurred edge reads as a few sharp pixels; an outline is a long run.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(sharp.astype(np.uint8), connectivity=8)
    long = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= SHARP_RUN_IOD * face.iod)
    sharp = np.isin(labels, long[long > 0])
    h, w = shape
    shares = cv2.resize(np.dstack([sharp, blurred]).astype(np.float32), (w, h),
                        interpolation=cv2.INTER_AREA)
    radius = FOCUS_RADIUS_IOD * max(face.iod, 1.0) * w / grey.shape[1]
    dense = cv2.GaussianBlur(shares, (0, 0), radius)
    return shares[:, :, 0] > 0, dense[:, :, 0], dense[:, :, 1]


def _torso(face: Face, shape: tuple[int, int]) -> np.ndarray:
    """bool: the column straight under the chin (TORSO_IOD either side), the subject's own body
    whatever its focus (a shirt in soft light, a shoulder turning away from the lens)."""
    h, w = shape
    chin = face.landmarks[8]
    half = TORSO_IOD * max(face.iod, 1.0)
    top = int(np.clip(np.ceil(chin[1]), 0, h))
    left = int(np.clip(np.floor(chin[0] - half), 0, w))
    right = int(np.clip(np.ceil(chin[0] + half), 0, w))
    torso = np.zeros(shape, bool)
    torso[top:, left:right] = True
    return torso


def _focus_markers(person: np.ndarray, seed: np.ndarray, face: Face,
                   evidence: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray | None:
    """A GrabCut mask for cutting someone out of focus away from the subject (uint8 cv2.GC_*:
    sure subject, sure not (someone out of focus, or no person at all), and in between the
    side the edges around lean to); None when no part of ``person`` large enough, away from
    the subject's own face and torso, is out of focus."""
    sharp, dense_sharp, dense_blurred = evidence
    own = (seed > 0) | _torso(face, person.shape)
    out_of_focus = (person > 0) & (seed == 0) & (dense_blurred > DOMINANT * dense_sharp)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(out_of_focus.astype(np.uint8),
                                                               connectivity=8)
    big = stats[:, cv2.CC_STAT_AREA] >= BEHIND_MIN_IOD2 * face.iod ** 2
    big[np.unique(labels[own])] = False
    big[0] = False
    if not big.any():
        return None
    mask = np.where(dense_blurred > dense_sharp, cv2.GC_PR_BGD, cv2.GC_PR_FGD).astype(np.uint8)
    # The sharp edges themselves are the subject, not the flat parts between them: those go
    # to whichever side the cut leaves them on (a dark jacket's outline over a dark blur is a
    # faint edge).
    mask[((person > 0) & sharp & ~out_of_focus) | own] = cv2.GC_FGD
    mask[big[labels] | (person == 0)] = cv2.GC_BGD
    return mask


def _cut_apart(image: np.ndarray, mask: np.ndarray, person: np.ndarray) -> np.ndarray:
    """uint8 0/1: the pixels of ``person`` that GrabCut on ``image`` (from ``mask``, see
    _focus_markers) puts with the parts of ``person`` surely out of focus.

    The cut costs least along strong colour edges, which the subject's sharp outline is, and
    it will not run through a flat patch of the blurred person to reach a thin dark-on-dark
    join with the subject (a watershed floods such patches from the nearest side)."""
    behind = (mask == cv2.GC_BGD) & (person > 0)
    image8 = np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)
    models = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(20261130)  # GrabCut's k-means start is random; same photo, same matte
    mask = mask.copy()
    cv2.grabCut(image8, mask, None, *models, 2, cv2.GC_INIT_WITH_MASK)
    apart = (((mask == cv2.GC_BGD) | (mask == cv2.GC_PR_BGD)) & (person > 0)).astype(np.uint8)
    count, labels = cv2.connectedComponents(apart, connectivity=8)
    touching = np.unique(labels[behind])
    return np.isin(labels, touching[touching > 0]).astype(np.uint8)


def _behind_an_outline(behind: np.ndarray, person: np.ndarray, sharp: np.ndarray) -> np.ndarray:
    """The parts of ``behind`` that are someone else: cut by the frame (a photographer or a
    crowd beside the subject), and meeting the rest of ``person`` mostly (SHARP_OUTLINE of
    the border) within two pixels of a sharp edge, the subject's outline in front of them.
    (A soft-lit arm inside a group does not reach the frame.)"""
    subject = (person > 0) & (behind == 0)
    outline = cv2.dilate(sharp.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(behind, connectivity=8)
    h, w = behind.shape
    kept = np.zeros_like(behind)
    for i in range(1, count):
        x, y, bw, bh, _ = stats[i]
        if x > 0 and y > 0 and x + bw < w and y + bh < h:
            continue
        part = labels == i
        border = subject & (cv2.dilate(part.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
        if border.any() and np.mean(outline[border]) >= SHARP_OUTLINE:
            kept[part] = 1
    return kept


def _out_of_focus_people(image: np.ndarray, person: np.ndarray, seed: np.ndarray,
                         face: Face) -> np.ndarray | None:
    """uint8 0/1 at ``person``'s size: the parts of ``person`` that are someone out of focus
    behind the subject, cut along the subject's sharp outline; None when there are none.

    Parameters
    ----------
    image : float32 (H, W, 3) sRGB in [0, 1], the photo at any size (the focus is measured on
        it: a copy of ~0.25 MP keeps a blurred edge a pixel or two wide).
    person, seed : uint8 0/1 (h, w): the model's person and the subject's face and throat.
    face : the subject's face in (h, w) pixels.
    """
    h, w = person.shape
    ih, iw = image.shape[:2]
    evidence = _focus_evidence(image, face.scaled((iw / w, ih / h)), (h, w))
    if evidence is None:
        return None
    mask = _focus_markers(person, seed, face, evidence)
    if mask is None:
        return None
    small = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA) if (ih, iw) != (h, w) else image
    behind = _behind_an_outline(_cut_apart(small, mask, person), person, evidence[0])
    return behind if behind.any() else None


def person_mask(image: np.ndarray, shape: tuple[int, int], face: Face,
                probability: np.ndarray | None = None) -> np.ndarray | None:
    """Binary mask (uint8 0/1, ``shape``) of the subject: the person whose face is ``face``.

    Parameters
    ----------
    image : float32 (H, W, 3) sRGB in [0, 1], the photo at any size (a small copy will do:
        the model sees 256x256).
    shape : (h, w) of the mask wanted; ``face`` is in its pixel coordinates.
    face : the subject's face.
    probability : ``person_probability_map(image)`` when the caller has it already (several
        subjects in one photo), else None.

    Returns
    -------
    uint8 (h, w), 1 on the subject (and whoever touches them, unless out of focus behind
    them), 0 elsewhere; None when the model is not installed or does not see a person at the
    face (the caller falls back to its classical matte).
    """
    prob = person_probability_map(image) if probability is None else probability
    if prob is None:
        return None
    h, w = shape
    prob = cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)
    person = (prob >= THRESHOLD).astype(np.uint8)
    seed = _subject_seed(face, shape)
    if prob[seed > 0].mean() < MISSED:
        return None  # the model does not see a person at the face (a drawing, a statue)
    behind = _out_of_focus_people(image, person, seed, face)
    if behind is not None:
        person[behind > 0] = 0
    return _subject(person, seed, max(face.iod, 1.0))
