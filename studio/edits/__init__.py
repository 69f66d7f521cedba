"""The edits: one module per slider family, no I/O, no Qt.

Every edit follows ``studio.edits.protocol``: its slider ``KEYS``, an algorithm ``VERSION``,
the pipeline ``STAGE`` and ``ORDER`` it runs at, a frozen ``Params`` dataclass whose field
metadata comes from ``studio.edits.sliders``, a cached-once ``prepare(layers)`` doing the
expensive per-photo work on ``studio.face.layers.PhotoLayers``, and ``process(region, params,
out)``, which returns the input itself when the params are neutral. Masks meet edits through
``studio.edits.blend``. The ``SLIDERS`` table names each slider's edit module;
``studio.render.Retoucher`` runs them.
"""
