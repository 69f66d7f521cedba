#!/usr/bin/env bash
# Render resources/icons/likeness-studio.svg to the PNG sizes the desktop wants.
# The PNGs are committed; run this only after changing the SVG.
# Needs rsvg-convert (Debian: apt-get install librsvg2-bin).
set -euo pipefail
icons=$(cd "$(dirname "${BASH_SOURCE[0]}")/../resources/icons" && pwd)
command -v rsvg-convert >/dev/null || { echo "render_icons.sh: install librsvg2-bin (rsvg-convert)" >&2; exit 2; }
for size in 16 32 48 64 128 256 512; do
    rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio \
        "$icons/likeness-studio.svg" --output "$icons/likeness-studio-$size.png"
done
ls -l "$icons"
