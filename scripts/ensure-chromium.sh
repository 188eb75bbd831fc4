#!/usr/bin/env sh
# The browser tests drive Debian's Chromium at /usr/bin/chromium (Playwright's own browser
# download does not work on these machines). Installs it when it is missing and we may; fails
# with a clear message when we may not. Idempotent and quick when it is already there.
set -eu
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "The browser tests need Chromium at /usr/bin/chromium: install Debian's package (sudo apt-get install chromium) and run again." >&2
exit 1
