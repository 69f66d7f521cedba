"""The side panel: look picker, face picker, likeness meter and the sliders, grouped.

The sliders are generated from ``studio.edits.sliders.SLIDERS`` (label, range, default, help).
The panel shows the document's values (updated with signals blocked, so no feedback loop)
and reports what the user does through its signals; the window turns those into undoable
commands.
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.edits.backdrop import is_picture, picture_grid, picture_path, picture_value
from studio.edits.background import backdrop_shades
from studio.edits.sliders import GROUPS, SLIDERS, Slider
from studio.errors import LikenessError
from studio.face.reference import LIKE_YOU_AMBER, LIKE_YOU_RED, like_you_said, like_you_words

from .engine import retouched_faces
from .model import FACE_KEYS, StudioDocument
from .qt_canvas import qimage_from_rgb8
from .qt_slider import QtClickSlider

#: The face picker's thumbnails, screen pixels.
THUMBNAIL = 40

#: A slider's step (its value box shows two decimals).
STEP = 0.01
#: Panel groups in order; "Framing" holds the LinkedIn circle preview.
PANEL_GROUPS = (*GROUPS, "Framing")
#: Likeness below this percent shows the warning state.
LIKENESS_WARNING = 80.0
LIKENESS_TOOLTIP = (
    "How recognisable you still are: a face-recognition comparison of the edit with the "
    "original (100% = identical). Below {warn:.0f}% the edit starts to change who the person "
    "looks like; ease off the strongest sliders."
)
LIKE_YOU_TOOLTIP = (
    "Like you: the face compared with your own photos (Add photos of me…). Two photos of one "
    "person read about 55-90%, other people below 20% (docs/quality.md): amber below "
    "{amber:.0f}%, red below {red:.0f}%."
)
CUSTOM_LOOK = "Custom"
#: The sliders the backdrop is rendered with (its swatch shows their effect).
BACKDROP_LIGHTING = ("bg_light", "bg_desaturate")


class _ResetOnDoubleClick(QObject):
    """Event filter: double-clicking a slider calls ``reset``."""

    def __init__(self, reset, parent=None):
        super().__init__(parent)
        self._reset = reset

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.MouseButtonDblClick:
            self._reset()
            return True
        return False


class QtSliderRow(QObject):
    """One numeric slider: label, slider, value box and reset button (widgets in a grid row).

    Signals: ``edited(key, value)`` while the user moves it; ``released(key)`` at the end of a drag.
    """

    edited = Signal(str, object)
    released = Signal(str)

    def __init__(self, spec: Slider, grid: QGridLayout, row: int, parent: QWidget):
        super().__init__(parent)
        self.spec = spec
        self.label = QLabel(spec.label, parent)
        self.label.setToolTip(spec.help)
        self.slider = QtClickSlider(parent, spec.minimum, spec.maximum, STEP)
        self.slider.setObjectName(f"slider_{spec.key}")
        self.slider.setSingleStep(1)
        self.slider.setPageStep(10)
        self.slider.setToolTip(spec.help + "\nDouble-click to reset.")
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.setProperty("bipolar", spec.minimum < 0)  # styled without a left fill
        self.box = QDoubleSpinBox(parent)
        self.box.setObjectName(f"value_{spec.key}")
        self.box.setRange(spec.minimum, spec.maximum)
        self.box.setDecimals(2)
        self.box.setSingleStep(0.05)
        self.box.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
        self.box.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.box.setFixedWidth(50)
        self.box.setKeyboardTracking(False)
        self.reset_button = QToolButton(parent)
        self.reset_button.setObjectName("reset")
        self.reset_button.setText("↺")
        self.reset_button.setToolTip(f"Reset {spec.label.lower()}")
        self.reset_button.setAutoRaise(True)
        grid.addWidget(self.label, row, 0)
        grid.addWidget(self.slider, row, 1)
        grid.addWidget(self.box, row, 2)
        grid.addWidget(self.reset_button, row, 3)
        self._filter = _ResetOnDoubleClick(self.reset, self)
        self.slider.installEventFilter(self._filter)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.slider.sliderReleased.connect(lambda: self.released.emit(self.spec.key))
        self.box.valueChanged.connect(self._on_box_changed)
        self.reset_button.clicked.connect(self.reset)
        self.set_value(spec.default)

    @property
    def value(self) -> float:
        return self.slider.number()

    def set_value(self, value: float | None) -> None:
        """Show ``value`` without emitting ``edited``."""
        value = float(value or 0.0)
        for widget in (self.slider, self.box):
            widget.blockSignals(True)
        self.slider.set_number(value)
        self.box.setValue(value)
        for widget in (self.slider, self.box):
            widget.blockSignals(False)
        self.reset_button.setEnabled(value != self.spec.default)

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.label, self.slider, self.box, self.reset_button):
            widget.setEnabled(enabled)
        if enabled:
            self.reset_button.setEnabled(self.value != self.spec.default)

    def reset(self) -> None:
        if self.slider.isEnabled() and self.value != self.spec.default:
            self.set_value(self.spec.default)
            self.edited.emit(self.spec.key, float(self.spec.default))
            self.released.emit(self.spec.key)

    def _on_slider_moved(self, position: int) -> None:
        value = self.slider.number_at(position)
        self.box.blockSignals(True)
        self.box.setValue(value)
        self.box.blockSignals(False)
        self.reset_button.setEnabled(value != self.spec.default)
        self.edited.emit(self.spec.key, value)

    def _on_box_changed(self, value: float) -> None:
        self.slider.set_number(value, quietly=True)
        self.reset_button.setEnabled(value != self.spec.default)
        self.edited.emit(self.spec.key, round(value, 2))
        self.released.emit(self.spec.key)


class QtBackdropRow(QObject):
    """The backdrop: a swatch (click to choose a colour), "Picture…" (a picture behind the
    head, shown by its file name, a small thumbnail and its mean colour) and a "none" box
    that keeps the background."""

    edited = Signal(str, object)
    released = Signal(str)
    DEFAULT_COLOUR = "#e9e9e9"
    #: The picture files the file dialog offers (any picture Pillow reads is taken).
    PICTURE_FILTER = ("Pictures (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp *.heic);;"
                      "All files (*)")

    def __init__(self, spec: Slider, grid: QGridLayout, row: int, parent: QWidget):
        super().__init__(parent)
        self.spec = spec
        self.label = QLabel(spec.label, parent)
        self.label.setToolTip(spec.help)
        self.swatch = QPushButton(parent)
        self.swatch.setObjectName("backdrop_swatch")
        self.swatch.setFixedHeight(20)
        self.swatch.setIconSize(QSize(24, 16))
        self.picture_button = QToolButton(parent)
        self.picture_button.setObjectName("backdrop_picture")
        self.picture_button.setText("Picture…")
        self.picture_button.setToolTip("Put a picture of your own behind the head (blurred "
                                       "and lit as the colour backdrop is)")
        self.none_box = QCheckBox("None", parent)
        self.none_box.setObjectName("backdrop_none")
        self.none_box.setToolTip("Keep the photo's own background")
        self.reset_button = QToolButton(parent)
        self.reset_button.setObjectName("reset")
        self.reset_button.setText("↺")
        self.reset_button.setToolTip("Reset backdrop (none)")
        self.reset_button.setAutoRaise(True)
        # the swatch on a line of its own, the picture and "none" under it: the panel keeps
        # its width; a picture's long file name is elided in the middle
        self.swatch.setMinimumWidth(60)
        self.swatch.installEventFilter(self)
        choices = QHBoxLayout()
        choices.setContentsMargins(0, 0, 0, 0)
        choices.setSpacing(8)
        choices.addWidget(self.picture_button)
        choices.addWidget(self.none_box)
        choices.addStretch(1)
        inner = QVBoxLayout()
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(2)
        inner.addWidget(self.swatch)
        inner.addLayout(choices)
        grid.addWidget(self.label, row, 0)
        grid.addLayout(inner, row, 1, 1, 2)
        grid.addWidget(self.reset_button, row, 3)
        self._colour = self.DEFAULT_COLOUR  # the last colour or picture chosen
        self._words = ""  # what the swatch says, before eliding
        self._background = (0.0, 0.0)  # bg_light, bg_desaturate
        self.swatch.clicked.connect(self._on_swatch_clicked)
        self.picture_button.clicked.connect(self._on_picture_clicked)
        self.none_box.toggled.connect(self._on_none_toggled)
        self.reset_button.clicked.connect(self.reset)
        self.set_value(None)

    @property
    def value(self) -> str | None:
        return None if self.none_box.isChecked() else self._colour

    def set_value(self, value: str | None) -> None:
        self.none_box.blockSignals(True)
        self.none_box.setChecked(value is None)
        self.none_box.blockSignals(False)
        if value is not None:
            self._colour = value
        self._paint_swatch()
        self.reset_button.setEnabled(value is not None)

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.label, self.swatch, self.picture_button, self.none_box):
            widget.setEnabled(enabled)

    def choose(self, colour: str | None) -> None:
        """Pick a colour or a picture's value (None: keep the photo's background) as if the
        user did."""
        self.set_value(colour)
        self.edited.emit(self.spec.key, colour)
        self.released.emit(self.spec.key)

    def choose_picture(self, path: str) -> bool:
        """Put the picture at ``path`` behind the head; one dialog when it is not a picture
        that can be read (the backdrop stays as it was)."""
        try:
            value = picture_value(path)
            picture_grid(value, (16, 24))  # read it now: a bad file is said at once
        except LikenessError as error:
            QMessageBox.warning(self.swatch.window(), "Backdrop picture", str(error))
            return False
        self.choose(value)
        return True

    def reset(self) -> None:
        if self.value is not None:
            self.choose(None)

    def set_background(self, light: float, desaturate: float) -> None:
        """The background light and calm colours the backdrop is rendered with."""
        if (light, desaturate) != self._background:
            self._background = (light, desaturate)
            self._paint_swatch()

    def shades(self) -> tuple[QColor, QColor]:
        """The backdrop as rendered: at the frame's edges, and lit just above the head (a
        picture's by its mean colour)."""
        edge, brightest = backdrop_shades(self._colour, *self._background)
        return tuple(QColor(*(int(round(c * 255)) for c in rgb)) for rgb in (edge, brightest))

    def _paint_swatch(self) -> None:
        off = self.none_box.isChecked()
        edge, brightest = self.shades()
        text = "#000000" if edge.lightness() > 140 else "#ffffff"
        self._name_swatch(off)
        # what is rendered: the edges' colour, lit toward the middle as behind the head
        fill = (f"qlineargradient(x1:0, y1:0, x2:1, y2:0, stop:0 {edge.name()}, "
                f"stop:0.5 {brightest.name()}, stop:1 {edge.name()})")
        self.swatch.setStyleSheet(
            "QPushButton#backdrop_swatch { background: transparent; color: #888;"
            " border: 1px dashed #555; border-radius: 3px; }"
            if off
            else f"QPushButton#backdrop_swatch {{ background: {fill}; color: {text};"
            " border: 1px solid #111; border-radius: 3px; }"
        )

    def _name_swatch(self, off: bool) -> None:
        """The swatch's words: "none", the colour, or the picture's file name with a small
        thumbnail of it (its whole path in the tooltip)."""
        tip = ("Choose the studio backdrop colour (shown as rendered: with the background "
               "light and calm colours, lit behind the head)")
        icon = QIcon()
        if off:
            words = "none"
        elif is_picture(self._colour):
            path = picture_path(self._colour)
            words = path.name
            tip = (f"Backdrop picture {path} (its mean colour shown as rendered); click to "
                   "choose a colour instead")
            try:
                small = np.clip(picture_grid(self._colour, (16, 24)) * 255.0 + 0.5, 0, 255)
                icon = QIcon(QPixmap.fromImage(qimage_from_rgb8(small.astype(np.uint8))))
            except LikenessError as error:
                tip = str(error)
        else:
            words = self._colour
        self._words = words
        self.swatch.setIcon(icon)
        self.swatch.setToolTip(tip)
        self._elide_words()

    def _elide_words(self) -> None:
        """The swatch's words, elided in the middle to its width."""
        room = self.swatch.width() - (32 if not self.swatch.icon().isNull() else 8) - 8
        metrics = self.swatch.fontMetrics()
        self.swatch.setText(metrics.elidedText(self._words, Qt.TextElideMode.ElideMiddle,
                                               max(room, 40)))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if watched is self.swatch and event.type() == QEvent.Type.Resize:
            self._elide_words()
        return False

    def _on_swatch_clicked(self) -> None:
        start = self.shades()[0] if is_picture(self._colour) else QColor(self._colour)
        colour = QColorDialog.getColor(start, self.swatch.window(), "Backdrop colour")
        if colour.isValid():
            self.choose(colour.name())

    def _on_picture_clicked(self) -> None:
        start = str(picture_path(self._colour).parent) if is_picture(self._colour) else ""
        path, _ = QFileDialog.getOpenFileName(self.swatch.window(), "Backdrop picture", start,
                                              self.PICTURE_FILTER)
        if path:
            self.choose_picture(path)

    def _on_none_toggled(self, checked: bool) -> None:
        self.choose(None if checked else self._colour)


#: The "like you" figure's colours (studio.face.reference.like_you_words).
LIKE_YOU_COLOURS = {"green": QColor(76, 175, 80), "amber": QColor(230, 170, 40),
                    "red": QColor(229, 83, 60)}


class QtLikenessMeter(QWidget):
    """Likeness percent with a colour band: green when recognisable, amber then red below."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("likeness_meter")
        self.percent: float | None = None
        #: With several faces retouched: whose likeness is shown (the lowest), e.g. "Face 2".
        self.whose: str | None = None
        self.state = "empty"  # "empty" | "none" (no face) | "ok" | "warning" | "pending"
        #: The second figure, "like you" (percent; None: no photos of the user).
        self.like_you: float | None = None
        self.setMinimumHeight(34)
        self.setToolTip(LIKENESS_TOOLTIP.format(warn=LIKENESS_WARNING))

    def set_percent(self, percent: float | None, whose: str | None = None) -> None:
        self.percent = percent
        self.whose = whose
        if percent is None:
            self.state = "none"
        else:
            self.state = "ok" if percent >= LIKENESS_WARNING else "warning"
        self.update()

    def set_like_you(self, percent: float | None) -> None:
        """Show (or, with None, hide) the second figure: how like the user's photos it is."""
        self.like_you = percent
        self.setMinimumHeight(34 if percent is None else 52)
        tip = LIKENESS_TOOLTIP.format(warn=LIKENESS_WARNING)
        if percent is not None:
            tip += "\n\n" + LIKE_YOU_TOOLTIP.format(amber=LIKE_YOU_AMBER, red=LIKE_YOU_RED)
        self.setToolTip(tip)
        self.update()

    @property
    def like_you_text(self) -> str:
        return "" if self.like_you is None else f"like you: {self.like_you:.0f}%"

    def set_empty(self) -> None:
        """Nothing to measure yet (no photo open)."""
        self.percent = None
        self.state = "empty"
        self.update()

    def set_pending(self) -> None:
        if self.percent is not None:
            self.state = "pending"
            self.update()

    @property
    def text(self) -> str:
        if self.percent is None:
            return "" if self.state == "empty" else "—"
        return f"{self.percent:.1f}%"

    def _colour(self) -> QColor:
        if self.percent is None:
            return QColor(90, 90, 90)
        if self.percent >= 90:
            return QColor(76, 175, 80)
        if self.percent >= LIKENESS_WARNING:
            return QColor(205, 185, 60)
        return QColor(229, 83, 60)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        font = painter.font()
        label_rect = QRectF(rect.left(), rect.top(), rect.width(), 16)
        painter.setPen(QColor(200, 200, 200))
        painter.drawText(
            label_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            "Likeness" if self.whose is None else f"Likeness (lowest: {self.whose})",
        )
        bold = painter.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(self._colour() if self.state != "pending" else QColor(160, 160, 160))
        status = {
            "none": "no face",
            "empty": "",
            # with a face named on the left there is no room: the red bar says it
            "warning": "changes the person" if self.whose is None else "",
            "pending": "",
            "ok": "",
        }[self.state]
        painter.drawText(
            label_rect,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"{status}  {self.text}".strip(),
        )
        painter.setFont(font)
        bar = QRectF(rect.left(), rect.top() + 21, rect.width(), 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(55, 55, 58))
        painter.drawRoundedRect(bar, 4, 4)
        if self.percent is not None:
            fill = QRectF(bar.left(), bar.top(), bar.width() * self.percent / 100.0, bar.height())
            colour = self._colour()
            if self.state == "pending":
                colour.setAlpha(110)
            painter.setBrush(colour)
            painter.drawRoundedRect(fill, 4, 4)
        painter.setPen(QPen(QColor(20, 20, 20, 160), 1))
        x = bar.left() + bar.width() * LIKENESS_WARNING / 100.0
        painter.drawLine(x, bar.top(), x, bar.bottom())
        if self.like_you is not None:
            self._paint_like_you(painter, QRectF(rect.left(), rect.top() + 33, rect.width(), 16))
        painter.end()

    def _paint_like_you(self, painter: QPainter, row: QRectF) -> None:
        """The second figure's row, as the likeness's: "Like you" on the left, the figure on
        the right in its colour (docs/quality.md's thresholds), with words when not green."""
        colour = like_you_words(self.like_you)
        painter.setPen(QColor(200, 200, 200))
        painter.drawText(row, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         "Like you (your photos)")
        font = painter.font()
        bold = painter.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(LIKE_YOU_COLOURS[colour])
        painter.drawText(row, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         f"{like_you_said(self.like_you)}  {self.like_you:.0f}%".strip())
        painter.setFont(font)


class QtCirclePreview(QLabel):
    """How LinkedIn will show the photo: a face-centred square seen through a circle."""

    SIZE = 148

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("circle_preview")
        self.setFixedSize(QSize(self.SIZE, self.SIZE))
        self.setToolTip(
            "LinkedIn shows your photo in a circle: this is the LinkedIn export, face-centred."
        )
        self.has_image = False

    def set_image(self, square: QImage | None) -> None:
        size = self.SIZE
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        path = QPainterPath()
        path.addEllipse(QRectF(1, 1, size - 2, size - 2))
        if square is not None and not square.isNull():
            painter.setClipPath(path)
            painter.drawImage(QRectF(0, 0, size, size), square)
            painter.setClipping(False)
        else:
            painter.fillPath(path, QColor(50, 50, 52))
        painter.setPen(QPen(QColor(90, 90, 95), 1.5))
        painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
        painter.end()
        self.setPixmap(pixmap)
        self.has_image = square is not None


class QtSidePanel(QWidget):
    """Look picker, face picker, likeness meter and the grouped sliders.

    Signals
    -------
    slider_edited(key, value)   the user moved a slider (value: float, '#rrggbb' or None)
    slider_released(key)        a drag (or a one-off change) ended
    look_chosen(name)           the user picked a look
    face_chosen(index)          the user picked another face
    reset_all()                 the user asked to reset every slider
    """

    slider_edited = Signal(str, object)
    slider_released = Signal(str)
    look_chosen = Signal(str)
    face_chosen = Signal(int)
    everyone_chosen = Signal(bool)
    reset_all = Signal()

    def __init__(self, document: StudioDocument, parent=None):
        super().__init__(parent)
        self.setObjectName("side_panel")
        self.document = document
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(8)

        outer.addLayout(self._build_pickers())

        self.no_face_note = QLabel(
            "No face found in this photo. Face edits are off; background and warmth still work.",
            self,
        )
        self.no_face_note.setObjectName("no_face_note")
        self.no_face_note.setWordWrap(True)
        outer.addWidget(self.no_face_note)

        self.meter = QtLikenessMeter(self)
        outer.addWidget(self.meter)

        self.rows: dict[str, QtSliderRow | QtBackdropRow] = {}
        self.group_headers: dict[str, QLabel] = {}
        for group in PANEL_GROUPS:
            self._add_group(outer, group)
        outer.addStretch(1)

        self._connect(document)
        self._on_photo_change(photo=document.photo, analysis=document.analysis)

    def _build_pickers(self) -> QGridLayout:
        """The look picker and Reset all, the face picker and Retouch everyone."""
        top = QGridLayout()
        top.setHorizontalSpacing(8)
        top.setVerticalSpacing(6)
        self.look_combo = QComboBox(self)
        self.look_combo.setObjectName("look_picker")
        self.look_combo.setToolTip("Start from a look, then adjust the sliders")
        self.reset_all_button = QPushButton("Reset all", self)
        self.reset_all_button.setToolTip("Every slider back to its default")
        top.addWidget(QLabel("Look", self), 0, 0)
        top.addWidget(self.look_combo, 0, 1)
        top.addWidget(self.reset_all_button, 0, 2)
        self.face_label = QLabel("Face", self)
        self.face_combo = QComboBox(self)
        self.face_combo.setObjectName("face_picker")
        self.face_combo.setToolTip("The face the edits apply to")
        top.addWidget(self.face_label, 1, 0)
        top.addWidget(self.face_combo, 1, 1, 1, 2)
        self.everyone_box = QCheckBox("Retouch everyone", self)
        self.everyone_box.setObjectName("everyone")
        self.everyone_box.setToolTip(
            "Apply the sliders to every face, each with its own masks; everyone stays sharp "
            "in front of the background. The likeness shows the lowest face's. "
            "Ctrl+click a face on the photo to retouch it too (or no longer)."
        )
        top.addWidget(self.everyone_box, 2, 1, 1, 2)
        top.setColumnStretch(1, 1)
        return top

    def _connect(self, document: StudioDocument) -> None:
        """The pickers' signals out, the document's changes in."""
        self.look_combo.activated.connect(self._on_look_activated)
        self.face_combo.activated.connect(self.face_chosen)
        self.everyone_box.clicked.connect(self.everyone_chosen)
        self.reset_all_button.clicked.connect(self.reset_all)
        document.events.slider.connect(self._on_slider_change)
        document.events.photo.connect(self._on_photo_change)
        document.events.face.connect(self._on_face_change)
        document.events.retouched.connect(self._on_retouched_change)
        document.events.look.connect(self._on_look_change)

    def _add_group(self, outer: QVBoxLayout, group: str) -> None:
        """One group's header, rule and slider rows (Framing also holds the LinkedIn circle)."""
        header = QLabel(group.upper(), self)
        header.setObjectName("group_header")
        self.group_headers[group] = header
        outer.addWidget(header)
        line = QFrame(self)
        line.setObjectName("group_line")
        line.setFrameShape(QFrame.Shape.HLine)
        outer.addWidget(line)
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        grid.setColumnMinimumWidth(0, 104)
        grid.setColumnStretch(1, 1)
        for row, spec in enumerate(s for s in SLIDERS if s.group == group):
            cls = QtBackdropRow if spec.kind == "colour" else QtSliderRow
            widget_row = cls(spec, grid, row, self)
            widget_row.edited.connect(self.slider_edited)
            widget_row.released.connect(self.slider_released)
            self.rows[spec.key] = widget_row
        if group == "Framing":
            self.circle = QtCirclePreview(self)
            caption = QLabel("LinkedIn preview", self)
            caption.setObjectName("caption")
            grid.addWidget(self.circle, 0, 0, 1, 4, Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(caption, 1, 0, 1, 4, Qt.AlignmentFlag.AlignHCenter)
            self.circle.set_image(None)
        outer.addLayout(grid)

    # ------------------------------------------------------------------ looks
    def set_looks(self, looks: list[tuple[str, str]]) -> None:
        """Fill the look picker with (key, display name) pairs; "Custom" is added last."""
        self.look_combo.blockSignals(True)
        self.look_combo.clear()
        for key, name in looks:
            self.look_combo.addItem(name, key)
        self.look_combo.addItem(CUSTOM_LOOK, None)
        self.look_combo.blockSignals(False)
        self._on_look_change(name=self.document.look)

    def _on_look_activated(self, index: int) -> None:
        key = self.look_combo.itemData(index)
        if key is not None:
            self.look_chosen.emit(key)

    def _on_look_change(self, name: str | None) -> None:
        index = self.look_combo.findData(name) if name is not None else -1
        self.look_combo.blockSignals(True)
        self.look_combo.setCurrentIndex(index if index >= 0 else self.look_combo.count() - 1)
        self.look_combo.blockSignals(False)

    # ------------------------------------------------------------------ document -> widgets
    def _on_slider_change(self, key: str, value) -> None:
        self.rows[key].set_value(value)
        if key in BACKDROP_LIGHTING:
            self._light_backdrop()

    def _light_backdrop(self) -> None:
        """The backdrop swatch as rendered with the background sliders' values."""
        self.rows["backdrop"].set_background(
            *(float(self.document.sliders.get(key) or 0.0) for key in BACKDROP_LIGHTING)
        )

    def _on_photo_change(self, photo, analysis) -> None:
        faces = () if analysis is None else analysis.faces
        self.face_combo.blockSignals(True)
        self.face_combo.clear()
        self.face_combo.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        for index, face in enumerate(faces):
            x0, y0, x1, y1 = face.box
            label = f"Face {index + 1} ({int(x1 - x0)} px wide)"
            if photo is None:
                self.face_combo.addItem(label)
            else:
                self.face_combo.addItem(QIcon(face_thumbnail(photo.pixels, face.box)), label)
        self.face_combo.blockSignals(False)
        several = len(faces) > 1
        self.face_label.setVisible(several)
        self.face_combo.setVisible(several)
        self.everyone_box.setVisible(several)
        self._on_retouched_change(self.document.retouched)
        for key, value in self.document.sliders.items():
            self.rows[key].set_value(value)
        self._light_backdrop()
        self._update_enabled()

    def _on_retouched_change(self, choice: str | tuple[int, ...]) -> None:
        self.everyone_box.blockSignals(True)
        self.everyone_box.setChecked(choice == "all")
        self.everyone_box.blockSignals(False)
        self._mark_retouched()

    def _mark_retouched(self) -> None:
        """The Face list says which faces the sliders reach ("retouched")."""
        document = self.document
        several = len(document.faces) > 1
        reached = set(retouched_faces(document.analysis, document.face_index, document.retouched))
        for index, face in enumerate(document.faces):
            x0, _, x1, _ = face.box
            label = f"Face {index + 1} ({int(x1 - x0)} px wide)"
            if several and index in reached:
                label += "  - retouched"
            self.face_combo.setItemText(index, label)

    def _on_face_change(self, index: int | None) -> None:
        if index is not None:
            self.face_combo.blockSignals(True)
            self.face_combo.setCurrentIndex(index)
            self.face_combo.blockSignals(False)
        self._mark_retouched()
        self._update_enabled()

    def _update_enabled(self) -> None:
        loaded = self.document.photo is not None and self.document.analysis is not None
        has_face = self.document.has_face
        self.no_face_note.setVisible(loaded and not has_face)
        for key, row in self.rows.items():
            row.set_enabled(loaded and (has_face or key not in FACE_KEYS))
        if not loaded:
            self.meter.set_empty()
        self.look_combo.setEnabled(loaded)
        self.reset_all_button.setEnabled(loaded)


def face_thumbnail(pixels: np.ndarray, box: tuple[float, float, float, float]) -> QPixmap:
    """A square ``THUMBNAIL``-pixel picture of the face in ``box`` (with a little margin), so
    the picker shows who each face is."""
    h, w = pixels.shape[:2]
    x0, y0, x1, y1 = box
    side = 1.2 * max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = int(max(cx - side / 2, 0)), int(max(cy - side / 2, 0))
    right, bottom = int(min(cx + side / 2, w)), int(min(cy + side / 2, h))
    crop = np.asarray(pixels[top:max(bottom, top + 1), left:max(right, left + 1)], np.float32)
    scale = THUMBNAIL / max(crop.shape[:2])
    size = (max(int(round(crop.shape[1] * scale)), 1), max(int(round(crop.shape[0] * scale)), 1))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    rgb8 = np.clip(small * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return QPixmap.fromImage(qimage_from_rgb8(rgb8))
