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
if [ ! -f "$P" ]; then echo "SKIP: $P not found"; exit 77; fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
failures=0 cases=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# refusal LIMIT NEEDLE ARGS...: run the protocol with ARGS (at most LIMIT
# seconds) and set $why to the first way it was not a clean refusal naming
# NEEDLE, or to "" if it was one: exit status 2, an "Error:" line naming
# NEEDLE, no Lua traceback, no output directory created.
refusal() {
  local limit=$1 needle=$2; shift 2
  timeout "$limit" "$G" "$P" "$@" --out="$T/out" --quiet >"$T/stdout" 2>"$T/stderr" </dev/null
  local rc=$? err
  err=$(cat "$T/stderr")
  why=""
  if [ $rc -ne 2 ]; then
    why="exit status $rc, expected 2 (stderr: $(tail -3 "$T/stderr"))"
  elif ! grep -q "^Error: " <<<"$err"; then
    why="no 'Error:' line in: $err"
  elif ! grep -qF -- "$needle" <<<"$(grep '^Error: ' <<<"$err")"; then
    why="the error does not name '$needle': $err"
  elif grep -q "stack traceback" <<<"$err"; then
    why="Lua traceback in: $err"
  elif [ -e "$T/out" ]; then
    why="created the output directory before refusing"
  fi
  rm -rf "$T/out"
}

# bad NEEDLE ARGS...: the run is refused at once, naming NEEDLE.
bad() {
  local needle=$1; shift
  cases=$((cases + 1))
  refusal 20 "$needle" "$@"
  [ -z "$why" ] || fail "$*: $why"
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

bad --lr --lr=0                         # rates are > 0, not >= 0
bad --chi --chi=0                       # eps = sigma/chi needs chi > 0
bad --batch --batch=1000 --P=100        # batch > P would quench for 0 steps
bad --quiet --quiet=maybe               # booleans are true or false

echo "$cases command-line cases checked, $failures failures"
[ $failures -eq 0 ]
