"""The primary person's silhouette from the learned segmentation model (no Qt, no I/O).

``person_mask(image, shape, face)`` gives the binary person mask that
``studio.edits.background.person_alpha`` refines to a soft matte at full resolution (its
colour projection along the cut and its colour-guided filter keep hair strands fractional).
Without the model it returns None and the caller keeps its classical GrabCut.

Who counts as the person: the face picks the subject; everything the model sees as person
and that touches the subject (a hand on the shoulder, someone leaning in, a child held)
stays whole as person, sharp; every other person, in a group or a crowd behind, is wholly
background (blurred or replaced as one clean silhouette, never cut into pieces).
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


def person_probability_map(image: np.ndarray) -> np.ndarray | None:
    """The model's person probability at ``image``'s size, or None without the model.

    The whole photo is resized to the model's square, squashed (as MediaPipe feeds it): on
    the labelled photos this kept shoulders and hair better than a letterbox with repeated
    edges (tests/matte_labels.json: teen's right shoulder 100% vs 94%, a long-haired
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
    uint8 (h, w), 1 on the subject (and whoever touches them), 0 elsewhere; None when the
    model is not installed or does not see a person at the face (the caller falls back to
    its classical matte).
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
    return _subject(person, seed, max(face.iod, 1.0))
