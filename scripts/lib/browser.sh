# Shared shell functions: Debian's Chromium and the npm packages of the browser tests.
# Sourced by scripts/test (after scripts/lib/postgres.sh, which defines as_root).

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  log "installing Chromium from Debian's packages"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
}

# playwright-core (driving the system Chromium, no browser download) and axe-core, exactly as
# locked in tests/browser/package-lock.json.
ensure_browser_packages() {
  if [ -d tests/browser/node_modules/playwright-core ] && [ -d tests/browser/node_modules/axe-core ]; then return; fi
  log "installing the browser tests' npm packages"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
}
