#!/usr/bin/env bash
# Checks CI runs besides the test suite. Each prints what it measured.
set -euo pipefail
node scripts/check-core-bundle.mjs
