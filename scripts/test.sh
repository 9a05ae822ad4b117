#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs what it needs, checks the layers, then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# Browser tests drive Debian's Chromium (Playwright's own browser download cannot work offline).
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" = 0 ]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null
    else
        sudo sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver' >/dev/null
    fi
fi
# The package layers (pyproject.toml, [tool.importlinter]; docs/architecture.md): a broken contract fails the run.
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
