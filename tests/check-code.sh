#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# check-code.sh: the reliability and code-quality checks of ipctrace, as
# root, from the top of the tree (.ci/run calls it after the tests).
#
#   verifier   every BPF program loads on this kernel, with each set of
#              options that changes what the verifier sees (--stacks,
#              --timeline, --by, attach --all and --cgroup: rodata-dependent
#              code); the BPF side builds with -Wall -Werror (BPF_CFLAGS)
#   asan       ASan + UBSan build: unit tests, runs, the fault matrix
#   valgrind   run pipe-pi, report and compare, leak-checked
#   lint       cppcheck and clang-tidy, checked-in configuration, no finding
#   fuzz       libFuzzer on the summary reader and the option parser,
#              FUZZ_SECONDS each (default 60)
#   faults     the fault and input matrix (tests/faults/test_faults.py)
#
# Every check runs, even after one failed; the exit status is 1 if any
# failed.  CHECKS="lint fuzz" runs only those.  About 10 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

CHECKS=${CHECKS:-verifier asan valgrind lint fuzz faults}
export FUZZ_SECONDS=${FUZZ_SECONDS:-60}
export IPCTRACE_REQUIRE_BPF=1 # a test that cannot trace fails, it is not skipped
MAKE="make --no-print-directory"

if [ "$(id -u)" != 0 ]; then
	echo "check-code: run as root (BPF programs are loaded)" >&2
	exit 1
fi

check_verifier() {
	local tmp status=0
	tmp=$(mktemp -d) || return 1
	$MAKE all || return 1
	# the scopes (attach --all, --cgroup) and --by are rodata too
	for command in "run -- /bin/true" "run --stacks --timeline $tmp/timeline.json --hist -- /bin/true" \
		"run --by process -- /bin/true" "attach --all --by comm -d 0.1" \
		"attach --cgroup / --by cgroup -d 0.1"; do
		echo "  ipctrace $command"
		# shellcheck disable=SC2086 # the command is words
		if ! build/ipctrace ${command%% *} -q -o "$tmp/summary.json" ${command#* }; then
			echo "check-code: the BPF programs did not load; the verifier's log:" >&2
			# shellcheck disable=SC2086
			build/ipctrace ${command%% *} -v -q -o "$tmp/summary.json" ${command#* } 2>&1 | tail -50
			status=1
		else
			# a tracepoint this kernel lacks: its program was left out, not verified
			/usr/bin/python3 -c 'import json, sys
for u in json.load(open(sys.argv[1]))["unavailable"]:
    print("  not loaded on this kernel: %s (%s)" % (u["feature"], u["reason"]))' "$tmp/summary.json"
		fi
	done
	rm -rf "$tmp"
	return $status
}

check_asan() { $MAKE asan; }
check_valgrind() { $MAKE valgrind; }
check_lint() { $MAKE lint; }
check_fuzz() { $MAKE fuzz FUZZ_SECONDS="$FUZZ_SECONDS"; }
check_faults() { $MAKE test-faults; }

failed=()
summary=()
for check in $CHECKS; do
	if ! declare -F "check_$check" > /dev/null; then
		echo "check-code: no check '$check'" >&2
		exit 2
	fi
	echo "=== $check"
	start=$SECONDS
	if "check_$check"; then
		result=ok
	else
		result=FAILED
		failed+=("$check")
	fi
	summary+=("$(printf '%-9s %-6s %4d s' "$check" "$result" $((SECONDS - start)))")
done

echo "=== summary"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "check-code: failed: ${failed[*]}" >&2
	exit 1
fi
echo "check-code: all passed in $SECONDS s"
