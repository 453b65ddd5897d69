# shellcheck shell=bash
# Sourced by shell tests that signal a background glassvm (after fail() is
# defined).  wait_exit PID [SECONDS]: up to SECONDS (default 5) for PID to
# end, killing it after that (a failure); sets $rc to its exit status.
wait_exit() {
  local i
  for ((i = 0; i < ${2:-5} * 20; i++)); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1"
    fail "process $1 did not end within ${2:-5} s"
  fi
  wait "$1"
  # shellcheck disable=SC2034 # read by the sourcing test
  rc=$?
}
