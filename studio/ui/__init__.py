"""The desktop studio (PySide6): the only package that imports Qt.

``model`` (the document) and ``engine`` (calls into the lower layers, run on worker threads)
are Qt-free; ``qt_*`` modules hold the widgets: ``qt_main`` (the window), ``qt_canvas``,
``qt_panel``, ``qt_commands`` (undo), ``qt_workers``, ``qt_export``; ``app.run_studio`` starts it.
"""
