#!/usr/bin/env bash
# test_install.sh: `cmake --install` gives a glassvm that finds its Lua
# library (and protocols) under <prefix>/share/glassvm, from any directory.
# Usage: bash test_install.sh /path/to/glassvm   (the binary in its build dir)
set -u
G=${1:?usage: test_install.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G") # absolute: the tests change directory
BUILD=$(cd "$(dirname "$G")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if [ ! -f "$BUILD/cmake_install.cmake" ]; then
  echo "FAIL: $BUILD is not a CMake build directory (no cmake_install.cmake)"
  exit 1
fi
P="$T/prefix"
if ! cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1; then
  cat "$T/install.log"
  echo "FAIL: cmake --install $BUILD --prefix $P"
  exit 1
fi
[ -x "$P/bin/glassvm" ] || fail "no $P/bin/glassvm"
[ -f "$P/share/glassvm/lua/glass/init.lua" ] || fail "no $P/share/glassvm/lua/glass/init.lua"
[ -d "$P/share/glassvm/protocols" ] || fail "no $P/share/glassvm/protocols"
[ -f "$P/share/glassvm/docs/guide.md" ] || fail "no $P/share/glassvm/docs/guide.md"
[ -e "$P/share/glassvm/docs/reproduction/paper" ] && fail "the reproduction's data installed with the docs"

# Run from elsewhere, with no environment pointing at the source tree.
mkdir -p "$T/elsewhere"
cd "$T/elsewhere" || exit 1
out=$(env -u GLASSVM_PATH -u GV_SOURCE_DIR "$P/bin/glassvm" -e '
  print(glass.paths.lua)
  print(glass.paths.protocols)
  print(glass.paths.docs)
  print(package.searchpath("glass", package.path))
  print(glass.version)' 2>&1)
rc=$?
expected="$P/share/glassvm/lua
$P/share/glassvm/protocols
$P/share/glassvm/docs
$P/share/glassvm/lua/glass/init.lua
0.1.0"
[ "$rc" -eq 0 ] && [ "$out" = "$expected" ] || fail "installed glassvm: rc $rc, got
$out
expected
$expected"

# The installed copy is the one loaded: a marker module placed only there is found.
echo 'return "installed copy"' >"$P/share/glassvm/lua/glass/install_marker.lua"
out=$("$P/bin/glassvm" -e 'print((require "glass.install_marker"))' 2>&1)
[ "$out" = "installed copy" ] || fail "installed Lua library not used: $out"

# A script given by relative path and the REPL work too.
echo 'print("script", glass.version, ...)' >s.lua
out=$("$P/bin/glassvm" s.lua 1 2>&1)
[ "$out" = "script	0.1.0	1" ] || fail "installed glassvm running s.lua: $out"
out=$(echo 'glass.version' | "$P/bin/glassvm" 2>&1)
[ "$out" = "0.1.0" ] || fail "installed glassvm REPL: $out"

# Protocols by name: `glassvm ageing` runs the installed protocols/ageing.lua.
out=$("$P/bin/glassvm" ageing --help 2>&1)
grep -qF -- "$P/share/glassvm/protocols/ageing.lua" <<<"$out" && grep -qF -- "--tau_method" <<<"$out" \
  || fail "installed glassvm ageing --help: $(head -3 <<<"$out")"
out=$("$P/bin/glassvm" no_such_protocol 2>&1)
[ "$out" = "glassvm: 'no_such_protocol' is neither a file nor a protocol; the protocols (in $P/share/glassvm/protocols) are: $(cd "$P/share/glassvm/protocols" && ls *.lua | sed 's/\.lua$//' | LC_ALL=C sort | paste -sd, - | sed 's/,/, /g')" ] \
  || fail "installed glassvm, unknown protocol: $out"

# A moved installation still finds itself (the path is relative to the binary).
mv "$P" "$T/moved"
out=$("$T/moved/bin/glassvm" -e 'print(glass.paths.lua)' 2>&1)
[ "$out" = "$T/moved/share/glassvm/lua" ] || fail "moved installation: $out"

if [ "$failures" -ne 0 ]; then
  echo "test_install.sh: $failures failure(s)"
  exit 1
fi
echo "test_install.sh: all passed"
