"""Which tests the quick tier (``make check``: ``-m "not slow"``) leaves out, and which files
start first; tests/conftest.py applies them (``make test`` runs everything)."""

from __future__ import annotations

#: Test files left out of the quick tier (``make check``: ``-m "not slow"``), relative to tests/:
#: sweeps over many real photos, long subprocesses (the soak, a fresh install), full-resolution
#: renders. A single test elsewhere is marked ``@pytest.mark.slow`` itself. ``make test`` runs
#: everything.
SLOW_MODULES = frozenset({
    "promises/test_soak.py", "ui/test_qt_refcount.py", "promises/test_golden_full.py",  # long runs
    "face/test_face.py", "edits/test_smooth.py", "promises/test_looks_quality.py",
    "promises/test_look_purposes.py", "promises/test_quality.py", "promises/test_landmark_shift.py",
    "face/test_matte.py", "edits/test_suggest.py", "promises/test_small_faces.py",
    "edits/test_shine.py", "render/test_stage_scale.py", "imaging/test_framing.py",
    "face/test_mesh.py", "promises/test_matte.py", "face/test_likeness.py",
    "edits/test_marks_photos.py", "face/test_regions.py",  # sweeps over real photos
    "promises/test_hostile_inputs.py", "promises/test_determinism.py", "batch/test_batch.py",
    "cli/test_bench.py",  # a process per case: 58% of make check's time (docs/notes/test-speed.md)
    # the next 17: 1,070 of the quick tier's 2,080 s (worker time, 7 Dec, load ~9; tests/README.md)
    "render/test_plan.py", "render/test_amount.py", "render/test_everyone.py",  # real-photo sweeps
    "promises/test_one_likeness.py", "imaging/test_sharpen.py", "imaging/test_threads.py",
    "session/test_reference_budget.py", "cli/test_check.py",
    "ui/test_qt_people.py", "ui/test_qt_shoot.py", "ui/test_qt_amount.py", "ui/test_qt_me.py",
    "ui/test_restore.py",  # real photos in the window, shoot exports, a studio killed
    "face/test_models.py", "batch/test_consistent.py", "batch/test_resume.py",  # a process per case
    "project/test_first_command.py",  # collects the whole suite in a process
})
#: Single tests left out of the quick tier as well (file under tests/ :: test function): the
#: longest left in it (7-18 s each, 125 of its 644 s of worker time, 7 Dec), kept out of the
#: test files so the rule lives in one place.
SLOW_TESTS = frozenset({
    "cli/test_retouch.py::test_faces_all_retouches_everyone_and_min_likeness_checks_each",
    "render/test_fast_paths.py::test_moves_on_a_big_photo_give_the_same_bits_as_a_one_off_render",
    "render/test_fast_paths.py::test_slider_moves_give_the_same_bits_as_a_fresh_render",
    "ui/test_walkthrough.py::test_the_first_hand_edit_after_a_look_moves_no_slider",
    "ui/test_recovery.py::test_reopening_a_photo_restores_its_saved_session_and_a_new_photo_starts_neutral",
    "ui/test_recovery.py::test_autosave_keeps_the_last_edit_and_it_comes_back_after_a_crash",
    "ui/test_recovery.py::test_the_last_edit_survives_kill_9_of_the_studio",
    "ui/test_qt_marks.py::test_suggested_marks_on_a_painted_spot_and_mole",
    "ui/test_qt_marks.py::test_the_export_carries_the_marks",
    "ui/test_window.py::test_ctrl_click_retouches_a_chosen_set_of_faces_in_preview_session_and_export",
    "ui/test_window.py::test_several_faces_can_be_picked_and_undone",
    "imaging/test_raw.py::test_a_batch_of_a_shoot_with_a_cut_raw_file_writes_the_rest",
    "edits/test_background.py::test_neutral_sliders_return_the_input_bits",
    "promises/test_sessions.py::test_a_session_of_a_on_photo_b_renders_as_b_with_its_own_face",
    "project/test_first_run.py::test_the_garbage_collector_leaves_the_studios_start_up_alone",
})
#: Run first, in this order (``make test`` hands out a file at a time to its workers): every
#: file of 40 s or more, longest first, so the last files either worker starts are short ones
#: and neither waits long for the other at the end. The order is each file's wall time in a
#: full run (8 Dec, load 10; docs/notes/test-speed.md): CPU time misses the work of the
#: processes a file does not wait for itself (a batch's pool, a shoot's export at low priority).
#: Unlisted, the window's files (``ui/``) came last in collection order and made the tail.
LONGEST_FIRST: tuple[str, ...] = (
    "promises/test_soak.py", "cli/test_bench.py", "ui/test_qt_people.py",  # 700, 400, 280 s
    "promises/test_determinism.py", "promises/test_quality.py", "render/test_plan.py",
    "promises/test_hostile_inputs.py", "ui/test_window.py", "edits/test_smooth.py",
    "face/test_face.py", "ui/test_qt_me.py", "batch/test_batch.py", "render/test_amount.py",
    "render/test_stage_scale.py", "promises/test_one_likeness.py",
    "promises/test_look_purposes.py", "ui/test_qt_crop.py", "face/test_regions.py",
    "batch/test_consistent.py", "ui/test_qt_shoot.py", "promises/test_looks_quality.py",
    "ui/test_qt_amount.py", "ui/test_restore.py", "ui/test_qt_refcount.py",
    "promises/test_adversarial_cli.py", "face/test_matte.py", "ui/test_walkthrough.py",
    "ui/test_qt_marks.py", "promises/test_zero.py", "edits/test_suggest.py",
    "render/test_fast_paths.py", "promises/test_small_faces.py", "face/test_models.py",
    "promises/test_landmark_shift.py",  # 39 s
)
