"""The desktop studio (PySide6): the only package that imports Qt.

``model`` (the document), ``engine`` (calls into the lower layers, run on worker threads) and
``platform_check`` (can a window open here?) are Qt-free. ``qt_main`` is the window: it builds
the canvas, panel and docks and wires them to one controller per concern: ``qt_opener``
(opening; what the sliders start from), ``qt_preview`` (live renders, likeness, zoom detail,
overlays), ``qt_sessions`` (session files, recent files, looks, ``qt_autosave``),
``qt_exporter`` (the export job and its result) and ``qt_actions`` (menus, toolbar and
shortcuts from one table). ``qt_jobs`` holds the worker functions and their named results;
``qt_canvas``, ``qt_panel``, ``qt_notice``, ``qt_export`` (the dialog), ``qt_commands`` (undo)
and ``qt_workers`` the rest. ``app.run_studio`` starts it.

Each controller takes what it uses (the document, the undo stack, its widgets, the
``qt_notice.Notices`` and small callables) and talks to the others through the document's
events or a named Qt signal that the window connects; none imports the window.
"""

#: The studio's name: window titles, dialogs, the application name.
APP_NAME = "Likeness Studio"
