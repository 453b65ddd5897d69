#!/usr/bin/env bash
# test_repl.sh: the glassvm REPL (piped and on a pseudo-terminal) and
# interruption by SIGINT / SIGTERM, in the REPL and in script mode.
# Usage: bash test_repl.sh /path/to/glassvm
set -u
G=${1:?usage: test_repl.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G") # absolute: the tests change directory
# shellcheck source=tests/sh/wait_exit.sh
source "$(dirname "$0")/wait_exit.sh" # wait_exit PID [SECONDS]
trap '' PIPE # a glassvm that died must fail the checks, not kill this script
T=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
has() { grep -qF -- "$3" <<<"$2" || fail "$1: expected '$3' in: $2"; }
hasnt() { ! grep -qF -- "$3" <<<"$2" || fail "$1: did not expect '$3' in: $2"; }

# repl INPUT [ARGS...]: pipes INPUT into glassvm; sets $rc, $out, $err.
repl() {
  local input=$1
  shift
  printf '%s' "$input" | timeout 10 "$G" "$@" >"$T/out" 2>"$T/err"
  rc=$?
  out=$(cat "$T/out")
  err=$(cat "$T/err")
}
# wait_for FILE TEXT: up to 5 s for TEXT to appear in FILE.
wait_for() {
  for _ in $(seq 100); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}


# --- expressions, statements, multi-line chunks (stdin not a terminal) ---------
repl '1 + 1
=2 * 3
1, "a", nil
x = 42
x
local t = setmetatable({}, {__tostring = function() return "T!" end}); return t
glass.version
function f(n)
  local s = 0
  for i = 1, n do
    s = s + i
  end
  return s
end
f(10)
t = {
  a = 1,
  b = 2,
}
t.a + t.b
print("done")
'
[ "$rc" -eq 0 ] || fail "clean session: exit status $rc ($err)"
expected="2
6
1	a	nil
42
T!
0.1.0
55
3
done"
[ "$out" = "$expected" ] || fail "expressions: got
$out
expected
$expected"
[ -z "$err" ] || fail "clean session: stderr '$err'"
hasnt "no prompts when not a terminal" "$out" "> "

# --- print(glass) says what the library holds and where it is documented ---------
repl 'print(glass)
'
has "print(glass)" "$out" "glass, the glassvm library: "
has "print(glass) names modules" "$out" "analysis, "
has "print(glass) points to the docs" "$out" "docs/README.md"

# --- help: where to start, and the docs' lines on a name; exit() ends the session -------
docs=$("$G" -e 'io.write(glass.paths.docs or "none")')
[ -f "$docs/guide.md" ] || fail "glass.paths.docs: '$docs' has no guide.md"
repl 'help
help(glass.analysis.tau_ratio)
ens = glass.ensemble{landscape = glass.landscape.flat{N = 3, P = 1}, replicas = 1}
help(ens)
help("tau_rat")
help(42)
exit
exit()
print("after exit")
'
[ "$rc" -eq 0 ] || fail "help: exit $rc: $err"
has "help" "$out" "help(x)            what the docs say of x"
has "help" "$out" "the documentation  $docs/README.md"
has "help(function)" "$out" "glass.analysis.tau_ratio (a function)"
has "help(function)" "$out" "docs/analysis.md:"
has "help(function)" "$out" '`glass.analysis.tau_ratio(t, Qa, Qb'
has "help(object)" "$out" "methods: basins, clone, close,"
has "help(object)" "$out" "docs/dynamics.md:"
has "help(text)" "$out" "  glass.analysis.tau_ratio"
has "help(42)" "$out" "42: a number; help() says where to start"
has "exit" "$out" "exit() or Ctrl-D quits"
hasnt "exit()" "$out" "after exit"
# A global of the script's own is left alone.
repl 'print(help)
' -i -e 'help = 7'
has "a user's help" "$out" "7"

# --- errors do not end the REPL; the exit status reports them ---------------------
repl 'print("one")
error("first error")
nosuch.field = 1
1 +
print("two")
local ok = pcall(error, "caught"); return ok
'
[ "$rc" -eq 1 ] || fail "errors: exit status $rc, expected 1"
[ "$out" = "one
two
false" ] || fail "errors: stdout '$out'"
# Errors name the line of the input (stdin:2), not of the chunk.
has "runtime error" "$err" "stdin:2: first error"
has "runtime error in field" "$err" "stdin:3: attempt to index a nil value (global 'nosuch')"
has "syntax error" "$err" "stdin:4: unexpected symbol near '1'"
# ... also inside a chunk of several lines, and in a function called later.
repl 'x = 1
y = 2
glass.foo()
function f(n)
  return n + nil
end
local a,
  b = 1, nil + 1
f(1)
'
has "error on the input's line 3" "$err" "stdin:3: attempt to call a nil value (field 'foo')"
has "error on a chunk's 2nd line" "$err" "stdin:8: attempt to perform arithmetic on a nil value"
has "error in a function defined earlier" "$err" "stdin:5: attempt to perform arithmetic"
has "its caller's line" "$err" "stdin:9: in main chunk"
hasnt "no chunk-relative line" "$err" "stdin:1:"
repl 'x = 1
for i = 1,
'
has "unfinished statement at the end" "$err" "stdin:2: unexpected symbol near <eof>"
# A misspelt or misplaced name of the library gets its nearest names; a
# name near none of them gets Lua's message alone.
repl 'e = glass.ensembel{}
glass.two_time{}
galss.data.mnist{}
t = glass.table{columns = {"a"}}; t:nrow()
local u = {}; u.frob()
local run; run:log("x")
u.size()
'
has "misspelt function" "$err" "(field 'ensembel') (did you mean glass.ensemble or glass.lab.ensemble?)"
has "name in another table" "$err" "(field 'two_time') (did you mean glass.observer.two_time?)"
has "misspelt global" "$err" "(global 'galss') (did you mean glass?)"
has "misspelt method" "$err" "(method 'nrow') (did you mean :row or :nrows?)"
has "no near name" "$err" "(field 'frob')
"
has "no hint for a local" "$err" "(local 'run')
"
has "no hint for a short field of the same name" "$err" "(field 'size')
"
# An error a library function written in Lua raises for its caller names the
# line typed, also where the call is the whole line (no tail call drops it);
# a comment at the end of an expression line is a comment.
repl 't = glass.table{columns = {"a"}}
t:write_csv("/nonexistent/out.csv")
2 -- two
'
has "library error at the prompt" "$err" "stdin:2: cannot write /nonexistent/out.csv"
[ "$out" = "2" ] || fail "expression with a comment: stdout '$out'"
# A plain table prints its contents (glass.show); print() is Lua's own.
repl '{n = 1, 2}
print({})
'
has "plain table at the prompt" "$out" "{2, n = 1}"
has "print() unchanged" "$out" "table: 0x"
# end of input inside a statement reports it
repl 'for i = 1, 3 do
print(i)
'
[ "$rc" -eq 1 ] || fail "unfinished statement: exit status $rc"
has "unfinished statement" "$err" "'end' expected"

# --- -i: the REPL after a script, with its globals ------------------------------------
echo 'answer = 41' >set.lua
repl 'answer + 1
' -i set.lua
[ "$rc" -eq 0 ] && [ "$out" = "42" ] || fail "-i after script: rc $rc, '$out' ($err)"
repl 'print("not reached")
' -i -e 'error("stop")'
[ "$rc" -eq 1 ] || fail "-i after failing -e: exit status $rc"
hasnt "-i after failing -e" "$out" "not reached"

# --- Ctrl-C interrupts the running command, not the REPL ---------------------------------
mkfifo "$T/fifo"
"$G" <"$T/fifo" >"$T/iout" 2>"$T/ierr" &
gpid=$!
pids+=("$gpid")
exec 7>"$T/fifo"
echo 'print("ready")' >&7
wait_for "$T/iout" ready || fail "REPL on a fifo: no 'ready'"
kill -INT "$gpid" # at the prompt: ignored, a new prompt
sleep 0.2
echo 'io.write("started\n"); io.stdout:flush(); while true do end' >&7
if wait_for "$T/iout" started; then
  kill -INT "$gpid"
  wait_for "$T/ierr" interrupted || fail "Ctrl-C in the REPL: no 'interrupted' message"
  echo 'print("alive")' >&7
  wait_for "$T/iout" alive || fail "Ctrl-C in the REPL: REPL did not go on (stdout: $(cat "$T/iout"))"
else
  fail "REPL on a fifo: the loop did not start (stderr: $(cat "$T/ierr"))"
fi
exec 7>&-
wait_exit "$gpid"
[ "$rc" -eq 1 ] || fail "REPL after Ctrl-C: exit status $rc, expected 1 (one command failed)"
has "Ctrl-C message" "$(cat "$T/ierr")" "stdin:2: interrupted"

# --- SIGINT / SIGTERM in script mode -----------------------------------------------------
cat >loop.lua <<'EOF'
print("looping"); io.stdout:flush()
local i = 0
while true do i = i + 1 end
EOF
# Each run below writes files of its own.  Were the run before's file, already
# saying "looping", reused, the signal could reach the shell's child before it
# became glassvm, and that child runs this script's EXIT trap (deleting $T):
# seen once in CI, as "SIGTERM caught: exit status 143".
for sig in INT TERM; do
  "$G" loop.lua >"$T/sout.$sig" 2>"$T/serr.$sig" &
  spid=$!
  pids+=("$spid")
  if wait_for "$T/sout.$sig" looping; then
    kill -"$sig" "$spid"
    wait_exit "$spid"
    want=130
    [ "$sig" = TERM ] && want=143
    [ "$rc" -eq "$want" ] || fail "SIG$sig in a script: exit status $rc, expected $want"
    has "SIG$sig in a script" "$(cat "$T/serr.$sig")" "loop.lua:3: interrupted"
  else
    fail "SIG$sig in a script: the script did not start"
  fi
done

# A caught interruption is a glass.Error: status EINTR, the signal named,
# told apart by glass.interrupted (not by its text).
cat >catch.lua <<'EOF'
local ok, err = pcall(function()
  print("looping"); io.stdout:flush()
  local i = 0
  while true do i = i + 1 end
end)
print(glass.interrupted(err), err.status, err.signal, err.message)
EOF
for sig in INT TERM; do
  "$G" catch.lua >"$T/cout.$sig" 2>"$T/cerr.$sig" &
  cpid=$!
  pids+=("$cpid")
  if wait_for "$T/cout.$sig" looping; then
    kill -"$sig" "$cpid"
    wait_exit "$cpid"
    [ "$rc" -eq 0 ] || fail "SIG$sig caught: exit status $rc, expected 0 ($(cat "$T/cerr.$sig"))"
    has "SIG$sig caught" "$(cat "$T/cout.$sig")" "true	EINTR	SIG$sig	catch.lua:4: interrupted"
  else
    fail "SIG$sig caught: the script did not start"
  fi
done

# --- on a terminal: libedit prompts and history (through util-linux `script`) ---------
if command -v script >/dev/null 2>&1; then
  mkdir -p "$T/home"
  (printf '1 + 2\nfunction g()\nreturn 7\nend\ng()\n'; sleep 1) |
    HOME="$T/home" timeout 10 script -q -e -c "$G" /dev/null >"$T/tty" 2>&1
  rc=$?
  tty_out=$(tr -d '\r' <"$T/tty")
  [ "$rc" -eq 0 ] || fail "terminal REPL: exit status $rc ($tty_out)"
  has "terminal banner" "$tty_out" "glassvm 0.1.0, Lua 5.4"
  has "terminal prompt" "$tty_out" "> 1 + 2"
  has "terminal continuation prompt" "$tty_out" ">> return 7"
  grep -qx '3' <<<"$tty_out" || fail "terminal REPL: no result 3 in: $tty_out"
  grep -qx '7' <<<"$tty_out" || fail "terminal REPL: no result 7 in: $tty_out"
  # On a terminal a line number counts within the statement typed, as in lua.
  (printf '1 + 2\nfunction h()\nreturn nil + 1\nend\nh()\n'; sleep 1) |
    HOME="$T/home" timeout 10 script -q -e -c "$G" /dev/null >"$T/tty3" 2>&1
  tty_out=$(tr -d '\r' <"$T/tty3")
  has "terminal error line" "$tty_out" "stdin:2: attempt to perform arithmetic on a nil value"
  has "terminal caller line" "$tty_out" "stdin:1: in main chunk"
  hist="$T/home/.glassvm_history"
  if [ -f "$hist" ]; then
    # libedit writes spaces as \040 and newlines as \012
    grep -qF -e '1\040+\0402' -e '1 + 2' "$hist" || fail "history: no '1 + 2' in $(cat "$hist")"
    has "history keeps multi-line chunks" "$(cat "$hist")" 'function\040g()'
  else
    fail "terminal REPL: no history file $hist"
  fi
  # a home that cannot hold the history only loses the history
  (printf '40 + 2\n'; sleep 1) |
    HOME="$T/no/such/home" timeout 10 script -q -e -c "$G" /dev/null >"$T/tty2" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || fail "HOME without a directory: exit status $rc"
  grep -qx '42' <<<"$(tr -d '\r' <"$T/tty2")" || fail "HOME without a directory: no result: $(cat "$T/tty2")"
else
  echo "note: util-linux 'script' not found; terminal REPL not tested"
fi

if [ "$failures" -ne 0 ]; then
  echo "test_repl.sh: $failures failure(s)"
  exit 1
fi
echo "test_repl.sh: all passed"
