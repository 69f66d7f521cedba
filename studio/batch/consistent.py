"""Consistent across a shoot (``likeness batch --consistent``): photos of the same person get
the same look amount, so the skin does not change from frame to frame.

The batch first finds each photo's own amount as usual (the strongest within the look's
likeness budget, or ``--keep-likeness``). The photos are then grouped by person: the likeness
descriptor (dlib's 128-D face descriptor) of each photo's main face, two photos in one group
when their descriptors are closer than ``SAME_PERSON`` (a group is joined through any of its
photos); the user corrects a group with ``--same-person`` (these photos are one person)
and ``--other-person`` (this photo is nobody else's). Each group takes the lowest amount found in it, the one that keeps its hardest photo
within the budget; every photo of the group retouched at a higher amount is retouched again
at the group's. The report names each photo's group.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from studio.batch.report import OK, PhotoResult
from studio.edits import protocol
from studio.errors import LikenessError
from studio.face import face_descriptor
from studio.face.detect import analyze_photo
from studio.imaging import load
from studio.render.amount import held_keys, scaled
from studio.session.looks import load_look

#: Descriptors closer than this are one person (dlib's own threshold; the shared photos'
#: same-person pairs lie below it, different people above: tests/face/test_face.py).
SAME_PERSON = 0.6


@dataclass(frozen=True)
class Group:
    """Photos of one person: their inputs (as results name them), the amount they share
    (0..1.5) and the photo whose own amount that was (the hardest to keep alike)."""

    number: int
    inputs: tuple[str, ...]
    amount: float
    lowest: str

    def name(self) -> str:
        """The report's name for the group: "person 2 (3 photos, amount of b.jpg)"."""
        count = len(self.inputs)
        return (f"person {self.number} ({count} photo{'s' * (count != 1)}, amount of "
                f"{Path(self.lowest).name})")


def main_face_descriptor(path: str | Path) -> np.ndarray | None:
    """The likeness descriptor of a photo's main face (None: no face, or it cannot be read)."""
    try:
        photo = load(path)
    except LikenessError:
        return None
    face = analyze_photo(photo).face()
    return None if face is None else face_descriptor(photo.pixels, face)


@dataclass(frozen=True)
class Corrections:
    """The user's word over the descriptor's: ``same`` lists photos of one person (joined
    even when their faces are not found alike, or not found at all); ``apart`` photos are
    nobody else's (no descriptor joins them to another photo; only ``same`` does).
    Photos are named by path or by file name."""

    same: tuple[tuple[str, ...], ...] = ()
    apart: tuple[str, ...] = ()


def group_by_person(descriptors: dict[str, np.ndarray | None],
                    corrections: Corrections = Corrections()) -> list[list[str]]:
    """The inputs grouped by person (single linkage at ``SAME_PERSON``, then the user's
    ``corrections``), in input order. An input whose descriptor is None is grouped only
    through ``corrections.same``."""
    names = list(descriptors)
    index = _matcher(names)
    apart = {index(name) for name in corrections.apart} - {None}
    parent = list(range(len(names)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    found = [i for i, name in enumerate(names) if descriptors[name] is not None]
    for i in found:
        for j in (j for j in found if j < i and not {i, j} & apart):
            if np.linalg.norm(descriptors[names[i]] - descriptors[names[j]]) < SAME_PERSON:
                parent[root(i)] = root(j)
    said = set()
    for listed in corrections.same:
        members = [i for i in map(index, listed) if i is not None]
        said.update(members)
        for i in members[1:]:
            parent[root(i)] = root(members[0])
    groups: dict[int, list[str]] = {}
    for i, name in enumerate(names):
        if descriptors[name] is not None or i in said:
            groups.setdefault(root(i), []).append(name)
    return list(groups.values())


def _matcher(names: Sequence[str]):
    """A function from a user's name for a photo (its path, or its file name when that is
    unique) to its index in ``names`` (None: not among them)."""
    by_path = {str(Path(name).resolve()): i for i, name in enumerate(names)}
    by_file: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        by_file.setdefault(Path(name).name, []).append(i)

    def index(name: str) -> int | None:
        found = by_path.get(str(Path(name).resolve()))
        if found is None and len(by_file.get(name, ())) == 1:
            found = by_file[name][0]
        return found

    return index


def main_face_descriptors(photos: Sequence[str]) -> dict[str, np.ndarray | None]:
    """Each photo's :func:`main_face_descriptor`, one after the other in this process."""
    return {photo: main_face_descriptor(photo) for photo in photos}


Describe = Callable[[Sequence[str]], Mapping[str, np.ndarray | None]]


def shoot_groups(results: Sequence[PhotoResult],
                 corrections: Corrections = Corrections(),
                 describe: Describe = main_face_descriptors) -> list[Group]:
    """The groups of the photos written with an amount (the user's ``corrections`` over the
    descriptor's), each with its lowest amount. ``describe(photos)``: their likeness
    descriptors (the studio's are found by the batch's workers, and stop on a Cancel)."""
    amounts = _written_amounts(results)
    found = describe(list(amounts))
    descriptors = {name: found.get(name) for name in amounts}
    groups = []
    for number, inputs in enumerate(group_by_person(descriptors, corrections), start=1):
        lowest = min(inputs, key=lambda name: amounts[name])
        groups.append(Group(number, tuple(inputs), amounts[lowest], lowest))
    return groups


def _written_amounts(results: Sequence[PhotoResult]) -> dict[str, float]:
    """Each photo written with an amount: that amount, 0..1.5."""
    return {r.input: r.amount_percent / 100.0 for r in results
            if r.status == OK and r.amount_percent is not None}


def at_amount(session, amount: float, held: tuple[str, ...]):
    """``session`` with its face sliders scaled by ``amount`` (``held`` keys as they are) and
    that amount stored: it renders as it is, nothing searched again."""
    return replace(session.with_sliders(scaled(session.sliders, amount, held)), amount=amount)


def named(results: Sequence[PhotoResult], groups: Sequence[Group]) -> list[PhotoResult]:
    """``results`` with each grouped photo's group named and its amount the group's."""
    by_input = {name: group for group in groups for name in group.inputs}
    out = []
    for result in results:
        group = by_input.get(result.input)
        if group is not None and result.status == OK:
            result = replace(result, group=group.name(), amount_percent=100.0 * group.amount)
        out.append(result)
    return out


def own_at_amount(session, amount: float):
    """A photo's own session (the studio's, saved beside it) at ``amount`` of its look: the
    look's face sliders scaled by ``amount``; those the user set by hand over the look (at
    the session's own amount, None: 100%), the background and colour as they are; that
    amount stored. A session whose look is not here has its face sliders scaled from its own
    amount."""
    own = session.amount if session.amount is not None else 1.0
    look = _look_sliders(session.look)
    if look is None or own <= 0:
        factor = amount / own if own > 0 else 0.0
        return replace(session.with_sliders(scaled(session.sliders, factor)), amount=amount)
    open_keys = set(protocol.face_keys()) - set(held_keys(session.sliders, scaled(look, own)))
    at = scaled(look, amount)
    sliders = {key: at[key] if key in open_keys and key in at else value
               for key, value in session.sliders.items()}
    return replace(session.with_sliders(sliders), amount=amount)


def _look_sliders(name: str | None) -> dict | None:
    """The sliders of the look ``name`` at 100% (None: no look, or not on this machine)."""
    if name is None:
        return None
    try:
        return dict(load_look(name).sliders)
    except LikenessError:
        return None


def consistent_results(results: Sequence[PhotoResult], jobs: Sequence,
                       redo: Callable[[list, dict[str, float]], Sequence[PhotoResult]],
                       corrections: Corrections = Corrections(),
                       describe: Describe = main_face_descriptors,
                       tell: Callable[[Group, list], None] | None = None) -> list[PhotoResult]:
    """``results`` (a batch's, one per job) with every photo of a person written above its
    group's amount written again at that amount, each result naming its group (see
    :func:`named`). ``redo(jobs, amounts)`` runs the batch again on those jobs, each photo's
    session at its amount (0..1.5, by the job's ``shown_input``), and returns their results;
    ``tell(group, jobs)`` hears of each group's photos to redo first. What ``redo`` raises
    (a cancel) goes to the caller."""
    groups = shoot_groups(results, corrections, describe)
    written = _written_amounts(results)
    again, amounts = [], {}
    for group in groups:
        above = [job for job in jobs if job.shown_input in group.inputs
                 and written[job.shown_input] > group.amount + 1e-9]
        if above and tell is not None:
            tell(group, above)
        again += above
        amounts.update((job.shown_input, group.amount) for job in above)
    redone = {r.input: r for r in redo(again, amounts)} if again else {}
    return named([redone.get(r.input, r) for r in results], groups)
