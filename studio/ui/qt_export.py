"""The export dialog: a purpose (LinkedIn / Portfolio / Original / Custom), options, a file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.imaging.export import ASPECTS, ExportSettings, output_suffix

from .qt_panel import QtCirclePreview

#: Presets as the user sees them, in menu order.
PRESET_LABELS = {
    "linkedin": "LinkedIn — square, face-centred, 1024 px JPEG",
    "portfolio": "Portfolio — long edge 2048 px, high-quality JPEG",
    "banner": "LinkedIn banner — 1584 × 396 JPEG, framed on the head",
    "original": "Original size — full resolution, same format",
    "custom": "Custom…",
}
_FORMATS = ("jpeg", "png", "tiff", "webp")
#: The formats a quality applies to (PNG and TIFF are lossless).
_LOSSY = ("jpeg", "webp")


class QtExportDialog(QDialog):
    """Choose a preset, its options and the output file. ``settings()`` and ``path()`` give
    the answer after ``exec()`` returns Accepted."""

    def __init__(
        self,
        parent: QWidget | None,
        source_path: Path | None,
        source_format: str,
        preset: str = "linkedin",
        circle: QImage | None = None,
        folder: Path | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle("Export")
        self.setMinimumWidth(560)
        self.source_path = source_path
        self.source_format = source_format
        self.folder = folder or (source_path.parent if source_path else Path.home())
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.preset_combo = QComboBox(self)
        self.preset_combo.setObjectName("export_preset")
        for key, label in PRESET_LABELS.items():
            self.preset_combo.addItem(label, key)
        form.addRow("Export for", self.preset_combo)
        form.addRow(self._build_custom())
        self.keep_metadata = QCheckBox("Keep private metadata (GPS, serial numbers)", self)
        form.addRow("", self.keep_metadata)
        path_row = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("export_path")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._on_browse)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form.addRow("File", path_row)
        layout.addLayout(form)

        self.circle = QtCirclePreview(self)
        self.circle.set_image(circle)
        self.circle_caption = QLabel("How LinkedIn will show it", self)
        self.circle_caption.setObjectName("caption")
        layout.addWidget(self.circle, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.circle_caption, 0, Qt.AlignmentFlag.AlignHCenter)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.preset_combo.currentIndexChanged.connect(self._on_preset_change)
        self.format_combo.currentIndexChanged.connect(self._on_preset_change)
        self.set_preset(preset)

    def _build_custom(self) -> QWidget:
        """The custom preset's options: long edge, aspect, format, quality."""
        self.custom = QWidget(self)
        custom_form = QFormLayout(self.custom)
        custom_form.setContentsMargins(0, 0, 0, 0)
        self.size_spin = QSpinBox(self.custom)
        self.size_spin.setRange(0, 20000)
        self.size_spin.setSpecialValueText("full size")
        self.size_spin.setSuffix(" px")
        self.aspect_combo = QComboBox(self.custom)
        self.aspect_combo.addItems(list(ASPECTS))
        self.format_combo = QComboBox(self.custom)
        self.format_combo.addItems([f.upper() for f in _FORMATS])
        self.quality_spin = QSpinBox(self.custom)
        self.quality_spin.setRange(1, 100)
        self.quality_spin.setValue(92)
        custom_form.addRow("Long edge", self.size_spin)
        custom_form.addRow("Aspect", self.aspect_combo)
        custom_form.addRow("Format", self.format_combo)
        custom_form.addRow("Quality", self.quality_spin)
        return self.custom

    def set_preset(self, preset: str) -> None:
        self.preset_combo.setCurrentIndex(self.preset_combo.findData(preset))
        self._on_preset_change()

    def settings(self) -> ExportSettings:
        preset = self.preset_combo.currentData()
        if preset != "custom":
            return ExportSettings(preset=preset, keep_metadata=self.keep_metadata.isChecked())
        return ExportSettings(
            preset="custom",
            size=self.size_spin.value() or None,
            aspect=self.aspect_combo.currentText(),
            format=_FORMATS[self.format_combo.currentIndex()],
            quality=self.quality_spin.value(),
            keep_metadata=self.keep_metadata.isChecked(),
        )

    def set_settings(self, settings: ExportSettings) -> None:
        """Show ``settings`` (a session's, or the last export's): preset and options."""
        if settings.size is not None:
            self.size_spin.setValue(settings.size)
        if settings.aspect is not None:
            if self.aspect_combo.findText(settings.aspect) < 0:  # a W:H of the command line
                self.aspect_combo.addItem(settings.aspect)
            self.aspect_combo.setCurrentText(settings.aspect)
        if settings.format is not None:
            self.format_combo.setCurrentIndex(_FORMATS.index(settings.format))
        if settings.quality is not None:
            self.quality_spin.setValue(settings.quality)
        self.keep_metadata.setChecked(settings.keep_metadata)
        self.set_preset(settings.preset)

    def path(self) -> Path:
        return Path(self.path_edit.text()).expanduser()

    def _default_path(self) -> Path:
        settings = self.settings()
        stem = self.source_path.stem if self.source_path else "portrait"
        suffix = output_suffix(settings, self.source_format)
        return self.folder / f"{stem}-{settings.preset}{suffix}"

    def _on_preset_change(self, *_args) -> None:
        preset = self.preset_combo.currentData()
        self.custom.setVisible(preset == "custom")
        lossy = _FORMATS[self.format_combo.currentIndex()] in _LOSSY
        self.quality_spin.setEnabled(lossy)
        self.quality_spin.setToolTip("" if lossy else "PNG and TIFF are lossless: no quality to choose")
        self.circle.setVisible(preset == "linkedin")
        self.circle_caption.setVisible(preset == "linkedin")
        current = self.path_edit.text()
        # follow the preset while the user has not typed a name of their own
        if not current or Path(current).parent == self.folder:
            self.path_edit.setText(str(self._default_path()))
        self.adjustSize()

    def _on_browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export to",
            self.path_edit.text(),
            "Images (*.jpg *.jpeg *.png *.tif *.tiff *.webp)",
        )
        if path:
            self.path_edit.setText(path)
