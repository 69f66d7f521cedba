#!/usr/bin/env bash
# Add Likeness Studio to this user's application menu (no root needed).
#
# build.sh copies this script to the bundle's top folder; run it from wherever you put
# the bundle:   ./install-desktop-entry.sh            install menu entry, icons, ~/.local/bin/likeness
#               ./install-desktop-entry.sh --uninstall remove them again
# Moving the bundle later? Run it again from the new place.
set -euo pipefail

bundle=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
resources="$bundle/_internal/resources"
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/likeness-studio.desktop"
icons="$data/icons/hicolor"
link="$HOME/.local/bin/likeness"
sizes=(16 32 48 64 128 256 512)

refresh() {
    # Menus pick up changes without these on most desktops; they are best effort.
    command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
}

if [[ "${1:-}" == "--uninstall" ]]; then
    rm -f "$entry" "$icons/scalable/apps/likeness-studio.svg"
    for size in "${sizes[@]}"; do rm -f "$icons/${size}x${size}/apps/likeness-studio.png"; done
    if [[ -L "$link" ]]; then rm -f "$link"; fi
    refresh
    echo "Likeness Studio's menu entry and icons are removed (the bundle itself is untouched)."
    exit 0
fi

if [[ ! -x "$bundle/likeness" || ! -d "$resources" ]]; then
    echo "install-desktop-entry.sh: run me from the likeness bundle folder (beside the 'likeness' program)" >&2
    exit 2
fi

for size in "${sizes[@]}"; do
    install -Dm644 "$resources/icons/likeness-studio-$size.png" "$icons/${size}x${size}/apps/likeness-studio.png"
done
install -Dm644 "$resources/icons/likeness-studio.svg" "$icons/scalable/apps/likeness-studio.svg"

# The Exec line must name this bundle's program; quote it (desktop entry rules) for spaces.
program=$(printf '%s' "$bundle/likeness" | sed -e 's/[\\"`$]/\\\\&/g' -e 's/%/%%/g')
mkdir -p "$(dirname "$entry")"
sed -e "s|^Exec=.*|Exec=\"$program\" %f|" -e "s|^TryExec=.*|TryExec=$bundle/likeness|" \
    "$resources/likeness-studio.desktop" > "$entry.tmp"
mv "$entry.tmp" "$entry"

mkdir -p "$(dirname "$link")"
if [[ ! -e "$link" || -L "$link" ]]; then
    ln -sfn "$bundle/likeness" "$link"
fi

refresh
echo "Installed: $entry"
echo "Icons:     $icons/*/apps/likeness-studio.*"
echo "Command:   $link (add ~/.local/bin to PATH if 'likeness' is not found)"
