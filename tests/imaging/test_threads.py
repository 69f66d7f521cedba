"""An export gives the same bits whatever the number of threads (``--threads N``)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.bench import EVERY_EDIT_ON, closeup_portrait
from studio.face import analyze, likeness_distance
from studio.imaging import encode
from studio.imaging.threads import set_threads, threads
from studio.render import render_photo


@pytest.fixture
def restore_threads():
    before = threads()
    yield
    set_threads(before)


def test_six_megapixel_export_is_bit_identical_on_one_and_two_threads(restore_threads):
    pixels = closeup_portrait(6.0)
    analysis = analyze(pixels)
    assert analysis.faces
    results = []
    for count in (1, 2):
        set_threads(count)
        rendered = render_photo(pixels, analysis, EVERY_EDIT_ON)
        results.append((rendered, likeness_distance(pixels, rendered, analysis.face()),
                        encode(rendered, "PNG")))
    (one, one_distance, one_png), (two, two_distance, two_png) = results
    assert not np.array_equal(one, pixels)  # the edits did something
    assert np.array_equal(one, two)
    assert one_distance == two_distance
    assert one_png == two_png


def test_threads_option_is_checked(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "studio", "retouch", "x.jpg", "-o",
                           str(tmp_path / "o.jpg"), "--threads", "0"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "--threads must be 1 or more" in done.stderr and "Traceback" not in done.stderr
