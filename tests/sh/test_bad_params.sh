#!/usr/bin/env bash
# test_bad_params.sh: nonsense on a protocol's command line (issue 7, "Faults
# and bad input").  Each case must exit with status 2 within seconds, before
# any data is loaded, with an "Error:" line naming the parameter, and without
# a Lua stack traceback.  Usage: bash test_bad_params.sh /path/to/glassvm
set -u
G=${1:?usage: test_bad_params.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
ROOT=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$ROOT/protocols/ageing.lua
if [ ! -f "$P" ]; then echo "SKIP: $P not found"; exit 0; fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
failures=0 cases=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# bad NEEDLE ARGS...: the run is refused at once, naming NEEDLE.
bad() {
  local needle=$1; shift
  cases=$((cases + 1))
  timeout 20 "$G" "$P" "$@" --out="$T/out" --quiet >"$T/stdout" 2>"$T/stderr" </dev/null
  local rc=$? err
  err=$(cat "$T/stderr")
  [ $rc -eq 2 ] || fail "$*: exit status $rc, expected 2 (stderr: $(tail -3 "$T/stderr"))"
  grep -q "^Error: " <<<"$err" || fail "$*: no 'Error:' line in: $err"
  grep -qF -- "$needle" <<<"$(grep '^Error: ' <<<"$err")" || fail "$*: the error does not name '$needle': $err"
  ! grep -q "stack traceback" <<<"$err" || fail "$*: Lua traceback in: $err"
  [ ! -e "$T/out" ] || fail "$*: created the output directory before refusing"
  rm -rf "$T/out"
}

bad --T --T=-1
bad --T --T=abc
bad --T --T=nan
bad --T --T=inf
bad --T --T=
bad --replicas --replicas=0
bad --replicas --replicas=-3
bad --replicas --replicas=1.5
bad --replicas --replicas=two
bad --bogus --bogus=1
bad --Temperature --Temperature=1
bad --tw --tw=abc
bad --tw --tw=100,abc
bad --tw --tw=-100
bad --width --width=0
bad --depth --depth=-1
bad --batch --batch=0
bad --batch --batch=2.5
bad --lr --lr=nan
bad --lr --lr=-0.1
bad --lambda --lambda=-1
bad --P --P=-5
bad --tmax --tmax=0
bad --per_decade --per_decade=0
bad --tau_method --tau_method=foo
bad --preset --preset=nope
bad --seed --seed=-1
bad --seed --seed=0.5
bad --threads --threads=-1
bad --params --params=/nonexistent/params.lua

# Known gaps, reported to the lead and not failed here: these parameters
# pass the command-line checks and fail (or misbehave) only after data
# loading or the quench.  Printed so a fix shows up.
pending() {
  timeout 3 "$G" "$P" "$@" --out="$T/out" --quiet >"$T/stdout" 2>"$T/stderr" </dev/null
  local rc=$?
  if [ $rc -eq 2 ] && grep -q "^Error: " "$T/stderr"; then
    echo "NOTE: $* is now refused on the command line: move it to the checked cases"
  else
    echo "PENDING (reported): $* is not refused on the command line (exit $rc)"
  fi
  rm -rf "$T/out"
}
pending --lr=0                  # glass.sgd raises later, with a Lua traceback
pending --chi=0                 # min = 0 allows chi = 0; refused only after the quench
pending --batch=1000 --P=100    # batch > P: 0 quench steps, the run goes on silently
pending --quiet=maybe           # a boolean given "maybe": accepted, the run starts

echo "$cases command-line cases, $failures failures"
[ $failures -eq 0 ]
