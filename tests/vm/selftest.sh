#!/usr/bin/env bash
# selftest.sh [KERNEL...]   (default: 6.1 6.12)
#
# Checks run-in-kernel.sh itself on each kernel: uname -r, the guest's mounts,
# BTF, loopback, bpftool, loading a BPF object, modprobe, stdout/stderr and
# exit status passthrough, running from a directory under /tmp.  Then, on the
# first kernel only, that a guest panic gives 125 and a hang gives 124.
# Set SELFTEST_BPFTRACE=1 to also run a bpftrace one-liner (slow under TCG:
# bpftrace compiles with LLVM inside the guest).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run=$here/run-in-kernel.sh
[[ $# -gt 0 ]] || set -- 6.1 6.12
fails=0
ok() { echo "selftest: ok   $*"; }
bad() { echo "selftest: FAIL $*"; fails=$((fails + 1)); }

for c in clang bpftool; do
    command -v $c >/dev/null || { echo "selftest: needs $c on the host" >&2; exit 2; }
done
if [[ ${SELFTEST_BPFTRACE:-0} == 1 ]] && ! command -v bpftrace >/dev/null; then
    apt-get install -y -qq --no-install-recommends bpftrace >&2 || exit 2
fi

# Work from a directory under /tmp, which the guest must still see.
work=$(mktemp -d /tmp/ipctrace-vm-selftest.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
cat >prog.bpf.c <<'EOF'
#define SEC(n) __attribute__((section(n), used))
SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void *ctx) { return 0; }
char LICENSE[] SEC("license") = "GPL";
EOF
clang -O2 -g -target bpf -c prog.bpf.c -o prog.bpf.o || { echo "selftest: clang failed" >&2; exit 2; }

cat >guest.sh <<'EOF'
set -u
say() { echo "guest: $*" >&2; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then say "ok $what"; else say "FAIL $what"; fi; }
echo "uname=$(uname -r)"
echo "kut=${IPCTRACE_KERNEL_UNDER_TEST:-unset}"
echo "pwd=$(pwd)"
check btf test -r /sys/kernel/btf/vmlinux
for m in /sys/fs/bpf:bpf /sys/kernel/tracing:tracefs /sys/kernel/debug:debugfs /tmp:tmpfs \
         /dev/shm:tmpfs /dev/mqueue:mqueue /proc:proc /sys:sysfs; do
    check "mount ${m%%:*}" sh -c "grep -q ' ${m%%:*} ${m#*:} ' /proc/mounts"
done
check "/tmp writable" sh -c 'echo x >/tmp/t && test "$(cat /tmp/t)" = x'
check "cwd writable" sh -c 'echo x >./w && rm ./w'
check "nproc=2" test "$(nproc)" = 2
check loopback /usr/bin/python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.sendall(b"ping"); assert a.recv(4) == b"ping"'
check "bpftool prog list" bpftool prog list
check "bpftool prog loadall" sh -c 'bpftool prog loadall prog.bpf.o /sys/fs/bpf/st &&
    ls /sys/fs/bpf/st | grep -q on_getpid && bpftool prog show pinned /sys/fs/bpf/st/on_getpid'
check "modprobe veth" modprobe veth
if [ "${SELFTEST_BPFTRACE:-0}" = 1 ]; then
    check bpftrace sh -c "bpftrace -e 'tracepoint:syscalls:sys_enter_execve { printf(\"hit\\n\"); exit(); }' -c /bin/true | grep -q hit"
fi
seq 1 200000
echo "to stderr" >&2
exit 3
EOF

expect_sum=$(seq 1 200000 | sha256sum | cut -d' ' -f1)
first=
for k in "$@"; do
    first=${first:-$k}
    start=$SECONDS
    SELFTEST_BPFTRACE=${SELFTEST_BPFTRACE:-0} "$run" "$k" -- bash guest.sh >out.txt 2>err.txt
    rc=$?
    secs=$((SECONDS - start))
    [[ $rc == 3 ]] && ok "$k: exit status 3 passed through (${secs}s)" || bad "$k: exit status $rc, wanted 3"
    kver=$(grep -m1 '^uname=' out.txt | cut -d= -f2)
    case $kver in "$k".*|"$k"-*|"$k") ok "$k: uname -r = $kver" ;; *) bad "$k: uname -r = '$kver'" ;; esac
    grep -qx "kut=$k" out.txt && ok "$k: IPCTRACE_KERNEL_UNDER_TEST" || bad "$k: IPCTRACE_KERNEL_UNDER_TEST"
    grep -qx "pwd=$work" out.txt && ok "$k: cwd under /tmp" || bad "$k: cwd: $(grep '^pwd=' out.txt)"
    sum=$(grep -E '^[0-9]+$' out.txt | sha256sum | cut -d' ' -f1)
    [[ $sum == "$expect_sum" ]] && ok "$k: stdout intact (200000 lines)" || bad "$k: stdout differs"
    grep -qx "to stderr" err.txt && ! grep -q "to stderr" out.txt && ok "$k: stderr separate" || bad "$k: stderr"
    while read -r line; do
        case $line in
            "guest: ok "*) ok "$k: ${line#guest: ok }" ;;
            "guest: FAIL "*) bad "$k: ${line#guest: FAIL }" ;;
        esac
    done <err.txt
    grep -q "guest: ok modprobe" err.txt || { echo "--- $k stderr:"; cat err.txt; }
done

# Failure modes, on the first kernel.
start=$SECONDS
"$run" "$first" -- sh -c 'echo c >/proc/sysrq-trigger' >out.txt 2>err.txt
rc=$?
[[ $rc == 125 ]] && grep -q 'panicked' err.txt && ok "$first: panic gives 125 ($((SECONDS - start))s)" ||
    bad "$first: panic gave $rc"
start=$SECONDS
IPCTRACE_VM_TIMEOUT=25 "$run" "$first" -- sleep 1000 >out.txt 2>err.txt
rc=$?
[[ $rc == 124 ]] && grep -q 'timed out' err.txt && ok "$first: hang gives 124 ($((SECONDS - start))s)" ||
    bad "$first: hang gave $rc"

if [[ $fails -eq 0 ]]; then echo "selftest: all passed"; else echo "selftest: $fails failed"; fi
[[ $fails -eq 0 ]]
