"""Every key and mouse gesture the studio answers to outside its menus, in one table: the
canvas and the mark tools read their modifiers from here, and Help › Keyboard Shortcuts lists
:data:`GESTURES` after the menu commands, so the help cannot miss one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

Mod = Qt.KeyboardModifier
#: The key held to see the original (as in Lightroom).
ORIGINAL_KEY = Qt.Key.Key_Backslash
#: Held while clicking a face: retouch it too (or no longer).
FACE_TOGGLE = Mod.ControlModifier
#: Held while painting with the person brush: paint background instead.
BACKGROUND_PAINT = Mod.AltModifier


def key_name(key: Qt.Key | Mod) -> str:
    """A key or modifier as the platform writes it ("Ctrl", "Alt", "\\")."""
    if isinstance(key, Mod):
        return QKeySequence(key.value).toString(QKeySequence.SequenceFormat.NativeText).rstrip("+")
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


def gestures() -> tuple[tuple[str, str], ...]:
    """(what it does, keys) for each gesture, in the shortcuts dialog's order."""
    return (
        ("See the original", f"Hold {key_name(ORIGINAL_KEY)}"),
        ("Zoom / pan the photo", "Wheel / drag"),
        ("Switch between fit and 100%", "Double-click"),
        ("Edit that face (group photo)", "Click a face"),
        ("Retouch one more face (or one less)", f"{key_name(FACE_TOGGLE)}+click a face"),
        ("Paint background (brush)", f"{key_name(BACKGROUND_PAINT)}+drag (Person Brush)"),
    )
