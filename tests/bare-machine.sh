#!/bin/bash
# tests/bare-machine.sh COMMAND [ARG...]: runs COMMAND as on a bare machine,
# inside fresh mount and IPC namespaces of its own: /dev/mqueue, tracefs,
# debugfs and bpffs unmounted, a fresh tmpfs on /dev/shm, no System V or
# POSIX IPC object of the host, and TMPDIR a private, empty directory.
# Before COMMAND runs, it asserts that those four mounts are absent, so that
# a bare run cannot silently stop being bare.  The host's mounts are left as
# they are.  Run as root; exits with COMMAND's status.
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: tests/bare-machine.sh COMMAND [ARG...]" >&2
	exit 64
fi
if [ "${IPCTRACE_BARE_INSIDE:-}" != 1 ]; then
	exec env IPCTRACE_BARE_INSIDE=1 unshare --mount --ipc --propagation private -- "$0" "$@"
fi
unset IPCTRACE_BARE_INSIDE

BARE_ABSENT="/dev/mqueue /sys/kernel/tracing /sys/kernel/debug /sys/fs/bpf"

# every mount at or below a point, deepest first (/sys/kernel/debug/tracing
# before /sys/kernel/debug)
mounts_under() {
	awk -v p="$1" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

for point in $BARE_ABSENT; do
	for m in $(mounts_under "$point"); do
		umount -l "$m"
	done
done
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
TMPDIR=$(mktemp -d /tmp/ipctrace-bare.XXXXXX)
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

for point in $BARE_ABSENT; do
	if [ -n "$(mounts_under "$point")" ]; then
		echo "bare-machine: $point is still mounted: not a bare run" >&2
		exit 1
	fi
	echo "bare-machine: $point not mounted"
done
if [ -n "$(ls -A /dev/shm)" ] || [ -n "$(ls -A "$TMPDIR")" ] ||
	[ "$(awk 'FNR > 1' /proc/sysvipc/msg /proc/sysvipc/sem /proc/sysvipc/shm | wc -l)" != 0 ]; then
	echo "bare-machine: /dev/shm, TMPDIR or the IPC namespace is not empty" >&2
	exit 1
fi
echo "bare-machine: /dev/shm a fresh tmpfs, TMPDIR=$TMPDIR empty, no System V IPC object"

status=0
"$@" || status=$?
exit $status
