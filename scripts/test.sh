#!/usr/bin/env bash
# The README's test command: install trustmarket with its test and notebook dependencies,
# then run the whole test suite (the notebooks included). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e ".[test,notebooks]"
bash .ci/install-browser.sh   # Debian's chromium and solara's front-end assets (browser test)
python -m pytest -q
