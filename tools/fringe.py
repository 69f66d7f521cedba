"""Edge fringe and glow of the background edits on composites with a known answer.

    python tools/fringe.py [photo names...]   (default: human_stock-teen-6.jpg)

For each shared photo with a plain backdrop: its careful matte (studio.render.fringe), the
person placed on each busy backdrop, then Background blur 1.0 and a studio backdrop, in the
preview (the screen matte) and the export (what is written); prints fringe (mean Delta E in
the hair band) and glow (mean L* overshoot beside the edge) per case. docs/quality.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.edits import background  # noqa: E402
from studio.face import analyze  # noqa: E402
from studio.face.person import person_alpha  # noqa: E402
from studio.imaging import load  # noqa: E402
from studio.render import fringe  # noqa: E402
from studio.render.retoucher import Retoucher  # noqa: E402

PHOTOS = Path("/work/shared/testdata/faces")
EDITS = {"blur 1.0": {"bg_blur": 1.0}, "backdrop": {"backdrop": "#3a6ea5"}}


def new_background(image: np.ndarray, face, sliders: dict) -> np.ndarray:
    """The edit's new background of ``image`` with nobody in front (the truth's background)."""
    layers = background.prepare_background(image, np.zeros(image.shape[:2], np.float32), face)
    params = background.Params(blur=sliders.get("bg_blur", 0.0), light=0.0, desaturate=0.0,
                               backdrop=sliders.get("backdrop"))
    return background.process(background.Region(image, layers), params)


def cases(name: str):
    """(backdrop, edit, path, EdgeFigures) for one photo."""
    photo = load(PHOTOS / name).pixels
    analysis = analyze(photo)
    face = analysis.faces[analysis.primary]
    alpha, colours = fringe.true_matte(photo, person_alpha(photo, face), face)
    for kind in fringe.BACKDROPS:
        made = fringe.composite(photo, alpha, colours, fringe.busy_backdrop(kind, alpha.shape))
        for edit, sliders in EDITS.items():
            truth = made.over(new_background(made.backdrop, face, sliders))
            for path, preview in (("preview", True), ("export", False)):
                result = Retoucher(made.pixels, analysis, None, preview=preview).render(sliders)
                yield kind, edit, path, fringe.edge_figures(result, truth, alpha, face)


def main(names: list[str]) -> None:
    for name in names or ["human_stock-teen-6.jpg"]:
        print(name)
        for kind, edit, path, figures in cases(name):
            print(f"  {kind:8s} {edit:9s} {path:8s} fringe {figures.fringe:5.2f} "
                  f"(p95 {figures.fringe_p95:5.2f})  glow {figures.glow:5.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
