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
        "render-box-misses-rows",
        "a box of the render (an export's amount step on its faces' box) leaves its first rows unmade",
        "studio/render/retoucher.py",
        "        rows = box[0]\n",
        "        rows = slice(box[0].start + 40, box[0].stop)\n",
        ("tests/render/test_retoucher.py",),
    ),
    Mutation(
        "probe-box-off-the-block-grid",
        "the faces' box of a full-size export is not cut on the JPEG's block grid (its blocks are not the file's)",
        "studio/service/probe.py",
        "    x0 = max((min(b[0] for b in boxes) - BLOCK) // BLOCK * BLOCK, 0)",
        "    x0 = max(min(b[0] for b in boxes) - BLOCK - 5, 0)",
        ("tests/service/test_probe.py",),
    ),
    Mutation(
        "probe-box-cuts-the-core",
        "the faces' box stops short of the faces' cores (the likeness reads the edit there)",
        "studio/face/likeness.py",
        "    reach = int(np.ceil(2.0 / factor)) + 2",
        "    reach = -int(np.ceil(0.2 / factor * 100))",
        ("tests/service/test_probe.py",),
    ),
    Mutation(
        "probe-trusted-over-the-file",
        "the amount found on the faces' box is written even when the whole file reads below the budget",
        "studio/service/retouch.py",
        "        if steps > 0 and (unmeasured(steps) if percent is None else percent) < least:",
        "        if False and steps > 0 and (unmeasured(steps) if percent is None else percent) < least:",
        ("tests/service/test_probe.py",),
    ),
    Mutation(
        "export-source-none",
        "the retouch service (the studio's, the CLI's and the batch's export) passes source=None to the writer",
        "studio/service/retouch.py",
        "source=photo.path,",
        "source=None,",
        ("tests/promises/test_export.py",),
    ),
    Mutation(
        "likeness-x0.1",
        "the likeness distance multiplied by 0.1",
        "studio/face/likeness.py",
        "return float(np.linalg.norm(_descriptor(before.pixels, before.points)",
        "return 0.1 * float(np.linalg.norm(_descriptor(before.pixels, before.points)",
        ("tests/promises/test_likeness.py",),
    ),
    Mutation(
        "likeness-ignores-edit",
        "the likeness ignores the edited pixels",
        "studio/face/likeness.py",
        "edited_face = _edit_on_face(base, after)",
        "edited_face = base",
        ("tests/promises/test_likeness.py",),
    ),
    Mutation(
        "likeness-memo-by-shape",
        "the descriptor memo keyed by the crop's size and landmarks, not its pixels (an edit answered with the original's descriptor)",
        "studio/face/likeness.py",
        "encode() + crop.tobytes() + pts.tobytes(),",
        "encode() + pts.tobytes(),",
        ("tests/face/test_likeness.py::test_a_measure_made_before_is_remembered_and_a_new_edit_is_measured",),
    ),
    Mutation(
        "likeness-memo-64",
        "the descriptor memo back to 64 measures (a session's repeated measures computed again)",
        "studio/face/likeness.py",
        "_RECENT_SIZE = 4096",
        "_RECENT_SIZE = 64",
        ("tests/face/test_likeness.py::test_a_measure_made_before_is_remembered_and_a_new_edit_is_measured",),
    ),
    Mutation(
        "retouch-reuses-a",
        "retouch_file reuses session A's face analysis on B's photo",
        "studio/service/retouch_file.py",
        "analysis = session.analysis_for(sha)",
        "analysis = session.analysis_for(sha) or session.analysis",
        ("tests/promises/test_sessions.py",),
    ),
    Mutation(
        "lips-unprotected",
        "lips dropped from the protected set",
        "studio/face/regions.py",
        '"nostrils", "lips")',
        '"nostrils")',
        ("tests/promises/test_protected.py",),
    ),
    Mutation(
        "nostrils-unprotected",
        "nostrils dropped from the protected set",
        "studio/face/regions.py",
        '"nostrils", "lips")',
        '"lips")',
        ("tests/promises/test_protected.py",),
    ),
    Mutation(
        "loader-drops-shadows",
        "the session loader drops `shadows`",
        "studio/session/model.py",
        "    for key, value in values.items():\n        out[key] = _slider_value(key, value)\n",
        "    for key, value in values.items():\n        if key != 'shadows':\n"
        "            out[key] = _slider_value(key, value)\n",
        ("tests/promises/test_sessions.py",),
    ),
    Mutation(
        "loader-drops-bg_light",
        "the session loader drops `bg_light`",
        "studio/session/model.py",
        "    for key, value in values.items():\n        out[key] = _slider_value(key, value)\n",
        "    for key, value in values.items():\n        if key != 'bg_light':\n"
        "            out[key] = _slider_value(key, value)\n",
        ("tests/promises/test_sessions.py",),
    ),
    Mutation(
        "smooth-eats-fine-band",
        "smooth also removes ~12% of the fine band on the skin",
        "studio/edits/smooth.py",
        # (since smooth version 4 the change is prepared once: the fine band goes into it)
        "    change = change.astype(np.float32, copy=False)\n",
        "    change += np.float32(0.12) * work.skin[..., None] * (\n"
        "        cv2.GaussianBlur(work.image, (0, 0), 1.5) - work.image)\n"
        "    change = change.astype(np.float32, copy=False)\n",
        ("tests/promises/test_quality.py::test_smooth_keeps_the_fine_band", "tests/promises/test_golden_full.py"),
    ),
    Mutation(
        "warm-stage-ignores-warmth",
        "the live retoucher's warmth (photo) stage is cached without the warmth value",
        "studio/render/retoucher.py",
        "photo_key = (background_key, photo_values)",
        "photo_key = (background_key,)",
        ("tests/promises/test_zero.py",),
    ),
    Mutation(
        "eyes-unprotected",
        "both eyes dropped from the protected set",
        "studio/face/regions.py",
        '"left_eye", "right_eye", ',
        "",
        ("tests/promises/test_protected.py",),
    ),
    Mutation(
        "permission-message-lost",
        "loading a locked photo no longer says 'permission denied'",
        "studio/write_guard.py",
        "        fd = _open_for_reading(path)\n    except PermissionError:\n"
        '        raise LikenessError(f"{shown(path)}: permission denied") from None\n',
        "        fd = _open_for_reading(path)\n",
        ("tests/imaging/test_io.py::test_permission_denied",),
    ),
    Mutation(
        "write-guard-off",
        "the writer no longer refuses to write over its source",
        "studio/write_guard.py",
        "            if source is not None:\n                link = ",
        "            if False and source is not None:\n                link = ",
        ("tests/promises/test_export.py", "tests/imaging/test_io.py"),
    ),
    Mutation(
        "slider-click-pages",
        "a click on a slider's track page-steps toward the click again (many History steps)",
        "studio/ui/qt_slider.py",
        "if hint == QStyle.StyleHint.SH_Slider_AbsoluteSetButtons:",
        "if False:",
        ("tests/ui/test_walkthrough.py::test_clicking_a_slider_track_jumps_there_in_one_history_step",),
    ),
    Mutation(
        "amount-row-collapses",
        "the hidden look amount row gives its room up: the sliders move up under the pointer",
        "studio/ui/qt_amount.py",
        "policy.setRetainSizeWhenHidden(True)",
        "policy.setRetainSizeWhenHidden(False)",
        ("tests/ui/test_walkthrough.py::test_the_first_hand_edit_after_a_look_moves_no_slider",),
    ),
    Mutation(
        "crop-done-shows-whole",
        "after Done in the crop tool the canvas shows the whole photo as shot again",
        "studio/ui/qt_crop.py",
        "corners = None if self.active or self.whole_photo else self.framed_corners()",
        "corners = None",
        ("tests/ui/test_walkthrough.py::test_done_in_the_crop_tool_shows_the_framed_photo",),
    ),
    Mutation(
        "help-without-gestures",
        "F1 lists the menu commands only (no Ctrl+click a face, no Alt+drag background brush)",
        "studio/ui/qt_actions.py",
        "return rows + list(gestures())",
        "return rows",
        ("tests/ui/test_walkthrough.py::test_f1_lists_the_background_brush_and_ctrl_click_on_a_face",),
    ),
    Mutation(
        "toolbar-without-view",
        "the View commands (Crop, Compare, Fit, Split) leave the toolbar",
        "studio/ui/qt_actions.py",
        "        if spec.toolbar:\n            groups.setdefault",
        "        if spec.toolbar and spec.menu != \"View\":\n            groups.setdefault",
        ("tests/ui/test_walkthrough.py::test_crop_compare_and_the_mark_tools_are_on_the_toolbar",),
    ),
    Mutation(
        "snapshot-name-empty",
        "a new snapshot's name starts empty",
        "studio/ui/qt_main.py",
        "text=self.snapshot_name()",
        "text=\"\"",
        ("tests/ui/test_walkthrough.py::test_a_new_snapshot_starts_with_a_name",),
    ),
    Mutation(
        "crop-note-stale",
        "the crop note stays after the frame is resized by hand",
        "studio/ui/qt_crop.py",
        "self._noted is not None and self._noted == self._framing()",
        "self._noted is not None",
        ("tests/ui/test_walkthrough.py::test_the_crop_note_goes_when_the_frame_is_resized_by_hand",),
    ),
    Mutation(
        "quality-for-png",
        "the export's Quality box stays on for PNG and TIFF",
        "studio/ui/qt_export.py",
        "self.quality_spin.setEnabled(lossy)",
        "self.quality_spin.setEnabled(True)",
        ("tests/ui/test_walkthrough.py::test_the_quality_box_is_off_for_lossless_formats",),
    ),
    Mutation(
        "history-cut-no-tooltip",
        "a cut History entry shows no tooltip",
        "studio/ui/qt_notice.py",
        "if self.is_cut(view, option, index):",
        "if False:",
        ("tests/ui/test_walkthrough.py::test_a_cut_history_entry_shows_its_whole_text_in_a_tooltip",),
    ),
    Mutation(
        "swatch-plain-colour",
        "the backdrop swatch shows the chosen colour, not the background light and calm colours rendered",
        "studio/ui/qt_panel.py",
        "edge, brightest = backdrop_shades(self._colour, *self._background)",
        "edge, brightest = backdrop_shades(self._colour)",
        ("tests/ui/test_walkthrough.py::test_the_backdrop_swatch_shows_the_colour_rendered",),
    ),
    Mutation(
        "session-v3-faces",
        "a version 3 session's \"faces\" (a key only version 4 has) read as if it were version 4",
        "studio/session/migrations.py",
        'for key in ("faces", "marks"):',
        'for key in ("marks",):',
        ("tests/session/test_session.py::test_a_version_3_session_holding_faces_is_refused_not_read_as_version_4",),
    ),
    Mutation(
        "autosave-limit-restarts",
        "the autosave's limit restarted by every change (a long slider drag never autosaved)",
        "studio/ui/qt_autosave.py",
        "        if not self._longest.isActive():\n            self._longest.start()",
        "        if True:\n            self._longest.start()",
        ("tests/ui/test_restore.py::test_a_stream_of_changes_is_autosaved_within_the_limit",),
    ),
    Mutation(
        "autosave-misses-snapshots",
        "a new snapshot does not wake the autosave (issue 26: the snapshot lost after kill -9)",
        "studio/ui/model.py",
        "self.events.snapshots, self.events.export, self.events.references,",
        "self.events.export, self.events.references,",
        ("tests/ui/test_restore.py::test_every_field_survives_autosave_and_restore_and_save_and_reopen",),
    ),
    Mutation(
        "session-drops-export",
        "save and autosave write the default export settings, not the ones chosen",
        "studio/ui/model.py",
        "export=self.export if self.export is not None else ExportSettings(),",
        "export=ExportSettings(),",
        ("tests/ui/test_restore.py::test_every_field_survives_autosave_and_restore_and_save_and_reopen",),
    ),
    Mutation(
        "crop-preset-stale",
        "the crop tool keeps its preset over a crop of another aspect (LinkedIn 1:1 over a restored 4:5 frame)",
        "studio/ui/qt_crop.py",
        "self.frame = self._fitting_frame()",
        "self.frame = self.frame",
        ("tests/ui/test_restore.py::test_after_kill_9_the_window_comes_back_as_it_was",),
    ),
    Mutation(
        "batch-done-ignores-content",
        "batch 'already done' ignores a photo whose content changed (same size, time set back)",
        "studio/batch/inputs.py",
        "    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)",
        "    return (info.st_size, info.st_mtime_ns)",
        ("tests/batch/test_safety.py::test_an_input_rewritten_with_other_bytes_is_redone_even_at_the_same_time",),
    ),
    Mutation(
        "append-trusts-the-plan",
        "an append to the done list no longer checks the file it opened (a link made later)",
        "studio/write_guard.py",
        "        plan.check_opened(path, info, kind)\n",
        "",
        ("tests/test_write_guard.py",),
    ),
    Mutation(
        "done-list-not-planned",
        "the batch's done list is not a target of the plan (a link to a photo is not refused)",
        "studio/cli/batch.py",
        '    plan.add_target(outdir / DONE_LIST, "done list")\n',
        "",
        ("tests/batch/test_safety.py::test_the_done_list_never_writes_through_a_link",
         "tests/batch/test_safety.py::test_a_report_over_the_done_list_is_refused_before_any_work"),
    ),
    Mutation(
        "batch-no-writing-note",
        "the batch no longer notes a photo before its worker writes it (resume after kill -9)",
        "studio/batch/runner.py",
        "            self.done_list(job).writing(job)  # on disk before the worker can write the output",
        "            pass",
        ("tests/batch/test_resume.py",),
    ),
    Mutation(
        "fork-server-from-cwd",
        "the batch's fork server is started as multiprocessing does (the current folder first)",
        "studio/batch/runner.py",
        "            _start_fork_server()\n",
        "",
        ("tests/batch/test_safety.py::test_a_folder_named_studio_where_the_batch_runs_is_never_imported",),
    ),
    Mutation(
        "batch-report-room-late",
        "the batch's report target is not probed before the work (a full disk found at the end)",
        "studio/cli/batch.py",
        "        check_room(report, _report_size(jobs, lost))\n",
        "        pass\n",
        ("tests/batch/test_safety.py::test_a_report_on_a_full_disk_is_refused_before_any_work",),
    ),
    Mutation(
        "contact-sheet-room-late",
        "the contact sheet's folder is found missing only after the renders",
        "studio/cli/sheet.py",
        "    check_room(request.sheet)  # a missing folder or a full disk, before the renders\n",
        "",
        ("tests/batch/test_safety.py::test_a_contact_sheet_into_a_missing_folder_fails_before_rendering",),
    ),
    Mutation(
        "session-room-late",
        "retouch --save-session on a full disk writes the photo first",
        "studio/service/retouch_file.py",
        "        check_room(request.save_session_to)  # a full disk said before the photo is written",
        "        pass",
        ("tests/batch/test_safety.py::test_a_session_on_a_full_disk_is_checked_before_the_photo_is_written",),
    ),
    Mutation(
        "session-failure-unsaid",
        "a session that fails after the photo does not say the photo was written",
        "studio/service/retouch_file.py",
        'f"wrote {exported.path}, but the session was not saved: {error}"',
        'f"{error}"',
        ("tests/batch/test_safety.py::test_a_session_that_fails_after_the_photo_says_the_photo_was_written",),
    ),
    Mutation(
        "export-keeps-unique-id",
        "exports keep EXIF ImageUniqueID (a tracking identifier)",
        "studio/imaging/exif.py",
        "    0xA420,  # ImageUniqueID",
        "    0xA421,  # ImageUniqueID",
        ("tests/imaging/test_export.py::test_the_image_unique_id_is_stripped_in_every_format",),
    ),
    Mutation(
        "done-list-home-paths",
        "the done list notes absolute input paths (a home path in the output folder)",
        "studio/batch/inputs.py",
        "        return shown(os.path.relpath(job.input, self.folder))",
        "        return shown(job.input)",
        ("tests/batch/test_safety.py::test_the_report_and_the_done_list_hold_paths_as_given",),
    ),
    Mutation(
        "report-home-paths",
        "the batch report shows absolute paths for inputs given relative",
        "studio/batch/runner.py",
        "        result, input=job.shown_input, output=job.shown_output if result.output else \"\"",
        "        result, input=str(job.input), output=str(job.output) if result.output else \"\"",
        ("tests/batch/test_safety.py::test_the_report_and_the_done_list_hold_paths_as_given",),
    ),
    Mutation(
        "matte-features-not-forced",
        "the person matte no longer forced to 1 on the protected features",
        "studio/face/person.py",
        "        _keep_features(alpha, subject)\n",
        "",
        ("tests/promises/test_matte.py",),
    ),
    Mutation(
        "everyone-is-the-subject",
        "every person the model sees counts as the subject (people standing apart kept sharp)",
        "studio/face/matte.py",
        "    person = np.isin(labels, keep[keep > 0]).astype(np.uint8)\n",
        "    person = (labels > 0).astype(np.uint8)\n",
        ("tests/promises/test_matte.py",),
    ),
    Mutation(
        "suggest-ring-not-calm",
        "Suggest Marks no longer asks for a calm ring of skin around a spot or mole",
        "studio/edits/suggest.py",
        "    if contrast < threshold or high - low > RING_CALM * contrast:\n",
        "    if contrast < 0.5 * threshold:\n",
        ("tests/edits/test_suggest.py",),
    ),
    Mutation(
        "suggest-spots-as-blemish",
        "Suggest Marks heals only spots up to the blemish slider's size (IOD/15)",
        "studio/edits/suggest.py",
        "SMALLEST, LARGEST = 1 / 42, 1 / 8\n",
        "SMALLEST, LARGEST = 1 / 42, 1 / 15\n",
        ("tests/edits/test_suggest.py",),
    ),
    Mutation(
        "zoom-detail-own-matte",
        "the 100% zoom detail finds its person matte on its region alone (a shirt becomes backdrop)",
        "studio/ui/engine.py",
        "                self._detail_retoucher.use_found_matte(self._matte_in(key))\n",
        "",
        ("tests/ui/test_zoom_detail.py",),
    ),
    Mutation(
        "min-likeness-off-by-one",
        "--min-likeness off by one: a file up to a point under the minimum is written",
        "studio/service/retouch.py",
        "or not percent < float(min_likeness):",
        "or not percent < float(min_likeness) - 1:",
        ("tests/promises/test_one_likeness.py::test_min_likeness_holds_at_the_measured_figure_within_0_3_points",),
    ),
    Mutation(
        "likeness-reads-background",
        "the likeness reads the whole chip (hair and background too), not the face's core",
        "studio/face/likeness.py",
        "inside = np.zeros(edited.pixels.shape[:2], np.uint8)",
        "inside = np.ones(edited.pixels.shape[:2], np.uint8)",
        ("tests/promises/test_one_likeness.py::test_background_edits_leave_the_likeness_unchanged",),
    ),
    Mutation(
        "plain-pytest-no-root",
        "plain `pytest` (the venv's script) without the project's root on sys.path",
        "pyproject.toml",
        'pythonpath = ["."]',
        "pythonpath = []",
        ("tests/project/test_first_command.py",),
    ),
    Mutation(
        'marks-radius-unbounded',
        "a mark's radius no longer limited to half the photo's long edge",
        'studio/render/marking.py',
        '        if mark.radius > most_radius:\n',
        '        if False and mark.radius > most_radius:\n',
        ('tests/edits/test_marks.py::test_a_radius_over_half_the_photos_long_edge_is_named_with_its_limit',),
    ),
    Mutation(
        'marks-work-unbounded',
        'the work marks ask of a render no longer limited',
        'studio/render/marking.py',
        '        if spent > budget:\n',
        '        if spent > budget * 1e9:\n',
        ('tests/edits/test_marks.py::test_marks_asking_too_much_work_of_a_render_are_named_with_the_limit',),
    ),
    Mutation(
        'marks-min-radius',
        "a mark's radius may be any size above 0 (1e-300 reaches OpenCV)",
        'studio/session/model.py',
        '    | Annotated[float, Meta(ge=MIN_RADIUS, le=100_000)],',
        '    | Annotated[float, Meta(gt=0, le=100_000)],',
        ('tests/edits/test_marks.py::test_a_radius_under_half_a_pixel_is_a_one_line_error',),
    ),
    Mutation(
        'marks-session-points',
        "a session's points no longer counted before they are read",
        'studio/session/model.py',
        '        if total > MAX_SESSION_POINTS:\n',
        '        if False:\n',
        ('tests/edits/test_marks.py::test_a_session_holding_too_many_points_is_refused_before_they_are_read',),
    ),
    Mutation(
        'marks-distance-too-near',
        "a stroke's distance measured over too few pixels around each piece",
        'studio/edits/marks.py',
        '    grow = within + 1 if',
        '    grow = within - 2 if',
        ('tests/edits/test_marks.py::test_the_distance_measured_near_each_segment_is_the_same_bit_for_bit',),
    ),
    Mutation(
        'heal-tiny-canvas',
        'a tiny heal mark resampled to its own radius (an enormous canvas)',
        'studio/edits/heal.py',
        '    c = CANON_RADIUS / max(mark.radius, MIN_RADIUS)\n',
        '    c = CANON_RADIUS / mark.radius\n',
        ('tests/edits/test_marks.py::test_a_tiny_heal_mark_at_any_scale_heals_in_a_small_patch',),
    ),
    Mutation(
        'threads-beyond-cores',
        "--threads and --workers no longer limited to this machine's cores",
        'studio/cli/_common.py',
        '    if count is not None and not 1 <= count <= cores:\n',
        '    if count is not None and not 1 <= count:\n',
        ('tests/promises/test_adversarial_cli.py::test_threads_and_workers_beyond_this_machines_cores_are_one_line',),
    ),
    Mutation(
        'thread-pool-beyond-cores',
        'the thread pool asks for as many threads as it is told',
        'studio/imaging/threads.py',
        'min(max(1, int(count)), all_cores())',
        'max(1, int(count))',
        ('tests/promises/test_adversarial_cli.py::test_the_thread_pool_never_asks_for_more_threads_than_cores',),
    ),
    Mutation(
        'signed-values-as-options',
        '--crop -10,0,100,100 and --angle -1e308 taken for options',
        'studio/cli/__init__.py',
        '            if value is not None and _SIGNED_VALUE.match(value):\n',
        '            if False:\n',
        ('tests/promises/test_adversarial_cli.py::test_values_starting_with_a_minus_are_checked_not_taken_for_options',),
    ),
    Mutation(
        'crop-under-16-written',
        'the writer takes a crop under 16 x 16 pixels',
        'studio/imaging/export.py',
        '    if x1 - x0 < MIN_CROP or y1 - y0 < MIN_CROP:\n',
        '    if False:\n',
        ('tests/promises/test_adversarial_cli.py::test_the_writer_refuses_a_crop_under_16_pixels', 'tests/promises/test_adversarial_cli.py::test_a_sessions_crop_under_16_pixels_is_refused',),
    ),
    Mutation(
        'long-words-repeated',
        'an error message repeats a 5,000-digit value in full',
        'studio/cli/__init__.py',
        'LONGEST_WORD, WORD_HEAD, WORD_TAIL = 200, 40, 20',
        'LONGEST_WORD, WORD_HEAD, WORD_TAIL = 10**6, 40, 20',
        ('tests/promises/test_adversarial_cli.py::test_a_huge_value_is_not_repeated_in_full',),
    ),
    Mutation(
        'numbers-rounded-in-messages',
        'a number in a message rounded (--angle 15.0000001 said to be 15)',
        'studio/errors.py',
        '        return short if float(short) == value else repr(float(value))\n',
        '        return short\n',
        ('tests/promises/test_adversarial_cli.py::test_values_starting_with_a_minus_are_checked_not_taken_for_options',),
    ),
    Mutation(
        'studio-adds-any-mark',
        "the studio adds a mark beyond the photo's limits (its saved session would not open)",
        'studio/ui/qt_marks.py',
        '        if document.photo is not None:\n            try:\n',
        '        if False:\n            try:\n',
        ('tests/ui/test_qt_marks.py::test_the_studio_adds_no_mark_beyond_the_photos_limits',),
    ),
    Mutation(
        'hostile-beside-session-blocks-the-photo',
        'a session beside the photo with marks beyond its limits stops the photo opening',
        'studio/ui/qt_jobs.py',
        '        if found.get("restored") == "session":\n',
        '        if True:\n',
        ('tests/promises/test_hostile_inputs.py::test_the_studio_opens_a_photo_without_the_hostile_session_beside_it',),
    ),
    Mutation(
        'contact-sheet-marks-unchecked',
        "the contact sheet takes a session's marks without the photo's limits",
        'studio/service/contact_sheet.py',
        'marks=tuple(session.marks_for(sha, (photo.height, photo.width))),',
        'marks=tuple(session.marks_for(sha)),',
        ('tests/promises/test_hostile_inputs.py::test_the_contact_sheet_refuses_hostile_marks_in_one_line',),
    ),
    Mutation(
        "model-sha256-skipped",
        "a learned model file is run without checking its sha256 (a swapped or damaged one too)",
        "studio/face/models.py",
        "if hashlib.sha256(data).hexdigest() != LEARNED_MODEL_FILES[filename]:",
        "if False:",
        ("tests/face/test_models.py",),
    ),
    Mutation(
        "analysis-unrounded",
        "a fresh face analysis used unrounded (a session stores it rounded to 0.01 px): only dlib's "
        "fallback landmarks are not rounded already",
        "studio/face/detect.py",
        "faces = [Face.from_dict(face.to_dict()) for face in faces]",
        "faces = list(faces)",
        ("tests/promises/test_determinism.py::test_a_saved_session_renders_the_same_bits_in_a_new_process",),
    ),
    Mutation(
        "turned-frame-collapses",
        "a turned photo's automatic frame is shrunk towards the crown at the top edge "
        "(keep_inside) instead of moved in: a sliver with no face in it",
        "studio/imaging/framing.py",
        "    rect = _place_inside(ideal, anchor, kept, top_of_head, width, height, angle)",
        "    rect = keep_inside(ideal, width, height, angle, anchor)",
        ("tests/imaging/test_framing.py::test_a_turned_photo_keeps_its_linkedin_frame_around_the_face",
         "tests/cli/test_crop.py::test_a_turned_linkedin_export_keeps_the_face_frame"),
    ),
    Mutation(
        "turned-frame-cuts-crown",
        "a turned photo's automatic frame is never made smaller to keep the top of the head",
        "studio/imaging/framing.py",
        "CROWN_SHRINK = 0.1",
        "CROWN_SHRINK = 0.0",
        ("tests/imaging/test_framing.py::test_a_turned_photo_keeps_its_linkedin_frame_around_the_face",),
    ),
    Mutation(
        "moved-frame-shrinks",
        "a frame dragged against a turned photo's edge is shrunk instead of stopped",
        "studio/ui/qt_crop.py",
        "moved = move_inside(wanted, width, height, self.angle) or keep_inside(",
        "moved = None or keep_inside(",
        ("tests/ui/test_qt_crop.py::test_a_frame_moved_against_a_turned_edge_keeps_its_size",),
    ),
    Mutation(
        "brow-tail-shortened",
        "the brows protected only to the face mesh's brow ends again (no reach past the tail)",
        "studio/face/regions.py",
        "BROW_TAIL = 0.15",
        "BROW_TAIL = 0.0",
        ("tests/face/test_regions.py",),
    ),
    Mutation(
        "backdrop-picture-read-blindly",
        "a backdrop picture is read without checking it is a regular file (a FIFO hangs)",
        "studio/edits/backdrop.py",
        'return read_regular_file(path, "a backdrop picture", limit=MAX_BYTES,',
        'return path.read_bytes() or read_regular_file(path, "a backdrop picture", limit=MAX_BYTES,',
        ("tests/edits/test_backdrop.py",),
    ),
    Mutation(
        "sheet-command-gone",
        "likeness sheet is not a command (only retouch --contact-sheet makes a contact sheet)",
        "studio/cli/__init__.py",
        'COMMANDS = ("analyze", "retouch", "sheet", "batch"',
        'COMMANDS = ("analyze", "retouch", "batch"',
        ("tests/session/test_contact_sheet.py",),
    ),
    Mutation(
        "zoom-view-misses-the-head",
        "a 100% zoom view that holds none of the head region still runs the face edits on it",
        "studio/face/layers.py",
        "self.face.iod >= 4.0 and self._head_box is not None",
        "self.face.iod >= 4.0",
        ("tests/ui/test_zoom_detail.py",),
    ),
    Mutation(
        "group-matte-one-person",
        "a group's person matte keeps only the main person (the others blurred as background)",
        "studio/render/retoucher.py",
        "        self.layers = PhotoLayers(self.pixels, face, others if face is not None else ())\n",
        "        self.layers = PhotoLayers(self.pixels, face)\n",
        ("tests/render/test_everyone.py",),
    ),
    Mutation(
        "new-background-edit-person-columns-lost",
        "a background edit that knows nothing of bands loses the person's columns between its boxes",
        "studio/render/retoucher.py",
        "            if run.start > start:\n",
        "            if False:\n",
        ("tests/edits/test_protocol.py",),
    ),
    Mutation(
        "reference-someone-else-kept",
        "a reference photo of someone else is never flagged (issue 28)",
        "studio/face/reference.py",
        "SOMEONE_ELSE = 0.6",
        "SOMEONE_ELSE = 6.0",
        ("tests/face/test_reference.py::test_a_reference_of_someone_else_is_flagged_and_left_out",),
    ),
    Mutation(
        "reference-largest-face",
        "a reference with several faces always uses the largest, not the one most like you",
        "studio/face/reference.py",
        "face = int(np.argmin([np.linalg.norm(d - mean) for d in candidate.descriptors]))",
        "face = 0",
        ("tests/face/test_reference.py::test_a_group_reference_uses_the_face_most_like_the_others",),
    ),
    Mutation(
        "breakdown-reverts-nothing",
        "the likeness breakdown reverts no region (every gain 0)",
        "studio/face/breakdown.py",
        "mixed = target + mask[:, :, None] * (other - target)",
        "mixed = target + mask[:, :, None] * (target - target)",
        ("tests/face/test_reference.py::test_the_breakdown_names_the_only_region_edited",),
    ),
    Mutation(
        "check-sheet-over-headshot",
        "likeness check does not count the headshots as inputs of its sheet",
        "studio/cli/check.py",
        "plan = WritePlan(inputs=[p for _, p in headshots])",
        "plan = WritePlan(inputs=[])",
        ("tests/cli/test_check.py::test_the_sheet_is_never_written_over_an_input",),
    ),
    Mutation(
        "budget-to-me-ignored",
        "--budget-to-me holds only the likeness to the original, not how like you the file is",
        "studio/service/retouch.py",
        "return floor + min(likeness - floor, me - least_me)",
        "return likeness",
        ("tests/session/test_reference_budget.py",),
    ),
    Mutation(
        "reference-moved-kept",
        "a reopened session keeps a photo of you whose file was replaced (its hash not checked)",
        "studio/face/reference.py",
        "if file_sha256(data) != reference.sha256:",
        "if False:",
        ("tests/face/test_reference.py::test_a_session_keeps_its_references_and_refuses_a_replaced_one",),
    ),
    Mutation(
        "meter-no-like-you",
        "the studio's meter never shows 'like you'",
        "studio/ui/qt_preview.py",
        "self.meter.set_like_you(result.like_you)",
        "self.meter.set_like_you(None)",
        ("tests/ui/test_qt_me.py::test_photos_of_me_show_like_you_beside_the_likeness",),
    ),
    Mutation(
        "compare-no-like-you",
        "the compare panes do not say how like you each version is",
        "studio/ui/qt_compare.py",
        "like_you = preview.like_you(edited, identity)",
        "like_you = None",
        ("tests/ui/test_qt_me.py::test_every_compare_pane_and_the_export_bar_say_how_like_you_it_is",),
    ),
    Mutation(
        "export-bar-no-like-you",
        "the export bar does not say how like you the written file is",
        "studio/ui/qt_exporter.py",
        'likeness += "" if like_you is None else f", like you {like_you:.0f}%"',
        'likeness += ""',
        ("tests/ui/test_qt_me.py::test_every_compare_pane_and_the_export_bar_say_how_like_you_it_is",),
    ),
    Mutation(
        "contact-sheet-no-like-you",
        "the contact sheet (--ref) does not say how like you each version is",
        "studio/service/contact_sheet.py",
        "like_you = _like_you(retouched.pixels, proxy_analysis, faces, identity)",
        "like_you = None",
        ("tests/cli/test_check.py::test_the_contact_sheet_says_how_like_you_each_version_is",),
    ),
    Mutation(
        "batch-no-like-you",
        "the batch report's like_you_percent column stays empty",
        "studio/batch/task.py",
        'record["like_you_percent"] = float(like_you)',
        'record["like_you_percent"] = None',
        ("tests/cli/test_check.py::test_the_batch_report_says_how_like_you_each_file_is",),
    ),
    Mutation(
        "likeness-overlay-flat",
        "the 'Where the likeness went' overlay tints every region alike",
        "studio/face/breakdown.py",
        "window = sum(shares[name] / most * mask for name, mask in masks.items())",
        "window = sum(mask for mask in masks.values())",
        ("tests/ui/test_qt_me.py::test_the_likeness_overlay_is_reddest_where_the_edit_was",),
    ),
    Mutation(
        "reference-chips-never-read",
        "a reopened session's photos of me never get their faces back (thumbnails, breakdown)",
        "studio/face/reference.py",
        "if reference.usable and reference.chip is None and reference.face is not None:",
        "if False:",
        ("tests/ui/test_qt_me.py::test_the_session_keeps_the_photos_of_me",),
    ),
    Mutation(
        "check-someone-else-region",
        "a checked headshot of someone else is told where it 'differs most', not that it is someone else",
        "studio/session/check_sheet.py",
        'if check.colour == "red":',
        "if False:",
        ("tests/cli/test_check.py::test_someone_else_is_said_so_not_given_a_region",),
    ),
    Mutation(
        "export-renders-whole-photo",
        "a LinkedIn export renders the whole photo at full size instead of its crop at the output's scale",
        "studio/service/retouch_file.py",
        "plan = plan_render(output, analysis, indices) if photo.alpha is None else None",
        "plan = None",
        ("tests/render/test_plan.py::test_a_linkedin_export_renders_about_the_pixels_it_writes",),
    ),
    Mutation(
        "reduced-render-at-mild-scales",
        "an export is rendered at its output's scale even at a mild reduction (0.5-0.75), where the eyes' clarity differs by up to 3.7 dE00",
        "studio/render/plan.py",
        "REDUCED_SCALE_MAX = 0.5",
        "REDUCED_SCALE_MAX = 0.8",
        ("tests/render/test_plan.py::test_a_plan_rendered_export_looks_like_the_whole_render_shrunk[deepface_img3.jpg]",),
    ),
    Mutation(
        "linkedin-export-decodes-full-size",
        "a LinkedIn export of a big JPEG decodes every pixel instead of a DCT-reduced copy",
        "studio/service/retouch_file.py",
        "need = _decoded_side(settings, session, request.framing, request.save_session_to)",
        "need = None",
        ("tests/render/test_plan.py::test_a_linkedin_export_of_a_big_jpeg_decodes_it_reduced",),
    ),
    Mutation(
        "raw-no-camera-wb",
        "a camera RAW file is developed without the camera's white balance",
        "studio/imaging/raw.py",
        "use_camera_wb=True, no_auto_bright=True",
        "use_camera_wb=False, no_auto_bright=True",
        ("tests/imaging/test_raw.py",),
    ),
    Mutation(
        "raw-8-bit",
        "a camera RAW file is developed to 8 bits",
        "studio/imaging/raw.py",
        "    return _SRGB_CURVE[pixels.astype(np.uint16)]",
        "    return np.round(_SRGB_CURVE[pixels.astype(np.uint16)] * 255) / 255",
        ("tests/imaging/test_raw.py",),
    ),
    Mutation(
        "raw-preview-any-size",
        "a RAW file's embedded preview is the quick picture however small it is",
        "studio/imaging/io.py",
        "    if preview.width * preview.height < min_pixels:",
        "    if preview.width * preview.height < 0:",
        ("tests/imaging/test_raw.py",),
    ),
    Mutation(
        "sharpen-halo",
        "output sharpening's unsharp mask is not held inside each pixel's neighbourhood (halos)",
        "studio/imaging/sharpen.py",
        "out = np.clip(after + np.float32(amount) * detail, low, high)",
        "out = after + np.float32(amount) * detail",
        ("tests/imaging/test_sharpen.py::test_no_halo_at_a_strong_edge",),
    ),
    Mutation(
        "sharpen-linkedin-off",
        "a LinkedIn export is not sharpened after its resize",
        "studio/imaging/sharpen.py",
        '"linkedin": "screen",',
        '"linkedin": None,',
        ("tests/imaging/test_sharpen.py::test_the_face_keeps_its_fine_band_after_the_resize",),
    ),
    Mutation(
        "under-eye-on-the-eyes",
        "the under-eye lift is not faded out over the protected features (the eyes)",
        "studio/edits/under_eye.py",
        "    lift = (lift * work.unprotected_soft).astype(np.float32, copy=False)",
        "    lift = lift.astype(np.float32, copy=False)",
        ("tests/promises/test_quality.py::test_under_eye_meets_the_smooth_targets",
         "tests/edits/test_invariants.py"),
    ),
    Mutation(
        "consistent-highest-amount",
        "batch --consistent gives a person's photos the highest amount found, not the lowest",
        "studio/batch/consistent.py",
        "        lowest = min(inputs, key=lambda name: amounts[name])",
        "        lowest = max(inputs, key=lambda name: amounts[name])",
        ("tests/batch/test_consistent.py::test_a_person_s_photos_share_the_lowest_amount",),
    ),
    Mutation(
        "raw-exif-dropped",
        "a camera RAW file's make and model are not kept in its EXIF (nor its export's)",
        "studio/imaging/raw.py",
        "_KEPT_TAGS = (0x010E, 0x010F, 0x0110,",
        "_KEPT_TAGS = (0x010E,",
        ("tests/imaging/test_raw.py::test_a_raw_file_keeps_its_camera_exif",),
    ),
    Mutation(
        "backdrop-picture-hash-unchecked",
        "a backdrop picture edited after it was chosen is rendered without a word",
        "studio/edits/backdrop.py",
        "    if _sha256(data) != digest:",
        "    if False:",
        ("tests/edits/test_backdrop.py::test_a_missing_or_changed_picture_is_one_line",),
    ),
    Mutation(
        "backdrop-picture-sharp",
        "a backdrop picture is not blurred as a background behind a portrait is",
        "studio/edits/background.py",
        "    linear = blurred(srgb_to_linear(grid), radius)",
        "    linear = srgb_to_linear(grid)",
        ("tests/edits/test_backdrop.py::test_the_picture_is_blurred_as_a_background_behind_a_portrait",),
    ),
    Mutation(
        "backdrop-picture-unlit",
        "a backdrop picture is not lit behind the head as the colour backdrop is",
        "studio/edits/background.py",
        "    glow = cv2.resize(layers.glow, (gw, gh), interpolation=cv2.INTER_LINEAR)",
        "    glow = np.ones((gh, gw), np.float32)",
        ("tests/edits/test_backdrop.py::test_a_uniform_picture_is_lit_as_the_same_colour_backdrop",),
    ),
    Mutation(
        "raw-tiff-8-bit-inside",
        "a RAW file's 16-bit TIFF export holds 8-bit values widened",
        "studio/imaging/io.py",
        "        return with_tiff_exif(_encode_tiff16(pixels, alpha), exif)",
        "        return with_tiff_exif(_encode_tiff16(np.round(pixels * 255) / 255, alpha), exif)",
        ("tests/imaging/test_raw.py::test_retouch_a_dng_to_a_16_bit_tiff",),
    ),
    Mutation(
        "consistent-other-person-ignored",
        "batch --consistent keeps a photo in the group the user took it out of (--other-person)",
        "studio/batch/consistent.py",
        "    apart = {index(name) for name in corrections.apart} - {None}",
        "    apart = set()",
        ("tests/batch/test_consistent.py::test_the_user_corrects_the_groups",
         "tests/batch/test_consistent.py::test_the_command_line_takes_a_photo_out_of_its_group"),
    ),
    Mutation(
        "likeness-blames-sharpening",
        "the likeness of a sharpened export is measured against the original unsharpened",
        "studio/imaging/export.py",
        "                    pixels = sharpen_for_output(cut, pixels, self.sharpening, self.cut_points)",
        "                    pass",
        ("tests/imaging/test_sharpen.py::test_the_likeness_compares_the_written_picture_with_the_original_sharpened_alike",),
    ),
    Mutation(
        "planned-export-not-sharpened",
        "an export rendered at its output's scale skips the output sharpening",
        "studio/service/retouch_file.py",
        "    if kind is None or output.size[0] >= x1 - x0:\n",
        "    if True:\n",
        ("tests/imaging/test_sharpen.py::test_an_export_rendered_at_the_output_scale_is_sharpened_too",),
    ),
    Mutation(
        "shoot-name-order",
        "the filmstrip sorted by file name instead of capture time",
        "studio/ui/shoot.py",
        "key=lambda p: (p.captured, p.path.name.lower()))",
        "key=lambda p: p.path.name.lower())",
        ("tests/ui/test_qt_shoot.py::test_open_folder_shows_the_shoot_in_capture_order_with_thumbnails",),
    ),
    Mutation(
        "shoot-switch-drops-work",
        "moving through the filmstrip drops the open photo's unsaved work without asking",
        "studio/ui/qt_filmstrip.py",
        "        if not self.open_photo(path):",
        "        self.document.set_dirty(False)\n        if not self.open_photo(path):",
        ("tests/ui/test_qt_shoot.py::test_arrow_keys_move_through_the_shoot_and_each_photo_keeps_its_session",),
    ),
    Mutation(
        "sync-carries-marks",
        "Sync carries the open photo's marks to the other photos (over their own)",
        "studio/ui/shoot.py",
        "crop=None, path=None, notes=())",
        "crop=None, path=None, notes=(), marks=current.marks)",
        ("tests/ui/test_qt_shoot.py::test_sync_keeps_each_photos_own_marks",),
    ),
    Mutation(
        "sync-step-lost",
        "a synced photo opened later has no 'Sync from' step to undo",
        "studio/ui/qt_sync.py",
        "stack.push(SyncedHereCommand(self.document, synced))",
        "None",
        ("tests/ui/test_qt_shoot.py::test_sync_writes_the_look_to_each_selected_photo_one_undo_step_each",),
    ),
    Mutation(
        "export-selected-on-window-thread",
        "Export Selected runs the batch on the window's thread (the window freezes)",
        "studio/ui/qt_shoot_export.py",
        "        self.thread.start()",
        "        self.thread.run()",
        ("tests/ui/test_qt_shoot.py::test_export_selected_runs_in_the_background_and_resumes_after_cancel",),
    ),
    Mutation(
        "side-by-side-unsynced",
        "the side-by-side panes no longer pan together",
        "studio/ui/qt_side_by_side.py",
        "            bar.setValue(value)",
        "            pass",
        ("tests/ui/test_qt_shoot.py::test_side_by_side_shows_before_and_after_zoomed_and_moved_together",),
    ),
    Mutation(
        "shoot-docks-from-last-layout",
        "the filmstrip and the export's results come back with the last window's layout, no shoot open",
        "studio/ui/qt_main.py",
        "        self.filmstrip.hide_while_empty()  # shown by a shoot, not by the last layout",
        "        pass",
        ("tests/ui/test_qt_shoot.py::test_the_filmstrip_shows_only_with_a_shoot_open",),
    ),
    Mutation(
        "side-by-side-beside-split",
        "side by side leaves the split on (two before/after views lit at once)",
        "studio/ui/qt_side_by_side.py",
        "            self._actions[\"split\"].setChecked(False)",
        "            pass",
        ("tests/ui/test_qt_shoot.py::test_one_before_after_at_a_time_and_the_tools_bring_the_canvas_back",),
    ),
    Mutation(
        "export-selected-amount-blank",
        "Export Selected's Amount column is blank for an amount chosen in the studio",
        "studio/batch/sidecar.py",
        'record["amount"] = float(own["amount"])',
        'record["amount"] = None',
        ("tests/batch/test_sidecar.py::test_the_report_shows_the_amount_chosen_in_the_studio",),
    ),
    Mutation(
        "sync-carries-amount",
        "Sync gives every photo the open photo's amount of the look instead of its own within the budget",
        "studio/ui/shoot.py",
        "sliders, amount = _look_sliders(current.look, sliders), None",
        "sliders, amount = sliders, amount",
        ("tests/ui/test_qt_shoot.py::test_sync_carries_the_look_to_find_its_own_amount_and_the_export_preset",),
    ),
    Mutation(
        "likeness-folder-as-photo",
        "likeness FOLDER opens the folder as a photo (an error) instead of as a shoot",
        "studio/ui/app.py",
        "    if path is not None and os.path.isdir(path):\n        window.filmstrip.open_folder(path)",
        "    if False:\n        window.filmstrip.open_folder(path)",
        ("tests/ui/test_qt_shoot.py::test_likeness_folder_opens_the_folder_as_a_shoot",),
    ),
    Mutation(
        "export-results-squeezed",
        "a long export folder in the status widens Export Selected's panel over the filmstrip",
        "studio/ui/qt_shoot_export.py",
        "        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)",
        "        pass",
        ("tests/ui/test_qt_shoot.py::test_export_selected_runs_in_the_background_and_resumes_after_cancel",),
    ),
    Mutation(
        "side-by-side-arrows-dead",
        "Left / Right no longer move through the shoot while before and after are side by side",
        "studio/ui/qt_side_by_side.py",
        "            widget.installEventFilter(arrow_keys)",
        "            pass",
        ("tests/ui/test_qt_shoot.py::test_side_by_side_shows_before_and_after_zoomed_and_moved_together",),
    ),
    Mutation(
        "import-circle",
        "a module imports, inside a function, a module that imports it (imaging.exif -> imaging.io)",
        "studio/imaging/exif.py",
        '    """About how many bytes an EXIF value takes (strings and blobs dominate)."""\n',
        '    """About how many bytes an EXIF value takes (strings and blobs dominate)."""\n'
        "    from studio.imaging import io  # noqa: F401\n",
        ("tests/project/test_import_layers.py",),
    ),
    Mutation(
        "studio-budget-to-me-ignored",
        "the studio's look amount is found against the look's budget alone, not 'Keep at least "
        "N% like me' too",
        "studio/ui/engine.py",
        "        figure = self._to_me_figure(least, to_me)\n",
        "        figure = None\n",
        ("tests/ui/test_qt_me.py::test_keep_at_least_n_percent_like_me_eases_the_looks_amount_and_the_export",),
    ),
    Mutation(
        "two-amount-searches",
        "an export rendered at the output's scale searches the head crop for the amount first, "
        "then settles on the written file (two searches; the amount need not be the written file's strongest)",
        "studio/service/retouch_file.py",
        "    return _PlannedRender(render=render, at_output_scale=max(plan.scale) < 1.0)\n",
        "    return _PlannedRender(render=render, at_output_scale=False)\n",
        ("tests/render/test_plan.py::test_an_export_at_the_outputs_scale_finds_its_amount_on_the_written_file_alone",),
    ),
    Mutation(
        "eyes-lab-through-scikit-image",
        "the eyes and teeth go back from L*a*b* through scikit-image: every export loads it and SciPy (~0.3 s)",
        "studio/edits/blend.py",
        "    rgb = np.clip(lab_to_srgb(lab), 0.0, 1.0)  # fast_lab's inverse: no scikit-image\n",
        "    from studio.imaging.colour import lab_to_rgb\n    rgb = lab_to_rgb(lab)\n",
        ("tests/render/test_plan.py::test_a_looks_export_without_warmth_never_loads_scikit_image",),
    ),
    Mutation(
        "history-scrolls-sideways",
        "a long History entry is no longer elided to the panel's width: the panel scrolls sideways",
        "studio/ui/qt_main.py",
        "        elide_rows_to_width(self.history)",
        "        self.history.setItemDelegate(QtCutTextTips(self.history))",
        ("tests/ui/test_walkthrough.py::test_a_long_history_entry_is_elided_in_the_middle_not_scrolled_sideways",),
    ),
    Mutation(
        "look-picker-box-cut",
        "the closed look picker draws the 64 px look thumbnail in a box a line high (cut to a strip)",
        "studio/ui/qt_look_thumbs.py",
        "    combo.setIconSize(QSize(LOOK_ICON_IN_BOX, LOOK_ICON_IN_BOX))",
        "    combo.setIconSize(QSize(LOOK_THUMB_EDGE, LOOK_THUMB_EDGE))",
        ("tests/ui/test_qt_shoot.py::test_the_closed_look_picker_shows_its_thumbnail_whole_and_the_list_the_big_ones",),
    ),
    Mutation(
        "export-badge-at-the-end",
        "Export Selected badges the photos exported (E) only when the whole export ends, not as each is written",
        "studio/ui/qt_shoot_export.py",
        "            self.filmstrip.mark_exported(result.input)",
        "            pass",
        ("tests/ui/test_qt_shoot.py::test_export_selected_runs_in_the_background_and_resumes_after_cancel",),
    ),
    Mutation(
        "backdrop-picture-unnamed",
        "the backdrop row shows a picture backdrop by its image:<sha256>:<path> text, not its file name",
        "studio/ui/qt_panel.py",
        "            words = path.name\n",
        "            words = self._colour\n",
        ("tests/ui/test_walkthrough.py::test_the_backdrop_takes_a_picture_shown_by_its_name_undone_and_saved",),
    ),
    Mutation(
        "backdrop-picture-history-text",
        "the History panel names a picture backdrop step by its image:<sha256>:<path> text",
        "studio/ui/qt_commands.py",
        "        return picture_path(value).name  # not its image:<sha256>:<path>",
        "        return value",
        ("tests/ui/test_walkthrough.py::test_the_backdrop_takes_a_picture_shown_by_its_name_undone_and_saved",),
    ),
    Mutation(
        "backdrop-picture-name-widens-panel",
        "a backdrop picture's long file name is not elided: the side panel grows wider than its dock",
        "studio/ui/qt_panel.py",
        "                                               max(room, 40)))",
        "                                               10**6))",
        ("tests/ui/test_walkthrough.py::test_the_backdrop_takes_a_picture_shown_by_its_name_undone_and_saved",),
    ),
    Mutation(
        "session-unknown-keys-read",
        "a session file's unknown keys (a typo, a newer app's key) are silently ignored",
        "studio/session/model.py",
        "class _Stored(Struct, forbid_unknown_fields=True):",
        "class _Stored(Struct):",
        ("tests/session/test_model.py",),
    ),
    Mutation(
        "session-ranges-unchecked",
        "a session's numbers (crop, angle, amount, budget) are read whatever their range",
        "studio/session/model.py",
        'return says(wrong, f"is {{value}}, outside {low:g}..{high:g}", ge=low, le=high)',
        'return says(wrong, f"is {{value}}, outside {low:g}..{high:g}")',
        ("tests/session/test_model.py",),
    ),
    Mutation(
        "session-not-strict",
        "a session's text \"93\" is read as the number 93 (msgspec's lax conversion)",
        "studio/session/model.py",
        "stored = msgspec.convert(data, StoredSession, strict=True)",
        "stored = msgspec.convert(data, StoredSession, strict=False)",
        ("tests/session/test_session.py::test_an_amount_or_budget_out_of_range_is_refused",),
    ),
    Mutation(
        "session-crop-outside",
        "a crop reaching outside the photo is read from a session",
        "studio/session/model.py",
        "if self.left + self.width > 1 + eps or self.top + self.height > 1 + eps:",
        "if False:",
        ("tests/session/test_model.py",),
    ),
    Mutation(
        "session-msgspec-wording",
        "a bad session says msgspec's words (Expected `int` <= 100 - at `$.export.quality`), not ours",
        "studio/session/wording.py",
        "    for depth in range(len(steps), -1, -1):",
        "    for depth in ():",
        ("tests/session/test_model.py",),
    ),
    Mutation(
        "session-points-in-all",
        "a session's marks are not limited in points in all (only per mark)",
        "studio/session/model.py",
        "        if total > MAX_SESSION_POINTS:",
        "        if total > 100 * MAX_SESSION_POINTS:",
        ("tests/session/test_model.py", "tests/edits/test_marks.py"),
    ),
    Mutation(
        "session-pattern-dollar",
        "a session's one-line names take a final line break (a pattern ending in $, not \\Z)",
        "studio/session/model.py",
        'max_length=limit, pattern=r"^[^\\n]*\\Z")',
        'max_length=limit, pattern=r"^[^\\n]*$")',
        ("tests/session/test_model.py",),
    ),
    Mutation(
        "same-amount-never-on",
        "Export Selected's 'Same amount for each person' is off by default even with a budgeted look",
        "studio/ui/qt_shoot_export.py",
        "return document.look is not None and document.budget is not None",
        "return False",
        ("tests/ui/test_qt_people.py::test_same_amount_is_off_without_a_budgeted_look",),
    ),
    Mutation(
        "same-amount-second-pass-own-amount",
        "Export Selected's second pass writes each photo again at its own amount, not its person's",
        "studio/batch/sidecar.py",
        "at = session_to_dict(own_at_amount(own, amounts[input_path]))",
        "at = session_to_dict(own)",
        ("tests/ui/test_qt_people.py::test_export_selected_gives_a_person_s_photos_the_lowest_amount",),
    ),
    Mutation(
        "people-file-not-used",
        "Export Selected ignores the shoot's people file (the user's corrections of who is who)",
        "studio/ui/qt_shoot_export.py",
        "return SameAmount(corrections, self.workers, dict(self.written))",
        "return SameAmount(type(corrections)(), self.workers, dict(self.written))",
        ("tests/ui/test_qt_people.py::test_these_are_the_same_person_joins_two_people_and_is_kept",),
    ),
    Mutation(
        "someone-else-not-apart",
        "This Is Someone Else leaves the photo joinable to its look-alikes",
        "studio/ui/shoot.py",
        "apart = (*corrections.apart, *(n for n in names if n not in corrections.apart))",
        "apart = corrections.apart",
        ("tests/ui/test_qt_people.py::test_this_is_someone_else_takes_a_photo_out_of_its_person",),
    ),
    Mutation(
        "people-file-broken-raises",
        "a people file that is not JSON raises instead of being ignored with a notice",
        "studio/ui/shoot.py",
        "    except (ValueError, RecursionError):\n        reason = f\"{shown(path)}: not a people file",
        "    except RecursionError:\n        reason = f\"{shown(path)}: not a people file",
        ("tests/ui/test_qt_people.py::test_a_broken_people_file_is_ignored_with_one_line",),
    ),
    Mutation(
        "same-amount-cancel-not-said",
        "a Cancel during the second pass of Export Selected is taken for the end of the export",
        "studio/ui/qt_shoot_export.py",
        "        raise BatchInterrupted([written_again.get(r.input, r) for r in results]) from None",
        "        return [written_again.get(r.input, r) for r in results]",
        ("tests/ui/test_qt_people.py::test_cancel_while_a_person_s_photos_are_written_again",),
    ),
    Mutation(
        "resume-forgets-written-amounts",
        "Resume after a Cancel in the second pass forgets the amounts of the photos already written",
        "studio/ui/qt_shoot_export.py",
        "known = [same_amount.written.get(r.input, r) if r.input in skipped else r for r in results]",
        "known = list(results)",
        ("tests/ui/test_qt_people.py::test_cancel_while_a_person_s_photos_are_written_again",),
    ),
    Mutation(
        "own-amount-rescales-hand-set",
        "a shoot photo written again at its person's amount rescales the sliders the user set by hand",
        "studio/batch/consistent.py",
        "open_keys = set(protocol.face_keys()) - set(held_keys(session.sliders, scaled(look, own)))",
        "open_keys = set(protocol.face_keys())",
        ("tests/ui/test_shoot.py::test_a_photo_s_own_session_at_its_person_s_amount",),
    ),
    Mutation(
        "consistent-redoes-the-lowest",
        "the photo whose amount is its person's is written again too",
        "studio/batch/consistent.py",
        "and written[job.shown_input] > group.amount + 1e-9]",
        "and written[job.shown_input] > group.amount - 1e-9]",
        ("tests/ui/test_shoot.py::test_a_person_s_photos_above_its_amount_are_written_again_in_one_batch",),
    ),
    Mutation(
        "hog-file-unchecked",
        "the HOG detector file make models saves is read without checking it is dlib's own detector",
        "studio/face/detect.py",
        "        if hashlib.sha256(path.read_bytes()).hexdigest() == HOG_DETECTOR_SHA256:",
        "        if path.is_file():",
        ("tests/face/test_face.py::test_the_hog_detector_set_up_saves_is_dlibs_own",),
    ),
    Mutation(
        "ready-reads-68-points",
        "getting ready reads dlib's 68-point landmark model even when the face mesh gives the landmarks",
        "studio/face/likeness.py",
        "    if not mesh.available():\n        landmark_predictor()",
        "    if True:\n        landmark_predictor()",
        ("tests/face/test_face.py::test_getting_ready_reads_dlibs_68_point_model_only_without_the_mesh",),
    ),
    Mutation(
        "descriptor-cache-too-small",
        "the descriptors' cache holds 8 again: a group's originals are read again at every step",
        "studio/face/likeness.py",
        "_RECENT_SIZE = 4096",
        "_RECENT_SIZE = 8",
        ("tests/render/test_everyone.py::test_a_group_s_amount_steps_read_each_face_s_original_once",),
    ),
    Mutation(
        "descriptor-helper-unused",
        "the studio's helper process is not used (dlib's CNN and descriptors freeze the window)",
        "studio/ui/app.py",
        "    helper_process.use_helper_process(pool)\n    return pool",
        "    return pool",
        ("tests/face/test_face.py::test_the_studio_s_likeness_descriptors_come_from_its_helper_process",),
    ),
    Mutation(
        "preview-waits-for-the-drag",
        "the preview shows only the newest render (a drag shows nothing until it stops)",
        "studio/ui/qt_preview.py",
        'progressive=name == "render"',
        "progressive=False",
        ("tests/ui/test_window.py::test_the_preview_follows_a_drag_whose_renders_are_slower_than_the_mouse",),
    ),
    Mutation(
        "cut-face-measured",
        "a face the frame cuts is measured (its descriptor reads part of a face)",
        "studio/face/likeness.py",
        "        if not inside_frame(face, original.shape):\n            continue\n",
        "",
        ("tests/promises/test_one_likeness.py::test_a_face_the_frame_cuts_is_not_measured_and_its_look_stays_at_its_own_strength",),
    ),
    Mutation(
        "unmeasured-look-pushed",
        "with no face to measure, a look's amount search goes to 150%",
        "studio/render/amount.py",
        "    return 100.0 if steps <= round(1.0 / STEP) else 0.0",
        "    return 100.0",
        ("tests/promises/test_one_likeness.py::test_a_face_the_frame_cuts_is_not_measured_and_its_look_stays_at_its_own_strength",),
    ),
    Mutation(
        "smooth5-tone-soft-limit",
        "smooth evens the skin's colour at version 4's soft limit (0.75 of the band's RMS): faces whose uneven tone lies near the features and under hair keep more than 0.75 of it",
        "studio/edits/smooth.py",
        "TONE_SOFT_LIMIT = 0.4\n",
        "TONE_SOFT_LIMIT = 0.75\n",
        ("tests/edits/test_smooth.py::test_smooth_evens_tone_and_keeps_freckles[deepface_img57.jpg]",),
    ),
    Mutation(
        "smooth5-tone-amount-all",
        "smooth evens every face's colour fully, not only down to TONE_KEPT: faces with strong blotches pay for it in skin colour shift",
        "studio/edits/smooth.py",
        "    band *= np.float32(_amount(",
        "    band *= np.float32(1.0 or _amount(",
        ("tests/promises/test_quality.py::test_smooth_meets_quality_targets[facenet-pytorch_paul_rudd_1.jpg]",),
    ),
    Mutation(
        "smooth5-nose-share",
        "smooth takes as much lightness beside the nose as elsewhere (version 4): rudd's aligned distance passes 0.09",
        "studio/edits/smooth.py",
        "NOSE_SHARE = 0.9\n",
        "NOSE_SHARE = 1.0\n",
        ("tests/edits/test_smooth.py::test_smooth_evens_tone_and_keeps_freckles[facenet-pytorch_paul_rudd_1.jpg]",),
    ),
    Mutation(
        "export-selected-in-the-foreground",
        "Export Selected's thread and workers run at the window's priority (they do not give way to it)",
        "studio/process.py",
        "        if os.getpriority(os.PRIO_PROCESS, 0) < nice:",
        "        if False:",
        ("tests/ui/test_qt_shoot.py::test_export_selected_runs_in_the_background_and_resumes_after_cancel",),
    ),
    Mutation(
        "start-up-objects-collected",
        "the studio's start-up objects stay in the garbage collector's sight (every full collection walks them, the window frozen)",
        "studio/ui/app.py",
        "    gc.freeze()",
        "    pass",
        ("tests/project/test_first_run.py::test_the_garbage_collector_leaves_the_studios_start_up_alone",),
    ),
    Mutation(
        "session-imports-service",
        "the session layer reaches up into the services (a look loaded through studio.service)",
        "studio/session/looks.py",
        "    text = str(name_or_file)\n",
        "    from studio.service import retouch_file  # noqa: F401\n    text = str(name_or_file)\n",
        ("tests/project/test_import_layers.py::test_no_module_outside_ui_imports_qt_or_an_upper_layer",),
    ),
    Mutation(
        "retouch-rewrites-args",
        "'likeness retouch' writes the photo and session it found back into args",
        "studio/cli/retouch.py",
        "    image, session_file = photo_and_session(args.image, args.session)\n",
        "    image, session_file = args.image, args.session = photo_and_session(args.image,"
        " args.session)\n",
        ("tests/project/test_structure.py::test_no_command_rewrites_its_arguments",
         "tests/cli/test_retouch.py::test_the_command_builds_its_request_and_leaves_the_arguments_as_typed"),
    ),
    Mutation(
        "profile-stamped-with-the-time",
        "the sRGB profile every file carries keeps the time lcms made it (the same export differs from run to run)",
        "studio/imaging/io.py",
        "    made[24:36] = struct.pack(\">6H\", *PROFILE_DATE)\n",
        "",
        ("tests/imaging/test_export.py::test_the_same_picture_makes_the_same_file_in_every_run",),
    ),
    Mutation(
        "controller-imports-window",
        "a controller imports the window again (Sync hinted with QtStudioWindow): the window is reached through, not wired",
        "studio/ui/qt_sync.py",
        "    from .qt_notice import Notices\n",
        "    from .qt_main import QtStudioWindow  # noqa: F401\n    from .qt_notice import Notices\n",
        ("tests/ui/test_structure_ui.py::test_no_controller_imports_the_window",),
    ),
    Mutation(
        "draft-becomes-the-preview",
        "a drag's draft becomes the preview's sliders (what the likeness, the circle and the export read)",
        "studio/ui/qt_preview.py",
        "        self.on_screen = result.sliders\n        self._likeness_timer.stop()\n",
        "        self.on_screen = self.sliders = result.sliders\n        self._likeness_timer.stop()\n",
        ("tests/ui/test_qt_preview.py",),
    ),
    Mutation(
        "draft-never-replaced",
        "the full render never replaces a drag's draft once the hand rests",
        "studio/ui/qt_preview.py",
        "        if owed == _cache_key(sliders, marks):\n",
        "        if owed is None:\n",
        ("tests/ui/test_qt_preview.py",),
    ),
    Mutation(
        "old-dock-layout-restored",
        "a dock layout saved by an older studio is restored (Export Selected left of the filmstrip)",
        "studio/ui/qt_main.py",
        "            self.restoreState(state, DOCK_LAYOUT)",
        "            self.restoreState(state)",
        ("tests/ui/test_qt_shoot.py::"
         "test_a_layout_left_by_an_older_studio_gives_way_and_the_users_own_is_kept",),
    ),
    Mutation(
        "bench-compiles-every-run",
        "the bench's processes compile the studio's modules each run (no bytecode cache)",
        "studio/bench.py",
        '    env.pop("PYTHONDONTWRITEBYTECODE", None)\n',
        '    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")\n',
        ("tests/cli/test_bench.py::test_a_bench_process_reads_its_bytecode_as_an_installed_app",),
    ),
    Mutation(
        "local-import-without-reason",
        "an import moved back inside a function with no reason (it keeps nothing off a start-up)",
        "studio/batch/sidecar.py",
        "    own = session_from_dict(",
        "    from studio.session import session_from_dict\n\n    own = session_from_dict(",
        ("tests/project/test_import_layers.py",),
    ),
    Mutation(
        "quality-original-by-shape",
        "the figures remember an original by its size alone (another photo reads stale figures)",
        "studio/render/quality.py",
        "        digest.update(part.data)\n",
        "        digest.update(b'')\n",
        ("tests/render/test_quality.py::test_a_changed_original_is_measured_again",),
    ),
    Mutation(
        "thumbnails-at-once",
        "the looks' thumbnails start the moment a photo opens, sharing the cores with its first preview",
        "studio/ui/qt_look_thumbs.py",
        "            combo.setItemIcon(i, QIcon())\n        self._later.start()\n",
        "            combo.setItemIcon(i, QIcon())\n        self._later.start()\n        self._make_now()\n",
        ("tests/ui/test_qt_shoot.py::test_the_thumbnails_wait_for_the_photo_s_first_moments_or_the_picker",),
    ),
    Mutation(
        "thumbnails-not-on-picker",
        "opening the look picker early does not make its thumbnails: they come only after the delay",
        "studio/ui/qt_look_thumbs.py",
        "        combo.view().installEventFilter(self._relay)\n",
        "",
        ("tests/ui/test_qt_shoot.py::test_the_thumbnails_wait_for_the_photo_s_first_moments_or_the_picker",),
    ),
    Mutation(
        "thumbnails-during-a-drag",
        "the looks' thumbnails start during the first slider moves after opening, not once they rest",
        "studio/ui/qt_look_thumbs.py",
        "        if self._later.isActive():\n            self._later.start()\n",
        "        pass\n",
        ("tests/ui/test_qt_shoot.py::test_the_thumbnails_wait_while_the_sliders_move",),
    ),
    Mutation(
        "thumbnails-on-a-new-retoucher",
        "each look's thumbnail prepares a retoucher of its own instead of the amount search's crop",
        "studio/ui/qt_look_thumbs.py",
        "    out = face_search(pixels, analysis, index).render(sliders)\n",
        "    from studio.render import Retoucher\n    out = Retoucher(pixels, analysis, face_index=index).render(sliders)\n",
        ("tests/ui/test_qt_shoot.py::test_a_look_thumbnail_reuses_the_amount_search_s_prepared_crop",),
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
