"""A watchdog of the window's thread: a timer that should fire every ``interval_ms``; each
time it fires late, the thread was blocked for that long. ``longest_ms`` is the longest block
seen: what a user feels as a frozen window. ``longest_busy_ms`` is the most CPU the thread
itself used between two beats: its own work, apart from waiting for a core (a loaded machine)
or for Python's lock. For benches and checks."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer


class QtWatchdog(QObject):
    """``start()``, work, ``stop()``; then ``longest_ms`` (the longest the event loop did not
    run the timer beyond its interval), ``beats`` (how often it ran)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 5):
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.longest_ms = 0.0
        #: When the longest block ended, seconds after ``start()``.
        self.longest_at = 0.0
        self.longest_busy_ms = 0.0
        self.beats = 0
        self._started = 0.0
        self._cpu = 0.0
        self._last: float | None = None
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._beat)

    def start(self) -> None:
        self.longest_ms, self.longest_at, self.longest_busy_ms, self.beats = 0.0, 0.0, 0.0, 0
        self._started = self._last = time.perf_counter()
        self._cpu = time.thread_time()
        self._timer.start()

    def resume(self) -> None:
        """Go on after ``stop()`` keeping the figures (the pause is not counted)."""
        self._last, self._cpu = time.perf_counter(), time.thread_time()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._beat()

    def _beat(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.longest_busy_ms = max(self.longest_busy_ms, (cpu - self._cpu) * 1000.0)
        self._cpu = cpu
        if self._last is not None:
            late = (now - self._last) * 1000.0 - self.interval_ms
            if late > self.longest_ms:
                self.longest_ms, self.longest_at = late, now - self._started
        self._last = now
        self.beats += 1
