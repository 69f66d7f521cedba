"""The render pipeline: prepared per-photo layers + slider values -> pixels. No Qt."""

from studio.render.retoucher import Retoucher, normalise_sliders, proxy_of, render_photo

__all__ = ["Retoucher", "normalise_sliders", "proxy_of", "render_photo"]
