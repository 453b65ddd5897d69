#!/usr/bin/env bash
# test_cli.sh: the glassvm command line (options, `arg`, errors, exit status).
# Usage: bash test_cli.sh /path/to/glassvm
set -u
G=${1:?usage: test_cli.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G") # absolute: the tests change directory
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run ARGS...: runs glassvm with a timeout; sets $rc, $out, $err.
run() {
  timeout 10 "$G" "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
  out=$(cat "$T/out")
  err=$(cat "$T/err")
}
# expect_rc WHAT CODE
expect_rc() { [ "$rc" -eq "$2" ] || fail "$1: exit status $rc, expected $2 (stderr: $err)"; }
# has WHAT TEXT NEEDLE: TEXT contains NEEDLE (fixed string)
has() { grep -qF -- "$3" <<<"$2" || fail "$1: expected '$3' in: $2"; }
hasnt() { ! grep -qF -- "$3" <<<"$2" || fail "$1: did not expect '$3' in: $2"; }

# --- the arg table and varargs, as with `lua` --------------------------------
cat >args.lua <<'EOF'
for i = -5, #arg do io.write(i, "=", tostring(arg[i]), "\n") end
io.write("varargs=", table.concat({...}, "|"), "\n")
EOF
run --threads 1 -e 'x=1' args.lua a "b c"
expect_rc "arg table" 0
expected="-5=$G
-4=--threads
-3=1
-2=-e
-1=x=1
0=args.lua
1=a
2=b c
varargs=a|b c"
[ "$out" = "$expected" ] || fail "arg table: got
$out
expected
$expected"
run args.lua
has "arg without args" "$out" "0=args.lua"
has "arg without args" "$out" "-1=$G"
has "arg without args" "$out" "varargs="
hasnt "arg without args" "$out" "1=a"

# --- -e runs in order, before the script, and sees `arg` ---------------------
run -e 'x = 1' -e 'x = x * 10' -e 'print("x", x)'
expect_rc "-e order" 0
[ "$out" = "x	10" ] || fail "-e order: got '$out'"
echo 'print("y", y, ...)' >y.lua
run -e 'y = 5' -ey=y+1 y.lua q
[ "$out" = "y	6	q" ] || fail "-e before script: got '$out'"
run -e 'print(arg[0], arg[1], arg[2])'
[ "$out" = "$G	-e	print(arg[0], arg[1], arg[2])" ] || fail "arg without script: got '$out'"
run -e 'x = 1' -e 'error("in e")' -e 'print("not reached")'
expect_rc "-e error" 1
has "-e error" "$err" "(command line):1: in e"
hasnt "-e error" "$out" "not reached"
run -e
expect_rc "-e without code" 2
has "-e without code" "$err" "'-e' needs an argument"

# --- glass is preloaded -------------------------------------------------------
run -e 'print(type(glass), require("glass") == glass, glass.version)'
[ "$out" = "table	true	0.1.0" ] || fail "glass preloaded: got '$out' ($err)"
run -e 'print(type(glass.paths.lua), type(glass.paths.protocols))'
[ "$out" = "string	string" ] || fail "glass.paths: got '$out' ($err)"

# --- -v / --version -------------------------------------------------------------
for v in -v --version; do
  run $v
  expect_rc "$v" 0
  grep -qE '^glassvm 0\.1\.0, Lua 5\.4\.[0-9]+, OpenBLAS [0-9]' <<<"$out" || fail "$v: got '$out'"
  [ "$(wc -l <<<"$out")" -eq 1 ] || fail "$v: more than one line: $out"
done
run -v -e 'print("after")'
has "-v with -e" "$out" "after"

# --- -h / --help ----------------------------------------------------------------
for h in -h --help; do
  run $h
  expect_rc "$h" 0
  for word in "usage: glassvm" "-e CODE" "-i" "--threads N" "--version" "GLASSVM_PATH" \
              "GLASSVM_DATA" "OMP_NUM_THREADS" "REPL" "Ctrl-C" ".glassvm_history" "Exit status"; do
    has "$h" "$out" "$word"
  done
done

# --- --threads --------------------------------------------------------------------
run --threads 3 -e 'print(glass.threads())'
[ "$rc" -eq 0 ] && [ "$out" = "3" ] || fail "--threads 3: rc $rc, got '$out' ($err)"
run --threads=2 -e 'print(glass.threads())'
[ "$out" = "2" ] || fail "--threads=2: got '$out' ($err)"
# 0 is the default, as a protocol's --threads=0.
run --threads 0 -e 'print(glass.threads() >= 1)'
[ "$rc" -eq 0 ] && [ "$out" = "true" ] || fail "--threads 0: rc $rc, got '$out' ($err)"
for bad in -1 abc 2x 1.5 "" 99999; do
  run --threads "$bad" -e 'print("ran")'
  expect_rc "--threads '$bad'" 2
  has "--threads '$bad'" "$err" "--threads needs a whole number"
  hasnt "--threads '$bad'" "$out" "ran"
done
run --threads
expect_rc "--threads without value" 2
has "--threads without value" "$err" "'--threads' needs an argument"

# --- unknown options ----------------------------------------------------------------
# A protocol's option before the protocol: where it goes.
run --T=1e-4 ageing
expect_rc "a protocol option before the protocol" 2
has "a protocol option before the protocol" "$err" \
  "unrecognized option '--T=1e-4'; a protocol's options go after its name: glassvm ageing --T=1e-4"
# Not for a misspelt glassvm option followed by its value.
run --thread 4 ageing
hasnt "a misspelt glassvm option" "$err" "go after its name"
for bad in -x --frobnicate -ix; do
  run $bad
  expect_rc "unknown option $bad" 2
  has "unknown option $bad" "$err" "unrecognized option '$bad'"
  has "unknown option $bad" "$err" "glassvm --help"
done
# options after the script belong to the script
run args.lua -x --frobnicate
expect_rc "options after script" 0
has "options after script" "$out" "1=-x"

# --- errors name the file and the line ------------------------------------------------
printf 'local a = 1\nlocal b = 2\nlocal c = = 3\nprint("x")\n' >syntax.lua
run syntax.lua
expect_rc "syntax error" 1
has "syntax error" "$err" "glassvm: syntax.lua:3:"
[ -z "$out" ] || fail "syntax error: printed '$out' on stdout"
printf 'print("before")\nerror("boom")\nprint("after")\n' >runtime.lua
run runtime.lua
expect_rc "runtime error" 1
has "runtime error" "$err" "glassvm: runtime.lua:2: boom"
has "runtime error" "$err" "stack traceback:"
has "runtime error" "$err" "[C]: in function 'error'"   # the script's own error() stays
[ "$out" = "before" ] || fail "runtime error: stdout '$out'"
# A library function that names its caller's line: the traceback shows the
# caller's frames, not the library's.
printf 'local function f() glass.lab.stats(nil) end\nf()\n' >libarg.lua
run libarg.lua
expect_rc "library argument error" 1
has "library argument error" "$err" "glassvm: libarg.lua:1: glass.lab.stats(list)"
has "library argument error" "$err" "frame in glassvm's library"
has "library argument error" "$err" "libarg.lua:2: in main chunk"
grep -q "glass/lab.lua" <<<"$err" && fail "library argument error: lab.lua's frames shown: $err"
grep -q "in function 'error'" <<<"$err" && fail "library argument error: error() shown: $err"
# An error raised inside the library (no position of the caller's) keeps every frame.
run -e 'require("glass.json").encode(print)'
expect_rc "library internal error" 1
has "library internal error" "$err" "glass/json.lua:"
# A glass.Error raised by a binding that the library called (here glass.drive's
# ens:run) is printed without the library's position, also from a library under a
# path long enough for Lua to shorten it to ".../glass/protocol.lua:65:".
lost='local e = glass.ensemble{landscape = glass.landscape.harmonic{N = 2, k = 1, P = 1},
  init = {1e10, 1e10}, replicas = 1}
glass.drive(e, {integrator = glass.gd{lr = 1e300}, steps = 3})'
long="$T/a_directory_name_long_enough/that_lua_shortens_its_file_names"
mkdir -p "$long" && cp -r "$("$G" -e 'print(glass.paths.lua)')" "$long/lua"
err=$("$G" -e "$lost" 2>&1 >/dev/null)
has "library position" "$err" "glassvm: ensemble run: all 1 replicas are lost"
err=$(GLASSVM_PATH="$long/lua" "$G" -e "$lost" 2>&1 >/dev/null)
has "library position (long path)" "$err" "glassvm: ensemble run: all 1 replicas are lost"
# Memory run out (here: a size beyond any machine's, refused before malloc) is not a
# bug either: one line that says what to do, no traceback.
run -e 'glass.ensemble{landscape = glass.landscape.flat{N = 2^40, P = 10}, replicas = 2^31}'
expect_rc "out of memory" 1
has "out of memory" "$err" "is too large (out of memory: fewer replicas, a smaller network or fewer rows need less; or a machine with more)"
grep -q "stack traceback" <<<"$err" && fail "out of memory: a traceback: $err"
# A file that cannot be written is not a bug: one line, no traceback.
run -e 'require("glass.fs").write_file("/nonexistent/x", "a")'
expect_rc "unwritable file" 1
has "unwritable file" "$err" "glassvm: cannot write /nonexistent/x: "
grep -q "stack traceback" <<<"$err" && fail "unwritable file: a traceback: $err"
grep -q "left out" <<<"$err" && fail "library internal error: frames left out: $err"
printf 'local t = setmetatable({}, {__tostring = function() return "custom error" end})\nerror(t)\n' >objerr.lua
run objerr.lua
expect_rc "error object" 1
has "error object" "$err" "custom error"
run -e 'error({})'
expect_rc "table error" 1
has "table error" "$err" "(error object is a table value)"
run -e 'os.exit(3)'
expect_rc "os.exit(3)" 3

# --- the script from stdin, -- and missing files ------------------------------------------
out=$(echo 'print("from stdin", ...)' | timeout 10 "$G" - a b 2>&1)
rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "from stdin	a	b" ] || fail "script from stdin: rc $rc, '$out'"
out=$(echo 'error("stdin err")' | timeout 10 "$G" - 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "error in stdin script: rc $rc"
has "error in stdin script" "$out" "stdin:1: stdin err"
cp args.lua ./-dash.lua
run -- -dash.lua z
expect_rc "-- then script" 0
has "-- then script" "$out" "0=-dash.lua"
has "-- then script" "$out" "1=z"
run no-such-script.lua
expect_rc "missing script" 1
has "missing script" "$err" "cannot open no-such-script.lua"
hasnt "missing script" "$err" "ships with glassvm"
# A missing file named like a shipped protocol (the docs' `glassvm protocols/ageing.lua`
# run from elsewhere): the error says how to run it by name.
for f in ageing.lua protocols/ageing.lua; do
  run "$f" --preset=smoke
  expect_rc "missing $f" 1
  has "missing $f" "$err" \
    "cannot open $f: No such file or directory (the protocol 'ageing' ships with glassvm: run 'glassvm ageing ...')"
done
# A typo in a script's name: the closest .lua file of its directory is offered.
mkdir -p mine && echo 'print(1)' >mine/quench_sweep.lua
run mine/quench_swep.lua
expect_rc "misspelt script" 1
has "misspelt script" "$err" "cannot open mine/quench_swep.lua: No such file or directory (did you mean mine/quench_sweep.lua?)"

# --- the Lua library location ----------------------------------------------------------
src_lua=$("$G" -e 'io.write(glass.paths.lua)')
mkdir -p alt && cp -r "$src_lua" alt/lua
echo 'return {marker = "alt"}' >alt/lua/glass/marker.lua
out=$(GLASSVM_PATH="$T/alt/lua" "$G" -e 'print(glass.paths.lua, require("glass.marker").marker)' 2>&1)
[ "$out" = "$T/alt/lua	alt" ] || fail "GLASSVM_PATH: got '$out'"
out=$(GLASSVM_PATH="$T/nowhere" "$G" -e 'print("ran")' 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "bad GLASSVM_PATH: rc $rc"
has "bad GLASSVM_PATH" "$out" "GLASSVM_PATH=$T/nowhere: no glass/init.lua there"
hasnt "bad GLASSVM_PATH" "$out" "ran"
# A set-up mistake: its one line says what to do, with no traceback.
hasnt "bad GLASSVM_PATH" "$out" "stack traceback"
[ "$(wc -l <<<"$out")" -eq 1 ] || fail "bad GLASSVM_PATH: expected one line, got: $out"
out=$(GLASSVM_DATA="$T" "$G" -e 'print(glass.paths.data)' 2>&1)
[ "$out" = "$T" ] || fail "GLASSVM_DATA in glass.paths.data: got '$out'"
# One search of the data directories: glass.paths.data is the first of
# glass.data.dirs(), and glass.data.mnist looks there (GLASSVM_DATA alone).
mkdir -p "$T/dd/mnist"
for f in train-images-idx3-ubyte:tiny-images.idx3 train-labels-idx1-ubyte:tiny-labels.idx1 \
         t10k-images-idx3-ubyte.gz:tiny-images.idx3.gz t10k-labels-idx1-ubyte:tiny-labels.idx1; do
  cp "$GV_TEST_DATA/${f#*:}" "$T/dd/mnist/${f%%:*}"
done
out=$(GLASSVM_DATA="$T/dd" "$G" -e 'local d = glass.data.dirs(); local tr, te = glass.data.mnist{k = 1}
  print(#d, d[1] == glass.paths.data, tr, te:name())' 2>&1)
[ "$out" = "1	true	glass.Dataset MNIST train: 6 x 1, labels +1: 3, -1: 3	MNIST test" ] ||
  fail "GLASSVM_DATA search: got '$out'"
out=$(GLASSVM_DATA="$T/none" "$G" -e 'glass.data.mnist{}' 2>&1)
has "GLASSVM_DATA, no data" "$out" "the MNIST files (train-images-idx3-ubyte, ... plain or .gz) are not in $T/none/mnist: GLASSVM_DATA=$T/none is where glassvm looks; put mnist/ there, or unset GLASSVM_DATA"
# Some of the files there: the message names what is missing or unreadable, not the set.
cp -r "$T/dd" "$T/dpart"
rm "$T/dpart/mnist/train-labels-idx1-ubyte"
mkdir "$T/dpart/mnist/t10k-labels-idx1-ubyte.gz"   # (a directory beside the plain file)
rm "$T/dpart/mnist/t10k-labels-idx1-ubyte"
out=$(GLASSVM_DATA="$T/dpart" "$G" -e 'glass.data.mnist{}' 2>&1)
has "GLASSVM_DATA, a file missing" "$out" "the MNIST files in $T/dpart/mnist are incomplete: train-labels-idx1-ubyte (or .gz) is missing; $T/dpart/mnist/t10k-labels-idx1-ubyte.gz is a directory. Make every file there readable and whole"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then   # (root reads any file)
  cp "$T/dd/mnist/train-labels-idx1-ubyte" "$T/dpart/mnist/"; rm -r "$T/dpart/mnist/t10k-labels-idx1-ubyte.gz"
  cp "$T/dd/mnist/t10k-labels-idx1-ubyte" "$T/dpart/mnist/"; chmod 000 "$T/dpart/mnist/train-labels-idx1-ubyte"
  chmod a+rx "$T" "$T/dpart" "$T/dpart/mnist"
  out=$(GLASSVM_DATA="$T/dpart" setpriv --reuid=65534 --regid=65534 --clear-groups "$G" -e 'glass.data.mnist{}' 2>&1)
  has "GLASSVM_DATA, a file unreadable" "$out" "$T/dpart/mnist/train-labels-idx1-ubyte: cannot read it (Permission denied)"
fi
out=$(GLASSVM_DATA="$T/dd/mnist/train-images-idx3-ubyte" "$G" -e 'glass.data.mnist{}' 2>&1)
has "GLASSVM_DATA, a file" "$out" "GLASSVM_DATA=$T/dd/mnist/train-images-idx3-ubyte is a file, not a directory"
out=$(env -u GLASSVM_DATA "$G" -e 'local d, ok = glass.data.dirs(), glass.paths.data == nil
  for _, x in ipairs(d) do ok = ok or x == glass.paths.data end
  print(ok, d[#d])' 2>&1)
has "default data dirs" "$out" "true	"
has "default data dirs" "$out" "/share/glassvm/data"
# Debian's own module paths stay after ours (lua-argparse lives there).
out=$("$G" -e 'print(package.path)')
case "$out" in
  "$src_lua/?.lua;$src_lua/?/init.lua;"*/usr/share/lua/5.4/?.lua*) ;;
  *) fail "package.path: $out" ;;
esac

# --- OpenMP threads wait passively unless the user chose otherwise ------------
# (main.c: OMP_WAIT_POLICY=passive by default, set before libgomp reads it,
# by one re-exec; the command line, stdin and the exit status survive it.)
policy='print(os.getenv("OMP_WAIT_POLICY"), os.getenv("GOMP_SPINCOUNT"))'
out=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$G" -e "$policy")
[ "$out" = "passive	nil" ] || fail "default wait policy: got '$out'"
out=$(env -u GOMP_SPINCOUNT OMP_WAIT_POLICY=active "$G" -e "$policy")
[ "$out" = "active	nil" ] || fail "OMP_WAIT_POLICY=active is the user's: got '$out'"
out=$(env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=1000 "$G" -e "$policy")
[ "$out" = "nil	1000" ] || fail "GOMP_SPINCOUNT is the user's: got '$out'"
echo 'print(io.read("l"), ...)' >readline.lua
out=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$G" readline.lua x "y z" 2>&1 <<<'line one')
[ "$out" = "line one	x	y z" ] || fail "stdin and arguments after the re-exec: got '$out'"
env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT timeout 10 "$G" -e 'os.exit(7)' </dev/null >/dev/null 2>&1
rc=$?
[ "$rc" -eq 7 ] || fail "exit status after the re-exec: $rc, expected 7"
# libgomp itself took it: its last report of the environment (the re-executed
# image's) says it spins 0 times before sleeping.
out=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT OMP_DISPLAY_ENV=verbose "$G" -e '' 2>&1)
if grep -q "GOMP_SPINCOUNT" <<<"$out"; then
  [ "$(grep "GOMP_SPINCOUNT" <<<"$out" | tail -1 | tr -d " '")" = "GOMP_SPINCOUNT=0" ] ||
    fail "libgomp still spins: $(grep -E "WAIT_POLICY|SPINCOUNT" <<<"$out" | tr '\n' ' ')"
fi

# --- output that cannot be written is an error -----------------------------------------
if [ -w /dev/full ]; then
  timeout 10 "$G" -e 'print("x")' >/dev/full 2>"$T/err"
  rc=$?
  [ "$rc" -ne 0 ] || fail "writing to /dev/full: exit status 0"
fi

if [ "$failures" -ne 0 ]; then
  echo "test_cli.sh: $failures failure(s)"
  exit 1
fi
echo "test_cli.sh: all passed"
