# shellcheck shell=bash
# Progress for long scripts (make demo): numbered steps with their duration, and a heartbeat
# that speaks up when a command stays silent, so no minute passes without a line.
#   source scripts/lib/progress.sh
#   progress_start 6                  # the number of steps
#   step "render the local environment"
#   heartbeat "building dap" cargo build -p dap
#   progress_end                      # the last step's time and the total
#   progress_summary                  # every step's time, longest first (make test ends so)

_progress_t0=$(date +%s)
_progress_step_t0=$_progress_t0
_progress_n=0
_progress_total=0
_progress_names=()
_progress_secs=()

# A duration for people: "48 s", "3 min 05 s".
progress_human() {
  local s=$1
  if [ "$s" -lt 60 ]; then printf '%d s' "$s"; else printf '%d min %02d s' $((s / 60)) $((s % 60)); fi
}

_progress_close_step() {
  if [ "$_progress_n" -gt 0 ]; then
    local took=$(($(date +%s) - _progress_step_t0))
    _progress_secs[_progress_n - 1]=$took
    printf '   (%s)\n' "$(progress_human "$took")" >&2
  fi
}

progress_start() { _progress_total=$1; }

step() {
  _progress_close_step
  _progress_n=$((_progress_n + 1))
  _progress_step_t0=$(date +%s)
  _progress_names[_progress_n - 1]="$*"
  _progress_secs[_progress_n - 1]=0
  printf '\n== [%d/%d] %s\n' "$_progress_n" "$_progress_total" "$*" >&2
}

progress_end() {
  _progress_close_step
  _progress_n=0
  printf '\n== done in %s\n' "$(progress_human $(($(date +%s) - _progress_t0)))" >&2
}

# Runs a command; while it runs, prints a line every ${HEARTBEAT_SECONDS:-20} s saying it is
# still working and for how long. Returns the command's exit status.
heartbeat() {
  local label=$1 every=${HEARTBEAT_SECONDS:-20} start pid hb rc=0
  shift
  start=$(date +%s)
  "$@" &
  pid=$!
  (
    while sleep "$every"; do
      kill -0 "$pid" 2>/dev/null || exit 0
      printf '   ... %s: still working (%s)\n' "$label" "$(progress_human $(($(date +%s) - start)))" >&2
    done
  ) &
  hb=$!
  wait "$pid" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  return "$rc"
}

# Where the time went: each step's duration, longest first, with its share of the total. A
# step still running (the one that failed) is closed first and marked.
progress_summary() {
  local status=$?
  if [ "$_progress_n" -gt 0 ] && [ "${_progress_secs[_progress_n - 1]}" = 0 ]; then
    _progress_secs[_progress_n - 1]=$(($(date +%s) - _progress_step_t0))
    [ "$status" -ne 0 ] && _progress_names[_progress_n - 1]+=" (failed)"
  fi
  local total=$(($(date +%s) - _progress_t0)) i
  [ "$total" -gt 0 ] || total=1
  printf '\n== time by step (total %s)\n' "$(progress_human "$total")" >&2
  for i in "${!_progress_names[@]}"; do
    printf '%s\t%s\n' "${_progress_secs[i]}" "${_progress_names[i]}"
  done | sort -rn | while IFS=$'\t' read -r secs name; do
    printf '  %10s  %3d%%  %s\n' "$(progress_human "$secs")" $((secs * 100 / total)) "$name" >&2
  done
  return "$status"
}
