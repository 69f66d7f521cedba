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
        "model-sha256-skipped",
        "a learned model file is run without checking its sha256 (a swapped or damaged one too)",
        "studio/face/models.py",
        "if hashlib.sha256(data).hexdigest() != LEARNED_MODEL_FILES[filename]:",
        "if False:",
        ("tests/test_model_files.py",),
    ),
    Mutation(
        "brow-tail-shortened",
        "the brows protected only to the face mesh's brow ends again (no reach past the tail)",
        "studio/face/regions.py",
        "BROW_TAIL = 0.15",
        "BROW_TAIL = 0.0",
        ("tests/test_brow_ends.py",),
    ),
    Mutation(
        "analysis-unrounded",
        "a fresh face analysis used unrounded (a session stores it rounded to 0.01 px): only dlib's "
        "fallback landmarks are not rounded already",
        "studio/face/detect.py",
        "faces = [Face.from_dict(face.to_dict()) for face in faces]",
        "faces = list(faces)",
        ("tests/test_determinism.py::test_a_saved_session_renders_the_same_bits_in_a_new_process",),
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
