#!/usr/bin/env python3
"""Mutation check: does the test suite notice the regressions a user would notice?

Copies the repository to a throwaway folder (beside a link to ../shared, which the tests
read), applies one single-change mutation at a time (a text replacement that must match
exactly once: a pattern that no longer matches fails loudly, so this list cannot go stale
silently), runs the tests that should catch it, restores the file and prints a table.

    .venv/bin/python tools/mutations.py                 # every mutation
    .venv/bin/python tools/mutations.py lips nostrils   # only these (names or prefixes)
    .venv/bin/python tools/mutations.py --full          # the whole suite for each (slow)

Not part of ``make test``. Exit status 1 when a mutation is not caught (or a baseline fails).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    name: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTATIONS = (
    Mutation(
        "export-source-none",
        "the retouch service (the studio's, the CLI's and the batch's export) passes source=None to the writer",
        "studio/session/retouch.py",
        "source=photo.path,",
        "source=None,",
        ("tests/test_promises_export.py",),
    ),
    Mutation(
        "likeness-x0.1",
        "the likeness distance multiplied by 0.1",
        "studio/face/likeness.py",
        "return float(np.linalg.norm(before - after))",
        "return float(np.linalg.norm(before - after)) * 0.1",
        ("tests/test_promises_likeness.py",),
    ),
    Mutation(
        "likeness-ignores-edit",
        "the likeness ignores the edited pixels",
        "studio/face/likeness.py",
        "after = face_descriptor(edited, _on(face, original, edited))",
        "after = face_descriptor(original, face)",
        ("tests/test_promises_likeness.py",),
    ),
    Mutation(
        "retouch-reuses-a",
        "retouch_file reuses session A's face analysis on B's photo",
        "studio/session/retouch_file.py",
        "analysis = session.analysis_for(sha)",
        "analysis = session.analysis_for(sha) or session.analysis",
        ("tests/test_promises_sessions.py",),
    ),
    Mutation(
        "lips-unprotected",
        "lips dropped from the protected set",
        "studio/face/regions.py",
        '"nostrils", "lips")',
        '"nostrils")',
        ("tests/test_promises_protected.py",),
    ),
    Mutation(
        "nostrils-unprotected",
        "nostrils dropped from the protected set",
        "studio/face/regions.py",
        '"nostrils", "lips")',
        '"lips")',
        ("tests/test_promises_protected.py",),
    ),
    Mutation(
        "loader-drops-shadows",
        "the session loader drops `shadows`",
        "studio/session/schema.py",
        "    for key, raw in value.items():\n        out[key] = _slider_value(key, raw)\n",
        "    for key, raw in value.items():\n        if key != 'shadows':\n"
        "            out[key] = _slider_value(key, raw)\n",
        ("tests/test_promises_sessions.py",),
    ),
    Mutation(
        "loader-drops-bg_light",
        "the session loader drops `bg_light`",
        "studio/session/schema.py",
        "    for key, raw in value.items():\n        out[key] = _slider_value(key, raw)\n",
        "    for key, raw in value.items():\n        if key != 'bg_light':\n"
        "            out[key] = _slider_value(key, raw)\n",
        ("tests/test_promises_sessions.py",),
    ),
    Mutation(
        "smooth-eats-fine-band",
        "smooth also removes ~12% of the fine band on the skin",
        "studio/edits/smooth.py",
        "    return add_change_in(image, prepared.change, params.strength, prepared.boxes, out)",
        "    skin = (np.abs(prepared.change).sum(axis=2, keepdims=True) > 0)\n"
        "    image = (image + np.float32(0.1 * params.strength) * skin\n"
        "             * (cv2.GaussianBlur(image, (0, 0), 1.5) - image)).astype(np.float32)\n"
        "    return add_change_in(image, prepared.change, params.strength, prepared.boxes, out)",
        ("tests/test_quality.py::test_smooth_keeps_the_fine_band", "tests/test_golden_full.py"),
    ),
    Mutation(
        "warm-stage-ignores-warmth",
        "the live retoucher's warmth (photo) stage is cached without the warmth value",
        "studio/render/retoucher.py",
        "photo_key = (background_key, photo_values)",
        "photo_key = (background_key,)",
        ("tests/test_promises_zero.py",),
    ),
    Mutation(
        "eyes-unprotected",
        "both eyes dropped from the protected set",
        "studio/face/regions.py",
        '"left_eye", "right_eye", ',
        "",
        ("tests/test_promises_protected.py",),
    ),
    Mutation(
        "permission-message-lost",
        "loading a locked photo no longer says 'permission denied'",
        "studio/write_guard.py",
        "        fd = _open_for_reading(path)\n    except PermissionError:\n"
        '        raise LikenessError(f"{shown(path)}: permission denied") from None\n',
        "        fd = _open_for_reading(path)\n",
        ("tests/test_imaging.py::test_permission_denied",),
    ),
    Mutation(
        "write-guard-off",
        "the writer no longer refuses to write over its source",
        "studio/write_guard.py",
        "            if source is not None:\n                link = ",
        "            if False and source is not None:\n                link = ",
        ("tests/test_promises_export.py", "tests/test_imaging.py"),
    ),
    Mutation(
        "plain-pytest-no-root",
        "plain `pytest` (the venv's script) without the project's root on sys.path",
        "pyproject.toml",
        'pythonpath = ["."]',
        "pythonpath = []",
        ("tests/test_first_command.py",),
    ),
    Mutation(
        'marks-radius-unbounded',
        "a mark's radius no longer limited to half the photo's long edge",
        'studio/render/marking.py',
        '        if mark.radius > most_radius:\n',
        '        if False and mark.radius > most_radius:\n',
        ('tests/test_marks.py::test_a_radius_over_half_the_photos_long_edge_is_named_with_its_limit',),
    ),
    Mutation(
        'marks-work-unbounded',
        'the work marks ask of a render no longer limited',
        'studio/render/marking.py',
        '        if spent > budget:\n',
        '        if spent > budget * 1e9:\n',
        ('tests/test_marks.py::test_marks_asking_too_much_work_of_a_render_are_named_with_the_limit',),
    ),
    Mutation(
        'marks-min-radius',
        "a mark's radius may be any size above 0 (1e-300 reaches OpenCV)",
        'studio/edits/marks.py',
        '    if radius < MIN_RADIUS:\n',
        '    if radius < 0:\n',
        ('tests/test_marks.py::test_a_radius_under_half_a_pixel_is_a_one_line_error',),
    ),
    Mutation(
        'marks-session-points',
        "a session's points no longer counted before they are read",
        'studio/edits/marks.py',
        '    if total > MAX_SESSION_POINTS:\n',
        '    if False:\n',
        ('tests/test_marks.py::test_a_session_holding_too_many_points_is_refused_before_they_are_read',),
    ),
    Mutation(
        'marks-distance-too-near',
        "a stroke's distance measured over too few pixels around each piece",
        'studio/edits/marks.py',
        '    grow = within + 1 if',
        '    grow = within - 2 if',
        ('tests/test_marks.py::test_the_distance_measured_near_each_segment_is_the_same_bit_for_bit',),
    ),
    Mutation(
        'heal-tiny-canvas',
        'a tiny heal mark resampled to its own radius (an enormous canvas)',
        'studio/edits/heal.py',
        '    c = CANON_RADIUS / max(mark.radius, MIN_RADIUS)\n',
        '    c = CANON_RADIUS / mark.radius\n',
        ('tests/test_marks.py::test_a_tiny_heal_mark_at_any_scale_heals_in_a_small_patch',),
    ),
    Mutation(
        'threads-beyond-cores',
        "--threads and --workers no longer limited to this machine's cores",
        'studio/cli/_common.py',
        '    if count is not None and not 1 <= count <= cores:\n',
        '    if count is not None and not 1 <= count:\n',
        ('tests/test_adversarial_cli.py::test_threads_and_workers_beyond_this_machines_cores_are_one_line',),
    ),
    Mutation(
        'thread-pool-beyond-cores',
        'the thread pool asks for as many threads as it is told',
        'studio/imaging/threads.py',
        'min(max(1, int(count)), all_cores())',
        'max(1, int(count))',
        ('tests/test_adversarial_cli.py::test_the_thread_pool_never_asks_for_more_threads_than_cores',),
    ),
    Mutation(
        'signed-values-as-options',
        '--crop -10,0,100,100 and --angle -1e308 taken for options',
        'studio/cli/__init__.py',
        '            if value is not None and _SIGNED_VALUE.match(value):\n',
        '            if False:\n',
        ('tests/test_adversarial_cli.py::test_values_starting_with_a_minus_are_checked_not_taken_for_options',),
    ),
    Mutation(
        'crop-under-16-written',
        'the writer takes a crop under 16 x 16 pixels',
        'studio/imaging/export.py',
        '    if x1 - x0 < MIN_CROP or y1 - y0 < MIN_CROP:\n',
        '    if False:\n',
        ('tests/test_adversarial_cli.py::test_the_writer_refuses_a_crop_under_16_pixels', 'tests/test_adversarial_cli.py::test_a_sessions_crop_under_16_pixels_is_refused',),
    ),
    Mutation(
        'long-words-repeated',
        'an error message repeats a 5,000-digit value in full',
        'studio/cli/__init__.py',
        'LONGEST_WORD, WORD_HEAD, WORD_TAIL = 200, 40, 20',
        'LONGEST_WORD, WORD_HEAD, WORD_TAIL = 10**6, 40, 20',
        ('tests/test_adversarial_cli.py::test_a_huge_value_is_not_repeated_in_full',),
    ),
    Mutation(
        'numbers-rounded-in-messages',
        'a number in a message rounded (--angle 15.0000001 said to be 15)',
        'studio/errors.py',
        '        return short if float(short) == value else repr(float(value))\n',
        '        return short\n',
        ('tests/test_adversarial_cli.py::test_values_starting_with_a_minus_are_checked_not_taken_for_options',),
    ),
    Mutation(
        'studio-adds-any-mark',
        "the studio adds a mark beyond the photo's limits (its saved session would not open)",
        'studio/ui/qt_marks.py',
        '        if document.photo is not None:\n            try:\n',
        '        if False:\n            try:\n',
        ('tests/test_ui_marks.py::test_the_studio_adds_no_mark_beyond_the_photos_limits',),
    ),
    Mutation(
        'hostile-beside-session-blocks-the-photo',
        'a session beside the photo with marks beyond its limits stops the photo opening',
        'studio/ui/qt_jobs.py',
        '        if found.get("restored") == "session":\n',
        '        if True:\n',
        ('tests/test_hostile_inputs.py::test_the_studio_opens_a_photo_without_the_hostile_session_beside_it',),
    ),
    Mutation(
        'contact-sheet-marks-unchecked',
        "the contact sheet takes a session's marks without the photo's limits",
        'studio/session/contact_sheet.py',
        '"marks": tuple(session.marks_for(sha, (photo.height, photo.width))),',
        '"marks": tuple(session.marks_for(sha)),',
        ('tests/test_hostile_inputs.py::test_the_contact_sheet_refuses_hostile_marks_in_one_line',),
    ),
)


def _copy(workdir: Path) -> Path:
    """The repository's files (no venv, no git) in ``workdir/repo``, ../shared linked."""
    copy = workdir / "repo"
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache", "build",
                                    "dist", "*.egg-info")
    shutil.copytree(REPO, copy, ignore=ignore, symlinks=True)
    shared = REPO.parent / "shared"
    if shared.exists():
        os.symlink(shared, workdir / "shared")
    return copy


def _environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(copy), QT_QPA_PLATFORM="offscreen",
               PYTHONDONTWRITEBYTECODE="1")
    found = subprocess.run([sys.executable, "-c", "import studio; print(studio.__file__)"],
                           cwd=copy, env=env, capture_output=True, text=True, check=True)
    if not Path(found.stdout.strip()).is_relative_to(copy):
        sys.exit(f"the copy's tests would import {found.stdout.strip()}, not the copy")
    return env


def _run(copy: Path, env: dict[str, str], tests: tuple[str, ...]) -> tuple[bool, str]:
    """(passed, last lines of pytest's output)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-rf", "-p", "no:cacheprovider", *tests],
        cwd=copy, env=env, capture_output=True, text=True,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    failed = [line for line in lines if line.startswith("FAILED ")]
    summary = failed[0][len("FAILED "):] if failed else (lines[-1] if lines else "")
    return done.returncode == 0, (summary or done.stderr.strip()[-200:])[:240]


def _apply(copy: Path, mutation: Mutation) -> str:
    """Apply ``mutation`` to the copy; returns the original text (to restore)."""
    path = copy / mutation.path
    text = path.read_text()
    count = text.count(mutation.old)
    if count != 1:
        raise SystemExit(
            f"mutation {mutation.name}: pattern found {count} times in {mutation.path} "
            f"(expected once): update tools/mutations.py\n  pattern: {mutation.old!r}"
        )
    path.write_text(text.replace(mutation.old, mutation.new))
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutations to run (names or prefixes)")
    parser.add_argument("--full", action="store_true", help="run the whole suite for each")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip checking that the tests pass on the unmutated copy")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS
              if not args.names or any(m.name.startswith(n) for n in args.names)]
    if not chosen:
        parser.error(f"no mutation matches {args.names}; known: "
                     + ", ".join(m.name for m in MUTATIONS))
    with tempfile.TemporaryDirectory(prefix="likeness-mutations-") as folder:
        copy = _copy(Path(folder))
        env = _environment(copy)
        # Every pattern is checked before anything runs.
        for mutation in chosen:
            (copy / mutation.path).write_text(_apply(copy, mutation))
        if not args.no_baseline:
            tests = () if args.full else tuple(sorted({t for m in chosen for t in m.tests}))
            passed, summary = _run(copy, env, tests)
            print(f"baseline (no mutation): {'passes' if passed else 'FAILS'}: {summary}",
                  flush=True)
            if not passed:
                return 1
        rows = []
        for mutation in chosen:
            original = _apply(copy, mutation)
            start = time.monotonic()
            try:
                passed, summary = _run(copy, env, () if args.full else mutation.tests)
            finally:
                (copy / mutation.path).write_text(original)
            rows.append((mutation, not passed, summary, time.monotonic() - start))
            print(f"{mutation.name}: {'caught' if not passed else 'NOT CAUGHT'} "
                  f"({time.monotonic() - start:.0f} s): {summary}", flush=True)
    print()
    print("| mutation | caught | first failure (or the run's summary) |")
    print("|---|---|---|")
    for mutation, caught, summary, _ in rows:
        summary = summary.replace("|", "/")
        print(f"| {mutation.what} | {'yes' if caught else '**no**'} | {summary} |")
    return 0 if all(caught for _, caught, _, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
