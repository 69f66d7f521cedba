#!/usr/bin/env bash
# Build the one-folder desktop app: dist/likeness/ (run it as dist/likeness/likeness).
#
# Makes a fresh venv (build/venv-package), installs the project into it non-editable
# with PyInstaller, runs packaging/likeness.spec, then checks the result with
# packaging/check_bundle.sh.
#
# Environment:
#   PYTHON=python3.11          interpreter for the build venv (default: python3)
#   LIKENESS_REUSE_VENV=1      keep an existing build venv (only reinstall the project)
#   LIKENESS_SKIP_CHECK=1      do not run check_bundle.sh afterwards
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
cd "$repo"

python=${PYTHON:-python3}
venv="$repo/build/venv-package"
work="$repo/build/pyinstaller"
dist="$repo/dist"

step() { printf '\n== %s\n' "$*"; }

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "build.sh: needs Python 3.11 or newer as \$PYTHON (got: $("$python" --version 2>&1 | head -n 1))" >&2
    exit 2
fi

if [[ "${LIKENESS_REUSE_VENV:-0}" == 1 && -x "$venv/bin/python" ]]; then
    step "reusing $venv"
else
    step "fresh build venv: $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi

step "installing the project (non-editable) and PyInstaller"
# setuptools builds in build/lib; clear it so a deleted module cannot ride along.
rm -rf "$repo/build/lib" "$repo"/build/bdist.*
"$venv/bin/python" -m pip install --quiet "$repo" "pyinstaller>=6.5,<7"
if [[ "${LIKENESS_REUSE_VENV:-0}" == 1 ]]; then
    # Same version number, new code: reinstall the project alone.
    "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$repo"
fi
"$venv/bin/python" -m PyInstaller --version

step "running PyInstaller (several minutes on 2 cores)"
rm -rf "$dist/likeness"
# Run from the build folder so the source tree is not on sys.path: the installed copy is frozen.
mkdir -p "$work"
(cd "$work" && "$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$dist" --workpath "$work" "$here/likeness.spec")

# The desktop-entry installer sits beside the executable, where a user finds it.
install -m 755 "$here/install-desktop-entry.sh" "$dist/likeness/install-desktop-entry.sh"

step "bundle: $dist/likeness ($(du -sh "$dist/likeness" | cut -f1))"

if [[ "${LIKENESS_SKIP_CHECK:-0}" != 1 ]]; then
    step "checking the bundle"
    bash "$here/check_bundle.sh" "$dist/likeness"
fi
