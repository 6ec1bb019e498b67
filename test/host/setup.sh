#!/usr/bin/env bash
# Installs what the in-host integration tests and the e2e tests need on a fresh machine:
# Debian's chromium, ripgrep and libkrb5-dev, and code-server (a real VS Code workbench served to a
# browser) in a cache folder outside node_modules. Users of the extension never need any of it.
# Idempotent: a second run only checks and exits in well under a second.
# Facts behind each workaround: the code-server section of the project's host notes.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CS_VERSION=4.100.3
# @vscode/ripgrep as pinned in code-server 4.100.3's lib/vscode shrinkwrap, and the rg release tag
# its lib/postinstall.js downloads; both only change with CS_VERSION.
RG_PKG_VERSION=1.15.11
RG_TAG=v13.0.0-10
CS_DIR=${QWENPROMPT_CODE_SERVER_DIR:-$ROOT/.vscode-test/code-server}
CS_BIN=$CS_DIR/node_modules/.bin/code-server
MARKER=$CS_DIR/.installed-$CS_VERSION
APT_PACKAGES=(chromium ripgrep libkrb5-dev)

log() { printf '[setup:host] %s\n' "$*"; }

# Starts the installed server once in a throwaway folder and waits for /healthz.
check_starts() {
  local run port pid ok=
  run=$(mktemp -d /tmp/qp-setup-XXXXXX)
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  mkdir -p "$run/rt"
  XDG_CONFIG_HOME=$run/c XDG_DATA_HOME=$run/d XDG_CACHE_HOME=$run/k XDG_RUNTIME_DIR=$run/rt TMPDIR=$run/rt \
    setsid "$CS_BIN" --auth none --bind-addr "127.0.0.1:$port" --user-data-dir "$run/udd" \
    --extensions-dir "$run/ext" --disable-telemetry --disable-update-check >"$run/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.5
  done
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [[ -z $ok ]]; then cat "$run/server.log"; rm -rf "$run"; log "code-server did not answer /healthz within 30 s"; exit 1; fi
  rm -rf "$run"
}
started=$SECONDS

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
    log "missing Debian packages: ${missing[*]} (run as root, or install them yourself)"; exit 1
  fi
  SUDO=; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  log "apt-get install ${missing[*]}"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ -f $MARKER && -x $CS_BIN ]]; then
  log "ready: code-server $CS_VERSION in $CS_DIR, $(command -v chromium) ($((SECONDS - started)) s)"
  exit 0
fi

log "installing code-server $CS_VERSION into $CS_DIR (about 2 minutes)"
rm -rf "$CS_DIR"
mkdir -p "$CS_DIR/tmp"
# Its own package.json so npm never walks up into the extension's; allowScripts approves the two
# top-level install scripts (npm 11 only warns about unapproved ones; npm 12 will block them).
cat >"$CS_DIR/package.json" <<JSON
{
  "name": "qwenprompt-test-host",
  "private": true,
  "description": "code-server for qwenprompt's integration and e2e tests (not part of the extension)",
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON

# @vscode/ripgrep's postinstall always downloads rg from GitHub; it first looks in this cache folder
# under $TMPDIR, so Debian's rg packed the way a release tarball is makes the download unnecessary.
RG_CACHE=$CS_DIR/tmp/vscode-ripgrep-cache-$RG_PKG_VERSION
mkdir -p "$RG_CACHE" "$CS_DIR/tmp/rg"
cp "$(command -v rg)" "$CS_DIR/tmp/rg/rg"
tar -czf "$RG_CACHE/ripgrep-$RG_TAG-x86_64-unknown-linux-musl.tar.gz" -C "$CS_DIR/tmp/rg" rg

# unsafe_perm: code-server's postinstall refuses to run as root otherwise. yes: node-pty runs
# `npx node-gyp` with no TTY to answer npx's prompt. dangerously_allow_all_scripts: the postinstall
# runs a nested `npm install` in lib/vscode (node-pty, spdlog, kerberos, ripgrep...) that our
# allowScripts cannot reach; a no-op in npm 11, it keeps those scripts running under npm 12.
# foreground-scripts: a failing native build shows its own output in install.log.
(
  cd "$CS_DIR"
  TMPDIR=$CS_DIR/tmp npm_config_unsafe_perm=true npm_config_yes=true \
    npm_config_dangerously_allow_all_scripts=true \
    npm install --no-audit --no-fund --foreground-scripts --loglevel=warn \
    "code-server@$CS_VERSION" >"$CS_DIR/install.log" 2>&1
) || { tail -n 40 "$CS_DIR/install.log"; log "npm install of code-server failed; full log: $CS_DIR/install.log"; exit 1; }

# The install scripts must really have run (npm 11 runs them but warns that the nested install in
# lib/vscode has no allowScripts; a skipped one fails much later, in the browser): each leaves a file.
CS_PKG=$CS_DIR/node_modules/code-server
for f in lib/vscode/out/server-main.js lib/vscode/node_modules/@vscode/ripgrep/bin/rg \
  lib/vscode/node_modules/node-pty/build/Release/pty.node \
  lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node \
  lib/vscode/node_modules/kerberos/build/Release/kerberos.node; do
  [[ -e $CS_PKG/$f ]] || { log "code-server install is incomplete: $f is missing (an install script did not run; see $CS_DIR/install.log)"; exit 1; }
done

# Prove it starts before declaring it ready.
"$CS_BIN" --version >/dev/null
check_starts
rm -rf "$CS_DIR/tmp"
touch "$MARKER"
log "ready: code-server $CS_VERSION installed and started in $((SECONDS - started)) s"
