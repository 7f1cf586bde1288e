#!/usr/bin/env bash
# The README's test command: the whole test suite (the browser test included) at both
# ends of what trustmarket supports, each in a fresh virtual environment:
#
#   oldest  Python 3.11 -> Mesa 3.3.x (the last Mesa for 3.11)
#   newest  Python 3.13, else 3.12 -> the newest Mesa (3.5.x)
#
# Each end: `python -m venv` in a temporary folder, `pip install -e ".[test,notebooks]"`,
# .ci/install-browser.sh (Debian's chromium, solara's assets into the venv's own
# share/solara/cdn), one model step (numba compiles the engine into its cache), then
# pytest. Interpreters are found by scripts/find-python.sh
# (PATH, then pyenv); TRUSTMARKET_PYTHON_OLDEST / TRUSTMARKET_PYTHON_NEWEST name them
# explicitly. Where an end has no interpreter it says so plainly and skips it, unless
# --require-both is given (as .ci/run does): then it fails. Extra arguments after `--`
# go to pytest (e.g. `bash scripts/test.sh -- -k batch`).
set -euo pipefail
cd "$(dirname "$0")/.."
unset PYTHONPATH  # test this tree as installed, not whatever a shell points at

require_both=0
pytest_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --require-both) require_both=1 ;;
        --) shift; pytest_args=("$@"); break ;;
        *) echo "unknown option: $1 (options: --require-both, -- PYTEST_ARGS)" >&2; exit 2 ;;
    esac
    shift
done

oldest=${TRUSTMARKET_PYTHON_OLDEST:-$(bash scripts/find-python.sh 3.11 || true)}
newest=${TRUSTMARKET_PYTHON_NEWEST:-$(bash scripts/find-python.sh 3.13 3.12 || true)}
missing=()
[ -n "$oldest" ] || missing+=("Python 3.11 (for Mesa 3.3.x)")
[ -n "$newest" ] || missing+=("Python 3.12 or 3.13 (for the newest Mesa)")
if [ ${#missing[@]} -gt 0 ]; then
    for m in "${missing[@]}"; do
        echo "SKIPPING: no $m found (looked on PATH and in pyenv; see scripts/find-python.sh)"
    done
    if [ "$require_both" = 1 ]; then
        echo "FAILED: --require-both: both ends must be tested" >&2
        exit 1
    fi
    [ -n "$oldest$newest" ] || { echo "FAILED: no Python to test with" >&2; exit 1; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/trustmarket-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Fresh venv + install, one per end, side by side (mostly waiting on the registry).
setup() {  # $1 = name, $2 = interpreter
    local venv="$work/$1" log="$work/$1-setup.log"
    {
        "$2" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test,notebooks]"
        PATH="$venv/bin:$PATH" bash .ci/install-browser.sh --assets-only
        # numba compiles the engine on first use (20-90 s) into its cache, per Python: here,
        # side by side, rather than inside the first test (the app server's start-up).
        "$venv/bin/python" -c 'from sim.model import MarketModel
MarketModel("scenarios/leaky_bucket.toml", **{"run.steps": 1}).step()'
    } >"$log" 2>&1 || { echo "FAILED: setting up $1 ($2); its log:"; cat "$log"; return 1; }
}
bash .ci/install-browser.sh --system-only  # apt-get, once, before the parallel set-ups
ends=()
[ -z "$oldest" ] || ends+=(oldest)
[ -z "$newest" ] || ends+=(newest)
pids=()
for end in "${ends[@]}"; do
    if [ "$end" = oldest ]; then python=$oldest; else python=$newest; fi
    echo "setting up $end: $python -> $work/$end"
    setup "$end" "$python" & pids+=($!)
done
setup_failed=0
for pid in "${pids[@]}"; do wait "$pid" || setup_failed=1; done
[ $setup_failed = 0 ] || exit 1

# The suites one after the other (the browser test and the timing ratios want the cores).
status=0
summary=()
for end in "${ends[@]}"; do
    py="$work/$end/bin/python"
    versions=$("$py" -c 'import sys, mesa; print(f"Python {sys.version.split()[0]}, Mesa {mesa.__version__}")')
    echo
    echo "=== $end: $versions ==="
    # Each end must have resolved to its Mesa series: 3.3.x on 3.11, 3.4 or newer on 3.12+.
    if ! "$py" - "$end" <<'PY'
import sys, mesa
release = tuple(int(part) for part in mesa.__version__.split(".")[:2])
sys.exit(0 if (release == (3, 3) if sys.argv[1] == "oldest" else release >= (3, 4)) else 1)
PY
    then
        summary+=("$end ($versions): FAILED: this end must have Mesa $(
            [ "$end" = oldest ] && echo 3.3.x || echo '3.4 or newer')")
        status=1
        continue
    fi
    started=$SECONDS
    set +e
    "$py" -m pytest -q -p no:cacheprovider ${pytest_args[@]+"${pytest_args[@]}"}
    rc=$?
    set -e
    summary+=("$end ($versions): $([ $rc = 0 ] && echo passed || echo "FAILED (pytest exit $rc)") in $((SECONDS - started)) s")
    [ $rc = 0 ] || status=1
done

echo
echo "=== summary ==="
printf '%s\n' "${summary[@]}"
[ ${#missing[@]} = 0 ] || printf 'skipped: no %s\n' "${missing[@]}"
exit $status
