"""The studio's export can never write the open photo: not when the file dialog returns its
path, and not through a link to it. Driven through the real dialog (its Browse button and
QFileDialog), offscreen; the user gets an error dialog and the photo keeps its bytes."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton  # noqa: E402

from studio.imaging import save  # noqa: E402
from studio.imaging.sample import sample_photo  # noqa: E402
from studio.ui import app as studio_app  # noqa: E402
from studio.ui.qt_export import QtExportDialog  # noqa: E402
from studio.ui.qt_main import QtStudioWindow  # noqa: E402

WAIT = 90_000  # ms: generous, the machine is shared


@pytest.fixture
def warnings(monkeypatch):
    """Message boxes captured instead of shown; closing discards unsaved changes."""
    shown: list[str] = []

    def warning(parent, title, text, *args, **kwargs):
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(
        QMessageBox, "question",
        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard),
    )
    return shown


@pytest.fixture
def window(qtbot, warnings):
    studio_app.make_application()
    window = QtStudioWindow()
    qtbot.addWidget(window)
    window.show()
    yield window
    window.document.set_dirty(False)
    window.close()


@pytest.mark.parametrize("through", ["the photo's own path", "a link to the photo"])
def test_export_never_writes_the_open_photo(qtbot, window, warnings, tmp_path, monkeypatch,
                                            through):
    photo = save(tmp_path / "me.jpg", sample_photo().pixels)
    before = photo.read_bytes()
    target = photo
    if through == "a link to the photo":
        target = tmp_path / "me-linkedin.jpg"
        os.symlink(photo, target)
    window.opener.open_path(photo)
    qtbot.waitUntil(lambda: not window.opener.opening and window.preview.pixels is not None,
                    timeout=WAIT)
    window.panel.rows["smooth"].box.setValue(0.6)  # an edit, so there is something to write

    chosen = []

    def get_save_file_name(*args, **kwargs):
        chosen.append(str(target))
        return str(target), "Images (*.jpg *.jpeg *.png *.tif *.tiff *.webp)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save_file_name))

    def exec_(dialog):
        dialog.set_preset("linkedin")  # a JPEG, like the photo: the name alone is acceptable
        browse = next(b for b in dialog.findChildren(QPushButton) if "Browse" in b.text())
        browse.click()  # the user picks the file in the file dialog
        return QtExportDialog.DialogCode.Accepted

    monkeypatch.setattr(QtExportDialog, "exec", exec_)
    finished = []
    window.exporter.finished.connect(finished.append)
    window.export_action.trigger()
    assert chosen, "the export dialog never asked the file dialog"
    # Refused before rendering (an error dialog at once) or by the export job (then the
    # export finishes with the error): either way nothing may be left running or written.
    qtbot.waitUntil(lambda: bool(warnings) or bool(finished), timeout=WAIT)
    assert photo.read_bytes() == before, "the open photo was written over"
    assert warnings, "no error dialog: the export went ahead"
    assert len(warnings) == 1 and "\n" not in warnings[0], warnings
    if through == "a link to the photo":
        assert os.path.islink(target) and os.path.samefile(target, photo)



@pytest.mark.parametrize("through", ["the photo's own path", "a link to it"])
def test_the_retouch_service_never_writes_its_photo(tmp_path, through):
    """The one retouch service (the studio's, the CLI's and the batch's export), called with
    no write plan of its own, still refuses the photo it was given as its output."""
    from studio.errors import LikenessError
    from studio.face import analyze
    from studio.imaging import load
    from studio.imaging.export import ExportSettings
    from studio.service.retouch import ExportPlan, retouch_photo

    path = tmp_path / "me.png"
    save(path, sample_photo().pixels[:256, :256])
    before = path.read_bytes()
    target = path
    if through == "a link to it":
        target = tmp_path / "link.png"
        os.symlink(path, target)
    photo = load(path)
    with pytest.raises(LikenessError):
        retouch_photo(photo, analyze(photo.pixels), {"smooth": 0.5},
                      ExportPlan(settings=ExportSettings(preset="original"), output=target))
    assert path.read_bytes() == before
