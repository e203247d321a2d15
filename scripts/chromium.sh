#!/usr/bin/env bash
# Debian's Chromium and its chromedriver for the browser tests (tests/ContinuationState.Tests/Browser): run by
# build.sh test. Installs the chromium and chromium-driver packages when either binary is missing; nothing is
# downloaded at test time. If this fails the browser tests fail too, saying what is missing: they never skip.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "build.sh: chromium or chromedriver missing and we are not root: install Debian's chromium and chromium-driver, or the browser tests fail" >&2
  exit 1
fi
echo "build.sh: installing Debian's chromium and chromium-driver packages for the browser tests" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
