"""The edits: one module per slider family, no I/O, no Qt.

Each face edit module (``smooth``, ``blemish``, ``shine``, ``face_light``, ``shadows``,
``warmth``, ``eyes``, ``teeth``) holds a frozen, versioned ``Params`` dataclass whose field
metadata comes from ``studio.edits.sliders``, a cached-once ``prepare(layers)`` doing the
expensive per-photo work on ``studio.edits.layers.PhotoLayers``, and a pure
``apply(image, prepared, params)`` that returns the input itself at strength 0. Masks meet edits
through ``studio.edits.blend``. ``background`` provides the person/background split and the
background edits. ``studio.render.Retoucher`` runs them in order.
"""
