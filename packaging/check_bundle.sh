#!/usr/bin/env bash
# Check the built app runs on its own: no source tree, no venv, a clean environment.
#
#   bash packaging/check_bundle.sh [BUNDLE]        (default: dist/likeness)
#
# Copies the bundle to a temporary folder and runs it from there with
# `env -i PATH=/usr/bin:/bin HOME=<tmp> QT_QPA_PLATFORM=offscreen`, from a folder outside
# the repository. Prints one PASS/FAIL line per check; exits 1 if any check failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_bundle=${1:-"$here/../dist/likeness"}
if [[ ! -x "$source_bundle/likeness" ]]; then
    echo "FAIL no built app at $source_bundle (run 'make package' first)"
    exit 1
fi
source_bundle=$(cd "$source_bundle" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/likeness-check.XXXXXX")
gui_pid=""
xvfb_pid=""
cleanup() {
    if [[ -n "$gui_pid" ]]; then kill "$gui_pid" 2>/dev/null; fi
    if [[ -n "$xvfb_pid" ]]; then kill "$xvfb_pid" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

app="$tmp/app"
work="$tmp/work"
mkdir -p "$work" "$tmp/home"
cp -a "$source_bundle" "$app"
internal="$app/_internal"

failures=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# The app with nothing of ours around it: no PYTHONPATH, no venv, no repo, a fresh home.
run() {
    # A hung app (a worker that re-runs the app forever, say) fails after 5 minutes.
    (cd "$work" && exec timeout --kill-after=10 300 env -i PATH=/usr/bin:/bin HOME="$tmp/home" \
        LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen "$app/likeness" "$@")
}
# Last lines of a log, indented, to explain a failure.
show() { tail -n "${2:-8}" "$1" | sed 's/^/    | /'; }

# --- what the bundle holds ------------------------------------------------------------
for name in shape_predictor_68_face_landmarks.dat shape_predictor_5_face_landmarks.dat \
            mmod_human_face_detector.dat dlib_face_recognition_resnet_model_v1.dat; do
    if [[ -s "$internal/face_recognition_models/models/$name" ]]; then
        pass "model file bundled: $name"
    else
        fail "model file missing: _internal/face_recognition_models/models/$name"
    fi
done
for path in resources/looks resources/icons/likeness-studio.svg resources/likeness-studio.desktop \
            resources/models/selfie_segmentation.tflite resources/models/face_detection_short_range.tflite \
            resources/models/face_landmark.tflite resources/models/LICENSE-mediapipe.txt \
            skimage/data/astronaut.png; do
    if [[ -e "$internal/$path" ]]; then pass "bundled: $path"; else fail "missing: _internal/$path"; fi
done
for platform in xcb offscreen minimal; do
    if [[ -e "$internal/PySide6/Qt/plugins/platforms/libq$platform.so" ]]; then
        pass "Qt platform plugin bundled: $platform"
    else
        fail "Qt platform plugin missing: $platform"
    fi
done
unwanted=$(cd "$internal" && find . \( -name 'libQt6WebEngine*' -o -name 'libQt6Quick*' \
    -o -name 'libQt6Qml*' -o -name 'libQt63D*' -o -name 'libQt6Multimedia*' -o -name '_tkinter*' \
    -o -name 'matplotlib' -o -name 'torch' -o -name 'IPython' -o -name 'dask' \
    -o -name 'distributed' \) -print | head -5)
if [[ -z "$unwanted" ]]; then
    pass "no unused heavy modules (QtWebEngine, QtQuick/QML, Qt3D, multimedia, tkinter, dask, ...)"
else
    fail "unused modules bundled: $(echo "$unwanted" | tr '\n' ' ')"
fi

# Every bundled library finds what it links to, in the bundle or the system (X11 and GL
# libraries belong to the user's desktop, so a headless build machine may lack them).
missing=$(cd "$internal" && find . -name '*.so*' -type f | while read -r lib; do
    LD_LIBRARY_PATH="$internal" ldd "$lib" 2>/dev/null | awk -v lib="$lib" '/not found/ {print lib ": " $1}'
done | grep -Ev ': lib(xcb|X|xkbcommon|GL|EGL|OpenGL|wayland)' | sort -u)
if [[ -z "$missing" ]]; then
    pass "every bundled library resolves its dependencies"
else
    fail "bundled libraries with unresolved dependencies:"
    echo "$missing" | head -10 | sed 's/^/    | /'
fi

# --- the command line -----------------------------------------------------------------
if out=$(run --version 2>"$tmp/version.err") && [[ "$out" == likeness\ * ]]; then
    pass "likeness --version -> $out"
else
    fail "likeness --version -> '${out:-}'"
    show "$tmp/version.err"
fi

help=$(run --help 2>&1)
if [[ "$help" == *COMMAND* ]]; then pass "likeness --help lists the subcommands"; else fail "likeness --help"; fi
# True when this build has subcommand $1 (a line of argparse's command list starts with it).
has_command() { grep -Eq "^ +$1( |\$)" <<<"$help"; }

# A real portrait to work on: the built-in sample (skimage's public-domain astronaut).
portrait="$work/portrait.png"
cp "$internal/skimage/data/astronaut.png" "$portrait" 2>/dev/null

if has_command analyze; then
    if run analyze "$portrait" --json >"$tmp/analyze.json" 2>"$tmp/analyze.err" \
            && grep -q '"landmarks"' "$tmp/analyze.json" && grep -q '"primary": 0' "$tmp/analyze.json"; then
        pass "likeness analyze finds the sample's face and its 68 landmarks (dlib + models from the bundle)"
    else
        fail "likeness analyze on the sample portrait"
        show "$tmp/analyze.err"
    fi
else
    fail "likeness analyze is not in this build"
fi

if has_command looks; then
    if run looks >"$tmp/looks.out" 2>"$tmp/looks.err" && grep -qi natural "$tmp/looks.out" \
            && grep -qi linkedin "$tmp/looks.out"; then
        pass "likeness looks lists the built-in looks (resources found in the bundle)"
    else
        fail "likeness looks"
        show "$tmp/looks.err"
    fi
else
    echo "SKIP likeness looks is not in this build yet"
fi

if has_command retouch; then
    out="$work/exported.jpg"
    if run retouch "$portrait" -o "$out" --look natural --set smooth=0.5 --export linkedin \
            >"$tmp/retouch.out" 2>"$tmp/retouch.err" \
            && [[ "$(head -c 3 "$out" | od -An -tx1 | tr -d ' ')" == ffd8ff ]]; then
        pass "likeness retouch exports the sample as a LinkedIn JPEG ($(stat -c %s "$out") bytes)"
    else
        fail "likeness retouch --look natural --set smooth=0.5 --export linkedin"
        show "$tmp/retouch.err"
    fi
else
    fail "likeness retouch is not in this build"
fi

if has_command batch; then
    # Worker processes of a frozen app re-run the app itself (multiprocessing.freeze_support).
    if run batch "$portrait" -o "$work/batch" --workers 2 --look natural \
            --report "$work/report.csv" >"$tmp/batch.out" 2>"$tmp/batch.err" \
            && ls "$work/batch"/portrait.* >/dev/null 2>&1 && grep -q ok "$work/report.csv"; then
        pass "likeness batch --workers 2 retouches the sample in worker processes ($(tail -n 1 "$work/report.csv" | awk -F, '{print "status " $3 ", likeness " $6 "%"}'))"
    else
        fail "likeness batch --workers 2 (exit code $?)"
        show "$tmp/batch.err"
    fi
    # Dask is left out of the desktop build: --dask must say so in one line, not crash.
    run batch "$portrait" -o "$work/dask" --dask local >"$tmp/dask.out" 2>"$tmp/dask.err"
    code=$?
    if [[ $code == 2 ]] && grep -q '^likeness: error: .*dask' "$tmp/dask.err" \
            && ! grep -q Traceback "$tmp/dask.err"; then
        pass "likeness batch --dask says in one line that Dask is not in the desktop build"
    else
        fail "likeness batch --dask local (exit code $code)"
        show "$tmp/dask.err"
    fi
else
    fail "likeness batch is not in this build"
fi

# --- the studio window ----------------------------------------------------------------
# Opens the sample portrait under Qt's offscreen platform; the studio must come up and keep
# running (no import error, no missing plugin, no crash) until we close it.
(cd "$work" && exec env -i PATH=/usr/bin:/bin HOME="$tmp/home" LANG=C.UTF-8 \
    QT_QPA_PLATFORM=offscreen "$app/likeness") >"$tmp/gui.out" 2>"$tmp/gui.err" &
gui_pid=$!  # the app itself (exec), so kill reaches it
alive=1
for _ in $(seq 1 "${LIKENESS_GUI_SECONDS:-12}"); do
    sleep 1
    if ! kill -0 "$gui_pid" 2>/dev/null; then alive=0; break; fi
done
if [[ $alive == 1 ]] && ! grep -q -e Traceback -e "Could not load the Qt platform plugin" "$tmp/gui.err"; then
    pass "the studio starts on the sample portrait and stays up ${LIKENESS_GUI_SECONDS:-12} s (offscreen)"
else
    wait "$gui_pid" 2>/dev/null
    fail "the studio window (exit code $?)"
    show "$tmp/gui.err" 12
fi
if [[ $alive == 1 ]]; then
    kill "$gui_pid" 2>/dev/null
    wait "$gui_pid" 2>/dev/null
fi
gui_pid=""

# --- the studio on a real X11 display -------------------------------------------------
# With Xvfb and xdotool (Debian: xvfb xdotool) the studio runs through the bundled xcb
# plugin: the window title must name the sample once it is open and analysed; then Ctrl+E
# opens the export dialog and Enter exports the LinkedIn preset into the home folder.
# LIKENESS_CHECK_SCREENSHOT=FILE.png keeps a screenshot (needs ImageMagick's import).
if command -v Xvfb >/dev/null && command -v xdotool >/dev/null; then
    display=":$((200 + RANDOM % 500))"
    Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
    xvfb_pid=$!
    sleep 2
    x11_home="$tmp/home-x11"
    mkdir -p "$x11_home"
    (cd "$work" && exec env -i PATH=/usr/bin:/bin HOME="$x11_home" LANG=C.UTF-8 \
        DISPLAY="$display" "$app/likeness") >"$tmp/x11.out" 2>"$tmp/x11.err" &
    gui_pid=$!
    window="" title=""
    for _ in $(seq 1 90); do
        sleep 1
        kill -0 "$gui_pid" 2>/dev/null || break
        window=$(DISPLAY="$display" xdotool search --name 'Likeness Studio' 2>/dev/null | head -1)
        [[ -n "$window" ]] && title=$(DISPLAY="$display" xdotool getwindowname "$window" 2>/dev/null)
        [[ "$title" == *astronaut* ]] && break
    done
    if [[ "$title" == *astronaut* ]]; then
        pass "X11 (xcb): the studio window opens the sample portrait: '$title'"
        sleep 3  # the first preview render
        if [[ -n "${LIKENESS_CHECK_SCREENSHOT:-}" ]] && command -v import >/dev/null; then
            DISPLAY="$display" import -window root "$LIKENESS_CHECK_SCREENSHOT" 2>/dev/null
        fi
        DISPLAY="$display" xdotool windowfocus --sync "$window" key --clearmodifiers ctrl+e 2>/dev/null
        dialog=""
        for _ in $(seq 1 20); do
            sleep 1
            dialog=$(DISPLAY="$display" xdotool search --name '^Export$' 2>/dev/null | head -1)
            [[ -n "$dialog" ]] && break
        done
        # No window manager under Xvfb: give the dialog the keyboard before pressing Enter.
        [[ -n "$dialog" ]] && DISPLAY="$display" xdotool windowfocus --sync "$dialog" key Return 2>/dev/null
        exported=""
        for _ in $(seq 1 90); do
            sleep 1
            exported=$(find "$x11_home" -maxdepth 1 -name '*.jpg' -size +1k 2>/dev/null | head -1)
            [[ -n "$exported" ]] && break
        done
        if [[ -n "$exported" && "$(head -c 3 "$exported" | od -An -tx1 | tr -d ' ')" == ffd8ff ]]; then
            pass "X11 (xcb): Ctrl+E, Enter exports the sample: $(basename "$exported") ($(stat -c %s "$exported") bytes)"
        else
            fail "X11 (xcb): exporting from the studio window wrote no JPEG into the home folder (dialog: ${dialog:-not seen})"
            show "$tmp/x11.err"
        fi
    else
        fail "X11 (xcb): the studio window did not show the sample (title '${title:-none}')"
        show "$tmp/x11.err" 12
    fi
    kill "$gui_pid" 2>/dev/null
    wait "$gui_pid" 2>/dev/null
    gui_pid=""
    kill "$xvfb_pid" 2>/dev/null
    wait "$xvfb_pid" 2>/dev/null
    xvfb_pid=""
else
    echo "SKIP X11 window check (install xvfb and xdotool to run it)"
fi

echo
if [[ $failures == 0 ]]; then
    echo "PASS bundle $source_bundle ($(du -sh "$source_bundle" | cut -f1)) runs on its own"
else
    echo "FAIL $failures check(s) failed for $source_bundle"
    exit 1
fi
