#!/usr/bin/env bash
# Traycal's test command (the README's and CI's): system packages, formatting, lints,
# the "no tauri in the engine" rule, then the whole test suite inside a private D-Bus
# session with an unlocked throw-away gnome-keyring and temporary XDG dirs: the tests
# never touch your real home, keyring or session bus.
#
#   scripts/test.sh
#
# Environment:
#   TRAYCAL_CORPUS    shared conformance corpus (default: <repo>/../shared/corpus)
#   CARGO_TARGET_DIR  when CI is set, defaults to ~/.cache/traycal-target (reused
#                     across runs); otherwise cargo's default (./target)
#   TRAYCAL_GUI_DEPS  1: also install the Tauri shell's system packages
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

export TRAYCAL_CORPUS="${TRAYCAL_CORPUS:-$repo/../shared/corpus}"
if [ -n "${CI:-}" ]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/traycal-target}"
  # A CI build is never edited and rebuilt in place: incremental state is only disk.
  export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
fi
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

tmp_dirs=()
cleanup() {
  local d
  for d in "${tmp_dirs[@]+"${tmp_dirs[@]}"}"; do
    rm -rf -- "$d"
  done
}
trap 'exit 130' INT
trap 'exit 143' TERM

t_start=$(date +%s)
steps_done=()
current=""

step() {
  current="$1"
  echo
  echo "==> [test.sh] $1   ($(date '+%H:%M:%S'))"
  step_t0=$(date +%s)
}

step_ok() {
  local dt=$(( $(date +%s) - step_t0 ))
  echo "<== [test.sh] $current: ok (${dt}s)"
  steps_done+=("$current ${dt}s")
}

on_fail() {
  local rc=$?
  if [ -n "$current" ] && [ "$rc" -ne 0 ]; then
    echo
    echo "test.sh: FAILED at step '$current' (exit $rc) after $(( $(date +%s) - t_start ))s" >&2
    echo "test.sh: free disk at the failure: $(df -h --output=avail "$repo" 2>/dev/null | tail -1 | tr -d ' ')" >&2
  fi
  cleanup
}
trap on_fail EXIT

echo "test.sh: repo $repo"
echo "test.sh: TRAYCAL_CORPUS=$TRAYCAL_CORPUS"
echo "test.sh: CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-<default: $repo/target>}"

# Disk: a reused target dir gathers the artifacts of every past commit. Past a limit it
# is emptied first (a cold build is slower, a full disk fails the run); the free space
# is printed before and after, so a disk that fills up is seen in the log.
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
target_limit_gib="${TRAYCAL_TARGET_LIMIT_GIB:-25}"
if [ -d "$target_dir" ]; then
  target_gib=$(( $(du -sk "$target_dir" 2>/dev/null | cut -f1) / 1048576 ))
  echo "test.sh: target dir holds ${target_gib} GiB (limit ${target_limit_gib} GiB)"
  if [ "$target_gib" -ge "$target_limit_gib" ]; then
    echo "test.sh: emptying the target dir (over the limit)"
    rm -rf -- "$target_dir"
  fi
fi
disk_free() { df -h --output=avail "$(dirname "$target_dir")" 2>/dev/null | tail -1 | tr -d ' '; }
echo "test.sh: free disk beside the target dir: $(disk_free)"

# 1. System packages -----------------------------------------------------------------
step "setup-system"
"$repo/scripts/setup-system.sh"
step_ok

if [ ! -d "$TRAYCAL_CORPUS" ]; then
  echo "test.sh: warning: corpus not found at $TRAYCAL_CORPUS (tests that need it will say so)" >&2
fi

# 1b. The UI: dependencies, linter, unit tests, build (the app embeds ui/dist) ---------
step "ui: npm ci, lint, unit tests, build"
(
  cd "$repo/ui"
  npm ci --no-audit --no-fund --loglevel=error
  npm run lint
  npm test
  npm run build
)
step_ok

# 2. Formatting ----------------------------------------------------------------------
step "cargo fmt --check"
cargo fmt --all -- --check
step_ok

# 3. Lints ---------------------------------------------------------------------------
step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
step_ok

# 4. The engine and the CLI must build without the GUI toolkit -------------------------
# (traycal-tray is the tray program: it must not pull in Tauri or WebKit either.)
step "no tauri below the shell"
for crate in traycal-contract traycal-core traycal-store traycal-providers traycal-engine traycal-cli traycal-tray; do
  tree=$(cargo tree -p "$crate" -e normal --prefix none)
  if grep -qE "tauri|wry|webkit" <<<"$tree"; then
    echo "test.sh: $crate depends on tauri or WebKit:" >&2
    grep -E "tauri|wry|webkit" <<<"$tree" | sort -u >&2
    exit 1
  fi
  echo "  $crate: no tauri or WebKit in its normal dependencies ($(sort -u <<<"$tree" | wc -l) crates)"
done
step_ok

# 5. Tests, in a private D-Bus session with a throw-away unlocked keyring -------------
# The system tests run the `traycal` binary: build it first, so no test builds it while
# its own clock runs (a parallel test would otherwise wait minutes on the build lock).
cargo build -p traycal-cli -p traycal-app
if cargo nextest --version >/dev/null 2>&1; then
  runner="cargo nextest run --workspace --all-targets --no-fail-fast"
  doc_tests="cargo test --workspace --doc"
else
  runner="cargo test --workspace --all-targets --no-fail-fast"
  doc_tests="cargo test --workspace --doc"
fi
# The conformance suite prints what it SKIPPED; run it uncaptured at the end, if it exists.
conformance=""
if cargo metadata --no-deps --format-version 1 2>/dev/null \
  | python3 -c '
import json, sys
m = json.load(sys.stdin)
sys.exit(0 if any(t["name"] == "conformance" and "test" in t["kind"]
                  for p in m["packages"] if p["name"] == "traycal-system-tests"
                  for t in p["targets"]) else 1)'; then
  # --workspace, as the run above: the same feature set, so nothing is built again.
  conformance="cargo test --workspace --test conformance -- --nocapture"
fi

for v in XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME XDG_STATE_HOME XDG_RUNTIME_DIR; do
  d=$(mktemp -d "${TMPDIR:-/tmp}/traycal-test-${v,,}.XXXXXX")
  tmp_dirs+=("$d")
  export "$v=$d"
done
chmod 700 "$XDG_RUNTIME_DIR"
# Never reach a bus, keyring agent or display of the calling session.
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL SSH_AUTH_SOCK DISPLAY WAYLAND_DISPLAY
export TRAYCAL_TEST_KEYRING=1 TRAYCAL_TEST_RUNNER="$runner" TRAYCAL_TEST_DOC="$doc_tests" \
  TRAYCAL_TEST_CONFORMANCE="$conformance"

step "tests (private D-Bus session + unlocked gnome-keyring, temp XDG dirs)"
echo "  runner: $runner"
# shellcheck disable=SC2016  # expanded by the inner shell
dbus-run-session -- bash -c '
  set -euo pipefail
  keyring_pid=""
  stop_keyring() {
    if [ -n "$keyring_pid" ]; then kill "$keyring_pid" 2>/dev/null || true; fi
  }
  trap stop_keyring EXIT
  eval "$(printf %s pw | gnome-keyring-daemon --unlock --components=secrets)"
  # gnome-keyring 42+ prints nothing here: its control socket is in XDG_RUNTIME_DIR.
  export GNOME_KEYRING_CONTROL="${GNOME_KEYRING_CONTROL:-$XDG_RUNTIME_DIR/keyring}"
  export SSH_AUTH_SOCK
  echo "  session bus: $DBUS_SESSION_BUS_ADDRESS"
  # Probe: the Secret Service answers and the default keyring is unlocked.
  if ! printf probe | timeout 20 secret-tool store --label="traycal test probe" traycal-test probe \
     || [ "$(timeout 20 secret-tool lookup traycal-test probe)" != probe ]; then
    echo "test.sh: the private gnome-keyring does not store secrets (locked or not running)" >&2
    exit 1
  fi
  timeout 20 secret-tool clear traycal-test probe || true
  # The daemon forked away; find it on the private bus (registered by now) to stop it at the end.
  keyring_pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus \
      /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID \
      string:org.freedesktop.secrets 2>/dev/null | awk "/uint32/ {print \$2}") || true
  echo "  gnome-keyring-daemon: pid ${keyring_pid:-?}, control $GNOME_KEYRING_CONTROL; probe: store + lookup ok"
  $TRAYCAL_TEST_RUNNER
  echo "  doc tests: $TRAYCAL_TEST_DOC"
  $TRAYCAL_TEST_DOC
  if [ -n "$TRAYCAL_TEST_CONFORMANCE" ]; then
    echo
    echo "==> [test.sh] conformance suite, uncaptured (shows what it SKIPPED)"
    $TRAYCAL_TEST_CONFORMANCE
  else
    echo "  (no conformance test target yet: tests/tests/conformance.rs)"
  fi
'
step_ok

# 6. The real app in a real WebKit webview ---------------------------------------------
step "app end-to-end (tauri-driver + WebKitWebDriver, Xvfb, private D-Bus)"
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "  installing tauri-driver (cargo install, ~1 min)"
  cargo install tauri-driver --locked --version '^2'
fi
export E2E_OUT="${E2E_OUT:-${CARGO_TARGET_DIR:-$repo/target}/e2e}"
"$repo/scripts/e2e/run.sh" "${CARGO_TARGET_DIR:-$repo/target}/debug/traycal-app"
echo "  screenshots: $E2E_OUT"
step_ok

# 7. The Debian package, built by the Tauri bundler (release build) ---------------------
step "bundle: .deb (npm @tauri-apps/cli)"
"$repo/scripts/bundle.sh"
step_ok

current=""
total=$(( $(date +%s) - t_start ))
echo
echo "test.sh: target dir now $(du -sh "$target_dir" 2>/dev/null | cut -f1), free disk $(disk_free)"
echo "test.sh: OK, every step passed in ${total}s: $(IFS=';'; echo "${steps_done[*]}" | sed 's/;/; /g')"
