#!/usr/bin/env bash
# check-kernels.sh [-k "KERNEL..."] [-l LOGDIR] [-- CMD [ARGS...]]
#
# Runs CMD (default: make -s test-e2e) inside each kernel of the list (default
# "6.1 6.12", or $IPCTRACE_VM_KERNELS) with run-in-kernel.sh, one after the
# other, then prints one line per kernel:
#
#   PASS 6.1   (23s)
#   FAIL 6.12  (exit 2, 31s)
#
# and exits 0 if all passed, 1 if any failed (2 on bad usage).
#
#   -k LIST    kernels to run, space separated (anything run-in-kernel.sh takes)
#   -l LOGDIR  write each kernel's output to LOGDIR/<kernel>.log instead of
#              the terminal, and print the log of a kernel that failed
#
# run-in-kernel.sh's environment variables (IPCTRACE_VM_TIMEOUT, ...) apply.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernels=${IPCTRACE_VM_KERNELS:-"6.1 6.12"}
logdir=

usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
    case $1 in
        -k) [[ $# -ge 2 ]] || usage; kernels=$2; shift 2 ;;
        -l) [[ $# -ge 2 ]] || usage; logdir=$2; shift 2 ;;
        -h|--help) usage ;;
        --) shift; break ;;
        *) break ;;
    esac
done
if [[ $# -eq 0 ]]; then set -- make -s test-e2e; fi
[[ -n $logdir ]] && { mkdir -p "$logdir" || exit 2; }

results=()
failed=0
for k in $kernels; do
    start=$SECONDS
    echo "check-kernels: === $k: $*" >&2
    if [[ -n $logdir ]]; then
        log=$logdir/${k//\//_}.log
        "$here/run-in-kernel.sh" "$k" -- "$@" >"$log" 2>&1
    else
        "$here/run-in-kernel.sh" "$k" -- "$@"
    fi
    rc=$?
    secs=$((SECONDS - start))
    if [[ $rc -eq 0 ]]; then
        results+=("$(printf 'PASS %-6s (%ds)' "$k" "$secs")")
    else
        failed=1
        case $rc in
            124) why="timed out" ;;
            125) why="VM failed" ;;
            *) why="exit $rc" ;;
        esac
        results+=("$(printf 'FAIL %-6s (%s, %ds)' "$k" "$why" "$secs")")
        if [[ -n $logdir ]]; then
            echo "check-kernels: --- $k failed, $log:" >&2
            cat "$log" >&2
        fi
    fi
done

printf '%s\n' "${results[@]}"
exit "$failed"
