#!/usr/bin/env bash
# Print the absolute path of a working Python interpreter of one of the versions asked
# for, in the order asked; exit 1 (printing nothing) if there is none.
#
#   bash scripts/find-python.sh 3.13 3.12     # the first of 3.13, 3.12 that runs
#
# For each version X.Y it tries, in turn:
#   1. pythonX.Y on PATH, if it runs and says it is X.Y. (A pyenv shim for a version that
#      is installed but not selected prints "command not found" and fails: skipped.)
#   2. pyenv: the newest installed X.Y.Z (`pyenv versions --bare`), run from its own
#      prefix (`pyenv prefix X.Y.Z`), so no PYENV_VERSION is needed afterwards.
#   3. pyenv's folder without the pyenv command: ${PYENV_ROOT:-~/.pyenv}/versions/X.Y.*
#   4. python3 on PATH, if it is X.Y.
# The path printed is the interpreter's own (sys.executable), not a shim.
set -uo pipefail

interpreter_of() {  # $1 = a command; prints its sys.executable if it is Python $2
    local out
    out=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2], sys.executable)' \
          2>/dev/null) || return 1
    [ "${out%% *}" = "$2" ] || return 1
    echo "${out#* }"
}

find_version() {  # $1 = X.Y
    local want=$1 cmd release prefix
    if cmd=$(command -v "python$want" 2>/dev/null) && interpreter_of "$cmd" "$want"; then
        return 0
    fi
    if command -v pyenv >/dev/null 2>&1; then
        release=$(pyenv versions --bare 2>/dev/null | sed 's/^[* ]*//; s/ .*//' \
                  | grep -E "^${want//./\\.}(\.[0-9]+)?$" | sort -V | tail -n 1)
        if [ -n "$release" ] && prefix=$(pyenv prefix "$release" 2>/dev/null); then
            for cmd in "$prefix/bin/python$want" "$prefix/bin/python3"; do
                [ -x "$cmd" ] && interpreter_of "$cmd" "$want" && return 0
            done
        fi
    fi
    for prefix in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$want".* 2>/dev/null \
                    | sort -V -r); do
        [ -x "$prefix/bin/python$want" ] && interpreter_of "$prefix/bin/python$want" "$want" \
            && return 0
    done
    if cmd=$(command -v python3 2>/dev/null) && interpreter_of "$cmd" "$want"; then
        return 0
    fi
    return 1
}

[ $# -gt 0 ] || { echo "usage: $0 X.Y [X.Y ...]" >&2; exit 2; }
for version in "$@"; do
    find_version "$version" && exit 0
done
exit 1
