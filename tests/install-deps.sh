#!/bin/sh
# Installs what building and testing ipctrace needs, from Debian 12's
# packages, skipping what is already there.  Run as root.
set -eu

# build: clang for BPF, bpftool for skeletons, gcc and a static libc for
# the workloads, libbpf/libelf/libdw/zlib/jansson to link; test: cmocka,
# strace (the oracle), pytest and jsonschema (Debian's python3, not pyenv's);
# code checks: valgrind, cppcheck, clang-tidy, clang's sanitizer and fuzzer
# runtimes.  The kernel matrix (tests/vm) and the benchmark install their own.
packages="make gcc libc6-dev clang llvm pkg-config bpftool libbpf-dev libelf-dev libdw-dev \
zlib1g-dev libjansson-dev libcmocka-dev strace python3 python3-pytest python3-jsonschema \
util-linux valgrind cppcheck clang-tidy libclang-rt-14-dev libmicrohttpd-dev libcrypt-dev prometheus systemd openssl"
# installed by the test that needs them, on first need (`install-deps.sh chromium`)
# shellcheck disable=SC2034
on_demand="chromium"
[ $# -gt 0 ] && packages="$packages $*"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing
