# shellcheck shell=bash
# Make sure Debian's headless-capable Chromium is at /usr/bin/chromium for the report browser test.
#
# Idempotent and quiet; works sourced (by .ci/run) or executed (`bash .ci/chromium.sh`): it
# returns rather than exits and sets no shell options in the caller. Runs `apt-get update` only
# when apt has no candidate for chromium yet, and installs only when /usr/bin/chromium is missing.
# The browser comes from Debian's packages, never from a browser download (playwright's own
# `install` cannot reach its hosts here).

plangraph_chromium_up() {
  [ -x /usr/bin/chromium ] && return 0
  local log=/tmp/plangraph-chromium-setup.log
  : >"$log"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get update -qq >>"$log" 2>&1 || { echo "chromium.sh: apt-get update failed (see $log)" >&2; return 1; }
  fi
  echo "chromium.sh: installing chromium from Debian's packages (log: $log)" >&2
  apt-get install -y -qq chromium >>"$log" 2>&1 \
    || { echo "chromium.sh: apt-get install chromium failed (see $log)" >&2; return 1; }
  [ -x /usr/bin/chromium ] || { echo "chromium.sh: /usr/bin/chromium still missing after install (see $log)" >&2; return 1; }
  return 0
}

plangraph_chromium_up
