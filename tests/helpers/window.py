"""Driving the studio window as a user would (pytest-qt): open a photo and wait, export through
the dialog, wait for the preview. The window fixtures (``make_window``, ``dialogs``) are in
tests/ui/conftest.py."""

from __future__ import annotations

from studio.ui.qt_export import QtExportDialog
from studio.ui.qt_main import QtStudioWindow

WAIT = 90_000  # ms: generous, the machine is shared


def open_and_wait(qtbot, window: QtStudioWindow, path=None) -> None:
    window.opener.open_path(path)
    qtbot.waitUntil(lambda: not window.opener.opening and window.preview.pixels is not None,
                    timeout=WAIT)


def export_with_dialog(qtbot, window: QtStudioWindow, monkeypatch, preset: str, out):
    """Export through the Export dialog as a user would (``preset`` and the file ``out``
    chosen, OK pressed); waits for the export and returns its result."""

    def exec_(dialog):
        dialog.set_preset(preset)
        dialog.path_edit.setText(str(out))
        return QtExportDialog.DialogCode.Accepted

    monkeypatch.setattr(QtExportDialog, "exec", exec_)
    with qtbot.waitSignal(window.exporter.finished, timeout=WAIT) as blocker:
        window.export_action.trigger()
    return blocker.args[0]


def wait_for_preview(qtbot, window: QtStudioWindow, **expected) -> None:
    """Wait until the preview on screen shows these slider values."""

    def shown():
        return window.preview.sliders is not None and all(
            window.preview.sliders[k] == v for k, v in expected.items()
        )

    qtbot.waitUntil(shown, timeout=WAIT)
