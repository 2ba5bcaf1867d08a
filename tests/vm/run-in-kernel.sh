#!/usr/bin/env bash
# run-in-kernel.sh KERNEL -- CMD [ARGS...]
#
# Boot a Debian kernel under qemu-system-x86_64 (TCG is fine, KVM is used when
# /dev/kvm is usable) and run CMD inside it.  The host's root filesystem is
# shared read-only into the guest (9p, or virtiofs when the kernel has no 9p)
# under a tmpfs overlay, so CMD runs the host's freshly built binaries from the
# caller's current directory.  See tests/vm/README.md.
#
# KERNEL: 6.1 | 6.12 | <any X.Y Debian has> | <exact ABI, e.g. 6.1.0-56-amd64>
#         | host | /path/to/linux-image-*.deb
#
# Exit status: CMD's exit status.  Otherwise:
#   124  the guest did not finish within IPCTRACE_VM_TIMEOUT seconds
#   125  the VM itself failed: guest kernel panic, guest setup failure, qemu
#        error, kernel could not be fetched, bad usage
# On 124/125 the guest's serial console is printed to stderr.
#
# CMD's stdout goes to our stdout and CMD's stderr to our stderr (each over its
# own virtio-serial port, streamed live).  CMD's stdin is /dev/null.
#
# Environment:
#   IPCTRACE_VM_TIMEOUT   seconds before the guest is killed (default 600)
#   IPCTRACE_VM_CACHE     cache dir (default ${XDG_CACHE_HOME:-/var/cache}/ipctrace-vm)
#   IPCTRACE_VM_MEM       guest memory in MiB (default 2048)
#   IPCTRACE_VM_CPUS      guest vCPUs (default 2)
#   IPCTRACE_VM_FS        9p | virtiofs (default: 9p when the kernel has it)
#   IPCTRACE_VM_APPEND    extra kernel command line arguments
#   IPCTRACE_VM_CONSOLE=1 also stream the guest console to stderr
#   IPCTRACE_VM_BZIMAGE=1 boot the bzImage instead of the extracted vmlinux (PVH)
#   IPCTRACE_VM_STRICT=1  exit 125 also when CMD succeeded but the guest kernel
#                         logged an oops/WARN/lockup (always reported on stderr)
#   IPCTRACE_VM_TCG_THREAD  single (default) | multi: multi-threaded TCG is not
#                         faster here and qemu 7.2 has crashed guest kernels
#                         patching their own code with it (Oops: int3)
#   IPCTRACE_VM_REFRESH=1 ask apt again which package KERNEL means
#   IPCTRACE_VM_QUIET=1   no progress messages (fetching, installing)
#   IPCTRACE_VM_DEBUG=1   keep the run dir and print what happens
#
# CMD runs as root with the caller's environment (less MAKEFLAGS, TMPDIR and a
# few more) plus IPCTRACE_KERNEL_UNDER_TEST=KERNEL, in the caller's directory,
# which must not be under /proc, /sys, /dev or /run (the guest mounts its own).
set -euo pipefail

PROG=${0##*/}
VM_FAIL=125
VM_TIMEOUT_RC=124

die() { echo "$PROG: $*" >&2; exit "$VM_FAIL"; }
info() { [[ ${IPCTRACE_VM_QUIET:-0} == 1 ]] || echo "$PROG: $*" >&2; }
dbg() { [[ ${IPCTRACE_VM_DEBUG:-0} == 1 ]] && echo "$PROG: $*" >&2; return 0; }

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit "$VM_FAIL"
}

[[ $# -ge 1 ]] || usage
case $1 in -h|--help) usage ;; esac
KERNEL=$1; shift
[[ ${1:-} == -- ]] && shift
[[ $# -ge 1 ]] || usage
CMD=("$@")

TIMEOUT=${IPCTRACE_VM_TIMEOUT:-600}
MEM=${IPCTRACE_VM_MEM:-2048}
CPUS=${IPCTRACE_VM_CPUS:-2}
CACHE=${IPCTRACE_VM_CACHE:-${XDG_CACHE_HOME:-/var/cache}/ipctrace-vm}
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "IPCTRACE_VM_TIMEOUT must be a number of seconds"
[[ $CACHE == /* ]] || CACHE=$PWD/$CACHE

# Modules the guest needs before it can mount its root.  Those built into a
# kernel are skipped; the rest (and what they depend on) go into the initramfs.
EARLY_MODULES_9P="virtio_pci virtio_console 9pnet_virtio 9p overlay"
EARLY_MODULES_VIRTIOFS="virtio_pci virtio_console virtiofs overlay"
INITRAMFS_FORMAT=6   # bump when the generated /init changes

export DEBIAN_FRONTEND=noninteractive LC_ALL=C

# ---------------------------------------------------------------- host tools
APT_UPDATED=0
apt_update_once() {
    [[ $APT_UPDATED == 1 ]] && return 0
    info "running apt-get update"
    apt-get update -qq >&2 || return 1
    APT_UPDATED=1
}

apt_install() {
    info "installing $*"
    local sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get install -y -qq --no-install-recommends "$@" >&2 ||
        { apt_update_once && $sudo apt-get install -y -qq --no-install-recommends "$@" >&2; } ||
        die "could not install $*"
}

ensure_tools() {
    local pkgs=() c p
    for c in qemu-system-x86_64:qemu-system-x86 cpio:cpio depmod:kmod xz:xz-utils \
             zstd:zstd dpkg-deb:dpkg flock:util-linux timeout:coreutils readelf:binutils; do
        command -v "${c%%:*}" >/dev/null 2>&1 || pkgs+=("${c#*:}")
    done
    # virtiofsd only when asked for (or needed, decided later).
    if [[ ${NEED_VIRTIOFSD:-0} == 1 ]] && ! virtiofsd_bin >/dev/null; then pkgs+=(virtiofsd); fi
    [[ ${#pkgs[@]} -eq 0 ]] || apt_install "${pkgs[@]}"
}

virtiofsd_bin() {
    local b
    for b in /usr/libexec/virtiofsd /usr/lib/qemu/virtiofsd "$(command -v virtiofsd 2>/dev/null)"; do
        [[ -n $b && -x $b ]] && { echo "$b"; return 0; }
    done
    return 1
}

# ------------------------------------------------------------ kernel lookup
# Prints the candidate version of a package, or nothing.
apt_candidate() {
    apt-cache policy "$1" 2>/dev/null | awk '$1=="Candidate:" && $2!="(none)" {print $2; exit}'
}

# First dependency of a meta package (linux-image-amd64 -> linux-image-6.1.0-NN-amd64).
meta_target() {
    apt-cache depends "$1" 2>/dev/null | awk '$1=="Depends:" {print $2; exit}'
}

# Finds the Debian package for KERNEL (x.y or an exact ABI string).
# Sets KPKG and KVER_DEB, returns 1 if apt knows of none.
find_kernel_pkg() {
    local k=$1 re cand p
    KPKG='' KVER_DEB=''
    if [[ $k == *-* && -n $(apt_candidate "linux-image-$k") ]]; then
        KPKG=linux-image-$k
    elif [[ $k =~ ^[0-9]+\.[0-9]+$ ]]; then
        re="^linux-image-${k//./\\.}(\\.[0-9]+)+(-[0-9]+)?(\\+[a-z0-9]+)?-amd64\$"
        # The meta packages say which ABI Debian currently recommends.
        for p in "linux-image-$k-amd64" linux-image-amd64; do
            cand=$(meta_target "$p")
            if [[ -n $cand && $cand =~ $re && -n $(apt_candidate "$cand") ]]; then
                KPKG=$cand; break
            fi
        done
        if [[ -z $KPKG ]]; then
            # Newest ABI of that series that has a candidate.
            for cand in $(apt-cache pkgnames linux-image-"$k". 2>/dev/null | grep -E "$re" | sort -rV); do
                [[ -n $(apt_candidate "$cand") ]] && { KPKG=$cand; break; }
            done
        fi
    fi
    [[ -n $KPKG ]] || return 1
    KVER_DEB=$(apt_candidate "$KPKG")
}

# Adds bookworm-backports (or <codename>-backports) to apt's sources.
add_backports() {
    local codename f=/etc/apt/sources.list.d/ipctrace-vm-backports.sources
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [[ -n $codename ]] || return 1
    if apt-cache policy 2>/dev/null | grep -q " $codename-backports/"; then return 1; fi
    [[ -e $f ]] && return 1
    info "adding $codename-backports to apt sources ($f)"
    cat >"$f" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: $codename-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    APT_UPDATED=0
    apt_update_once
}

resolve_kernel() {
    local k=$1
    if find_kernel_pkg "$k"; then return 0; fi
    apt_update_once || true
    if find_kernel_pkg "$k"; then return 0; fi
    if add_backports && find_kernel_pkg "$k"; then return 0; fi
    return 1
}

# ---------------------------------------------------------------- the cache
# A prepared kernel lives in $CACHE/kernels/<id>/:
#   root/           the unpacked package (root/lib/modules/<kver>, depmod'ed)
#   kver            `uname -r` of that kernel
#   vmlinux         uncompressed ELF kernel with a PVH note (if extractable)
#   vmlinuz         the bzImage
#   initramfs-<fs>-<fmt>.cpio   busybox initramfs with the early modules
# $CACHE/by-name/<KERNEL>   holds the <id> it last resolved to (reused while
#                           apt's lists are unchanged, and when apt fails)

# Extracts the uncompressed ELF from a bzImage; succeeds only if it has a PVH
# entry point (XEN_ELFNOTE_PHYS32_ENTRY), which qemu needs to boot it directly.
extract_vmlinux() {
    local img=$1 out=$2 magic dec off
    for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08' 'lz4:\x02\x21\x4c\x18'; do
        dec=${magic%%:*}
        command -v "$dec" >/dev/null || continue
        for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$img" 2>/dev/null | cut -d: -f1 | head -5); do
            tail -c +$((off + 1)) "$img" | "$dec" -dc 2>/dev/null >"$out.tmp" || true
            if readelf -h "$out.tmp" >/dev/null 2>&1; then
                if readelf -n "$out.tmp" 2>/dev/null | grep -Eq 'Xen.*(0x00000012|PHYS32_ENTRY)'; then
                    mv "$out.tmp" "$out"; return 0
                fi
                rm -f "$out.tmp"; return 1
            fi
        done
    done
    rm -f "$out.tmp"
    return 1
}

# Normalised module name of a path in modules.dep / modules.builtin -> $MODNAME.
modname() { MODNAME=${1##*/}; MODNAME=${MODNAME%%.ko*}; MODNAME=${MODNAME//-/_}; }

# Builds the initramfs for kernel dir $1 (kver $2) with filesystem $3 into $4.
build_initramfs() {
    local kdir=$1 kver=$2 fs=$3 out=$4 mods m path stage
    local moddir=$kdir/root/lib/modules/$kver
    mods=$EARLY_MODULES_9P; [[ $fs == virtiofs ]] && mods=$EARLY_MODULES_VIRTIOFS
    stage=$(mktemp -d "$CACHE/tmp.initramfs.XXXXXX")
    chmod 755 "$stage"
    mkdir -p "$stage"/{bin,sbin,proc,sys,dev,lower,upper,newroot,lib/modules}
    cp "$BUSYBOX" "$stage/bin/busybox"

    # name -> path, and path -> deps, from modules.dep; builtins from modules.builtin.
    declare -A bypath=() deps=() builtin=() seen=()
    local order=()
    if [[ -f $moddir/modules.dep ]]; then
        while IFS= read -r line; do
            path=${line%%:*}
            modname "$path"; bypath[$MODNAME]=$path
            deps[$path]=${line#*:}
        done <"$moddir/modules.dep"
    fi
    if [[ -f $moddir/modules.builtin ]]; then
        while IFS= read -r path; do modname "$path"; builtin[$MODNAME]=1; done <"$moddir/modules.builtin"
    fi
    visit() {
        local p=$1 d
        [[ -n ${seen[$p]:-} ]] && return 0
        seen[$p]=1
        for d in ${deps[$p]}; do visit "$d"; done
        order+=("$p")
    }
    for m in $mods; do
        if [[ -n ${bypath[$m]:-} ]]; then
            visit "${bypath[$m]}"
        elif [[ -n ${builtin[$m]:-} || ! -f $moddir/modules.dep ]]; then
            continue
        else
            rm -rf "$stage"; echo "kernel $kver has no module $m" >&2; return 1
        fi
    done
    : >"$stage/modules.load"
    for path in "${order[@]}"; do
        m=${path##*/}; m=${m%%.ko*}.ko
        case $path in
            *.ko.xz) xz -dc "$moddir/$path" >"$stage/lib/modules/$m" ;;
            *.ko.zst) zstd -qdc "$moddir/$path" >"$stage/lib/modules/$m" ;;
            *.ko.gz) gzip -dc "$moddir/$path" >"$stage/lib/modules/$m" ;;
            *) cp "$moddir/$path" "$stage/lib/modules/$m" ;;
        esac
        echo "$m" >>"$stage/modules.load"
    done

    # Stage 1 (fixed, cached): load the modules, mount the host root read-only
    # under a tmpfs overlay and the run share, then hand over to the per-run
    # setup script that the host wrote into the run share.
    cat >"$stage/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
say() { read -r up _ </proc/uptime; echo "ipctrace-vm[$up]: $*"; }
fail() { echo "ipctrace-vm: $*"; echo "ipctrace-vm: GUEST-SETUP-FAILED"; echo b >/proc/sysrq-trigger; sleep 5; reboot -f; }
mount -t proc proc /proc || fail "mount proc"
mount -t sysfs sysfs /sys || fail "mount sysfs"
say "stage1"
while read -r m; do
    insmod "/lib/modules/$m" || fail "insmod $m"
done </modules.load
say "modules loaded"
fs=9p
for a in $(cat /proc/cmdline); do case $a in ipctrace.fs=*) fs=${a#*=} ;; esac; done
if [ "$fs" = virtiofs ]; then
    mount -t virtiofs -o ro hostroot /lower || fail "mount virtiofs root"
else
    mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose,msize=512000 hostroot /lower ||
        fail "mount 9p root"
fi
mount -t tmpfs -o mode=0755 upper /upper || fail "mount tmpfs"
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot ||
    fail "mount overlay"
mount -t tmpfs -o mode=0755,nosuid,nodev run /newroot/run || fail "mount /run"
mkdir -p /newroot/run/ipctrace
if [ "$fs" = virtiofs ]; then
    mount -t virtiofs ipctrun /newroot/run/ipctrace || fail "mount run share"
else
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 ipctrun /newroot/run/ipctrace ||
        fail "mount run share"
fi
[ -f /newroot/run/ipctrace/setup ] || fail "no setup script in the run share"
say "root mounted"
. /newroot/run/ipctrace/setup
fail "setup returned"
EOF
    chmod 755 "$stage/init"
    (cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc -R 0:0 --quiet) >"$out.tmp"
    mv "$out.tmp" "$out"
    rm -rf "$stage"
}

ensure_busybox() {
    local ver dir deb
    ver=$(apt_candidate busybox-static)
    if [[ -z $ver ]]; then apt_update_once || true; ver=$(apt_candidate busybox-static); fi
    if [[ -n $ver ]]; then
        dir=$CACHE/busybox-static_${ver//:/%}
        if [[ ! -x $dir/bin/busybox ]]; then
            info "fetching busybox-static $ver"
            local tmp; tmp=$(mktemp -d "$CACHE/tmp.busybox.XXXXXX")
            (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "busybox-static=$ver" >&2) ||
                { rm -rf "$tmp"; die "apt-get download busybox-static failed"; }
            dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
            rm -rf "$dir"; mkdir -p "$dir/bin"
            mv "$tmp/x/bin/busybox" "$dir/bin/busybox"
            rm -rf "$tmp"
        fi
    else
        dir=$(ls -d "$CACHE"/busybox-static_* 2>/dev/null | sort -V | tail -1)
        [[ -n $dir ]] || die "no busybox-static available"
    fi
    BUSYBOX=$dir/bin/busybox
}

# Unpacks a kernel .deb into $CACHE/kernels/$1.
unpack_kernel() {
    local id=$1 deb=$2 dest=$CACHE/kernels/$1 tmp kver
    tmp=$(mktemp -d "$CACHE/tmp.kernel.XXXXXX")
    chmod 755 "$tmp"
    dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; die "dpkg-deb -x $deb failed"; }
    kver=$(ls "$tmp/root/lib/modules" 2>/dev/null | head -1)
    [[ -n $kver ]] || { rm -rf "$tmp"; die "$deb has no lib/modules/<version>"; }
    [[ -f $tmp/root/boot/vmlinuz-$kver ]] || { rm -rf "$tmp"; die "$deb has no boot/vmlinuz-$kver"; }
    depmod -b "$tmp/root" "$kver" || { rm -rf "$tmp"; die "depmod failed for $kver"; }
    echo "$kver" >"$tmp/kver"
    ln -s "root/boot/vmlinuz-$kver" "$tmp/vmlinuz"
    if extract_vmlinux "$tmp/root/boot/vmlinuz-$kver" "$tmp/vmlinux"; then
        dbg "extracted PVH vmlinux for $kver"
    else
        info "$kver: no PVH-bootable vmlinux could be extracted, will boot the bzImage"
    fi
    rm -rf "$dest"
    mv "$tmp" "$dest"
}

prepare_kernel() {
    local k=$1 id deb tmp
    mkdir -p "$CACHE/kernels" "$CACHE/by-name"
    exec {lockfd}>"$CACHE/.lock"
    flock "$lockfd"
    if [[ $k == host ]]; then
        local kv; kv=$(uname -r)
        [[ -f /boot/vmlinuz-$kv ]] ||
            die "kernel 'host': /boot/vmlinuz-$kv is not available on this machine"
        id=host-$kv
        if [[ ! -f $CACHE/kernels/$id/kver ]]; then
            tmp=$(mktemp -d "$CACHE/tmp.kernel.XXXXXX")
            chmod 755 "$tmp"
            mkdir -p "$tmp/root/boot" "$tmp/root/lib/modules"
            cp "/boot/vmlinuz-$kv" "$tmp/root/boot/"
            if [[ -d /lib/modules/$kv ]]; then
                cp -a "/lib/modules/$kv" "$tmp/root/lib/modules/"
                depmod -b "$tmp/root" "$kv" || true
            fi
            echo "$kv" >"$tmp/kver"
            ln -s "root/boot/vmlinuz-$kv" "$tmp/vmlinuz"
            extract_vmlinux "$tmp/vmlinuz" "$tmp/vmlinux" || true
            rm -rf "$CACHE/kernels/$id"; mv "$tmp" "$CACHE/kernels/$id"
        fi
    elif [[ $k == *.deb && -f $k ]]; then
        id=$(basename "$k" .deb)
        [[ -f $CACHE/kernels/$id/kver ]] || unpack_kernel "$id" "$k"
    else
        local byname=$CACHE/by-name/$k lists=/var/lib/apt/lists
        id=
        # Fast path: what this name resolved to last time, unless apt's package
        # lists changed since (apt-cache takes ~1 s a call here).
        if [[ -f $byname && ${IPCTRACE_VM_REFRESH:-0} != 1 ]] &&
           { [[ ! -e $lists ]] || [[ $byname -nt $lists ]]; }; then
            id=$(<"$byname")
            [[ -f $CACHE/kernels/$id/kver ]] || id=
        fi
        if [[ -n $id ]]; then
            :
        elif resolve_kernel "$k"; then
            id=${KPKG}_${KVER_DEB//:/%}
            if [[ ! -f $CACHE/kernels/$id/kver ]]; then
                info "fetching $KPKG $KVER_DEB"
                tmp=$(mktemp -d "$CACHE/tmp.deb.XXXXXX")
                if ! (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$KPKG=$KVER_DEB" >&2); then
                    # Stale package lists (the mirror dropped that version).
                    apt_update_once || true
                    resolve_kernel "$k" || die "no Debian kernel package for '$k'"
                    id=${KPKG}_${KVER_DEB//:/%}
                    (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$KPKG=$KVER_DEB" >&2) ||
                        { rm -rf "$tmp"; die "apt-get download $KPKG=$KVER_DEB failed"; }
                fi
                [[ -f $CACHE/kernels/$id/kver ]] || unpack_kernel "$id" "$(ls "$tmp"/*.deb | head -1)"
                rm -rf "$tmp"
            fi
            echo "$id" >"$byname.tmp" && mv -fT "$byname.tmp" "$byname"
        elif [[ -f $byname && -f $CACHE/kernels/$(<"$byname")/kver ]]; then
            id=$(<"$byname")
            info "apt knows no kernel '$k' now; using the cached $id"
        else
            die "no Debian kernel package found for '$k' (try 6.1, 6.12, an exact ABI like 6.1.0-56-amd64, host, or a .deb)"
        fi
    fi
    KDIR=$CACHE/kernels/$id
    KVER=$(cat "$KDIR/kver")

    # Which filesystem: 9p unless the kernel lacks it (or virtiofs is asked for).
    local moddir=$KDIR/root/lib/modules/$KVER
    FS=${IPCTRACE_VM_FS:-}
    if [[ -z $FS ]]; then
        FS=9p
        if [[ -f $moddir/modules.dep ]] && ! grep -qE '(^|/)9p\.ko' "$moddir/modules.dep" "$moddir/modules.builtin" 2>/dev/null; then
            FS=virtiofs
        fi
    fi
    [[ $FS == 9p || $FS == virtiofs ]] || die "IPCTRACE_VM_FS must be 9p or virtiofs"
    INITRD=$KDIR/initramfs-$FS-$INITRAMFS_FORMAT.cpio
    if [[ ! -f $INITRD ]]; then
        local f
        for f in "$KDIR"/initramfs-*.cpio; do [[ $f == *-$INITRAMFS_FORMAT.cpio ]] || rm -f "$f"; done
        ensure_busybox
        build_initramfs "$KDIR" "$KVER" "$FS" "$INITRD" || die "could not build the initramfs for $KVER"
    fi
    flock -u "$lockfd"
    exec {lockfd}>&-
}

# ------------------------------------------------------------------ the run
ensure_tools
mkdir -p "$CACHE" || die "cannot create cache dir $CACHE"
prepare_kernel "$KERNEL"
if [[ $FS == virtiofs ]]; then NEED_VIRTIOFSD=1 ensure_tools; fi

KIMAGE=$KDIR/vmlinuz
[[ -f $KDIR/vmlinux && ${IPCTRACE_VM_BZIMAGE:-0} != 1 ]] && KIMAGE=$KDIR/vmlinux

RUN=$(mktemp -d "${TMPDIR:-/tmp}/ipctrace-vm.XXXXXX")
QEMU_PID='' READERS=() VIRTIOFSD_PIDS=()
cleanup() {
    local p
    set +e
    [[ -n $QEMU_PID ]] && kill "$QEMU_PID" 2>/dev/null
    for p in "${VIRTIOFSD_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    if [[ ${IPCTRACE_VM_DEBUG:-0} == 1 ]]; then echo "$PROG: run dir kept: $RUN" >&2; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$RUN/share"

# What the guest runs.  Everything the guest shell reads is quoted for POSIX sh
# (busybox ash runs the guest side, so that no dynamically linked host binary
# is started before CMD: exec'ing those over 9p under TCG costs ~0.1 s each).
shq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
CWD=$(pwd -P)
tmpmode=fresh
case $CWD/ in /tmp/) tmpmode=overlay ;; esac
{
    printf 'IPCTRACE_VM_KVER=%s\n' "$(shq "$KVER")"
    printf 'IPCTRACE_VM_MODULES=%s\n' "$(shq "$KDIR/root/lib/modules/$KVER")"
    printf 'IPCTRACE_VM_CWD=%s\n' "$(shq "$CWD")"
    printf 'IPCTRACE_VM_TMP=%s\n' "$tmpmode"
} >"$RUN/share/vars"
{
    # The caller's environment, minus what cannot mean the same in the guest.
    while IFS= read -r name; do
        case $name in
            PWD|OLDPWD|SHLVL|_|BASH*|SHELLOPTS|MAKEFLAGS|MFLAGS|MAKELEVEL|MAKEOVERRIDES|\
            TMPDIR|XDG_RUNTIME_DIR|DBUS_SESSION_BUS_ADDRESS|SSH_AUTH_SOCK|SSH_AGENT_PID|\
            DISPLAY|WAYLAND_DISPLAY|INVOCATION_ID|JOURNAL_STREAM|NOTIFY_SOCKET|IPCTRACE_VM_*) continue ;;
        esac
        [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
        printf 'export %s=%s\n' "$name" "$(shq "${!name}")"
    done < <(compgen -e)
    printf 'export IPCTRACE_KERNEL_UNDER_TEST=%s\n' "$(shq "$KERNEL")"
    printf 'IPCTRACE_VM_CWD=%s\n' "$(shq "$CWD")"
    printf 'set --'; for a in "${CMD[@]}"; do printf ' %s' "$(shq "$a")"; done; printf '\n'
} >"$RUN/share/env"

# Sourced by the initramfs' /init (busybox sh, still in the initramfs, the
# new root at /newroot): finish the guest's setup, then switch_root.
cat >"$RUN/share/setup" <<'EOF'
R=/newroot
. $R/run/ipctrace/vars || fail "cannot read vars"
warn() { echo "ipctrace-vm: warning: $*"; }

# The guest kernel's modules, for modprobe (the cache dir is on the host root).
if [ -d "$R$IPCTRACE_VM_MODULES" ]; then
    mkdir -p "$R/lib/modules/$IPCTRACE_VM_KVER" &&
        mount --bind "$R$IPCTRACE_VM_MODULES" "$R/lib/modules/$IPCTRACE_VM_KVER" ||
        warn "could not bind $IPCTRACE_VM_MODULES"
fi

# A fresh tmpfs on /tmp, but keep the caller's directory visible when it is
# under /tmp (its top directory there is bound back into the new /tmp).  When
# the caller is in /tmp itself, /tmp stays the (writable) overlay.
tmptop=
case "$IPCTRACE_VM_CWD/" in
    /tmp/?*) tmptop=${IPCTRACE_VM_CWD#/tmp/}; tmptop=/tmp/${tmptop%%/*} ;;
esac
if [ "$IPCTRACE_VM_TMP" = fresh ]; then
    if [ -n "$tmptop" ]; then
        mkdir -p /cwdbind && mount --bind "$R$tmptop" /cwdbind || fail "bind $tmptop"
    fi
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs $R/tmp || fail "mount /tmp"
    if [ -n "$tmptop" ]; then
        mkdir -p "$R$tmptop" && mount --move /cwdbind "$R$tmptop" || fail "move $tmptop"
    fi
fi

mkdir -p /dev/shm /dev/mqueue /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm || fail "mount /dev/shm"
mount -t mqueue mqueue /dev/mqueue || fail "mount /dev/mqueue"
mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts || fail "mount /dev/pts"
ln -sfn /proc/self/fd /dev/fd
ln -sfn fd/0 /dev/stdin; ln -sfn fd/1 /dev/stdout; ln -sfn fd/2 /dev/stderr
mount -t bpf -o mode=0700 bpf /sys/fs/bpf || fail "mount bpffs"
mount -t tracefs tracefs /sys/kernel/tracing || fail "mount tracefs"
mount -t debugfs debugfs /sys/kernel/debug || fail "mount debugfs"
mount -t cgroup2 cgroup2 /sys/fs/cgroup || warn "no cgroup2"
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
hostname ipctrace-vm
ip link set lo up || fail "lo up"

# virtio-serial ports by name, as udev would.
mkdir -p /dev/virtio-ports
for p in /sys/class/virtio-ports/*; do
    [ -f "$p/name" ] && ln -sfn "../${p##*/}" "/dev/virtio-ports/$(cat "$p/name")"
done
[ -e /dev/virtio-ports/ipctrace.stdout ] && [ -e /dev/virtio-ports/ipctrace.stderr ] ||
    fail "virtio-serial ports missing"

# busybox runs PID 1 in the new root too.
mkdir -p $R/run/ipctrace-bb && cp /bin/busybox $R/run/ipctrace-bb/ || fail "copy busybox"
mount --move /dev $R/dev || fail "move /dev"
mount --move /sys $R/sys || fail "move /sys"
mount --move /proc $R/proc || fail "move /proc"
exec switch_root $R /run/ipctrace-bb/busybox sh /run/ipctrace/stage2
EOF

# PID 1 on the overlay root: run CMD, record its status, reset the machine.
cat >"$RUN/share/stage2" <<'EOF'
BB=/run/ipctrace-bb/busybox
exec </dev/null >/dev/console 2>&1
say() { read -r up _ </proc/uptime; echo "ipctrace-vm[$up]: $*"; }
. /run/ipctrace/env || { echo "ipctrace-vm: GUEST-SETUP-FAILED: env"; echo b >/proc/sysrq-trigger; }
cd "$IPCTRACE_VM_CWD" || { echo "ipctrace-vm: GUEST-SETUP-FAILED: cd $IPCTRACE_VM_CWD"; echo b >/proc/sysrq-trigger; }
unset IPCTRACE_VM_CWD
# busybox ash would run its own applet for a bare "sh" or "ls" (this busybox is
# built with FEATURE_SH_STANDALONE), so look CMD up in PATH here.
prog=$1
case $prog in
    */*) ;;
    *)  oifs=$IFS; IFS=:
        for d in ${PATH:-/usr/bin:/bin}; do
            if [ -f "${d:-.}/$1" ] && [ -x "${d:-.}/$1" ]; then prog=${d:-.}/$1; break; fi
        done
        IFS=$oifs ;;
esac
say "running $*"
case $prog in
    */*) ( shift; exec "$prog" "$@" ) </dev/null >/dev/virtio-ports/ipctrace.stdout 2>/dev/virtio-ports/ipctrace.stderr
         rc=$? ;;
    *)   echo "$prog: command not found" >/dev/virtio-ports/ipctrace.stderr; rc=127 ;;
esac
echo "$rc" >/run/ipctrace/status.tmp && $BB mv /run/ipctrace/status.tmp /run/ipctrace/status
say "exit status $rc"
echo b >/proc/sysrq-trigger
$BB sleep 10
EOF

# The guest's output comes through FIFOs.  Each reader keeps its FIFO open
# for the whole run and, should its destination go away (`... | head`), drains
# the rest, so that qemu never writes into a FIFO nobody reads.  When our
# stdout goes away the VM is stopped and we exit 141, as CMD would on SIGPIPE.
reader() {
    local what=$1 rc
    exec 3<"$RUN/$what.fifo"
    trap '' PIPE
    case $what in
        stdout) cat <&3 2>/dev/null || { : >"$RUN/stdout.broken"; kill -USR1 $$ 2>/dev/null; } ;;
        stderr) cat <&3 >&2 ;;
        console) if [[ ${IPCTRACE_VM_CONSOLE:-0} == 1 ]]; then tee "$RUN/console.log" <&3 >&2
                 else cat <&3 >"$RUN/console.log"; fi ;;
    esac
    cat <&3 >/dev/null
}
stop_vm() { [[ -n $QEMU_PID ]] && kill "$QEMU_PID" 2>/dev/null; return 0; }
trap stop_vm USR1
mkfifo "$RUN/stdout.fifo" "$RUN/stderr.fifo" "$RUN/console.fifo"
for f in stdout stderr console; do
    reader "$f" &
    READERS+=($!)
done

ACCEL=(-accel "tcg,thread=${IPCTRACE_VM_TCG_THREAD:-single}" -cpu max)
if [[ -w /dev/kvm && ${IPCTRACE_VM_NO_KVM:-0} != 1 ]]; then ACCEL=(-accel kvm -cpu host); fi

APPEND="console=ttyS0 panic=-1 loglevel=5 rdinit=/init ipctrace.fs=$FS 8250.nr_uarts=1"
APPEND+=" i8042.noaux i8042.nokbd i8042.nopnp random.trust_cpu=on mitigations=off tsc=reliable acpi=noirq"
APPEND+=" ${IPCTRACE_VM_APPEND:-}"

FSDEV=()
# shellcheck disable=SC2054  # the commas belong to qemu options
if [[ $FS == 9p ]]; then
    FSDEV=(-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
           -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
           -fsdev local,id=ipctrun,path="$RUN/share",security_model=none,multidevs=remap
           -device virtio-9p-pci,fsdev=ipctrun,mount_tag=ipctrun)
else
    VFSD=$(virtiofsd_bin) || die "virtiofsd not found"
    for t in hostroot ipctrun; do
        dir=/; [[ $t == ipctrun ]] && dir=$RUN/share
        if "$VFSD" --help 2>&1 | grep -q -- --shared-dir; then   # the Rust virtiofsd
            "$VFSD" --socket-path="$RUN/$t.sock" --shared-dir="$dir" --cache=auto \
                --sandbox=none >"$RUN/virtiofsd-$t.log" 2>&1 &
        else                                                      # qemu's C virtiofsd
            "$VFSD" --socket-path="$RUN/$t.sock" -o source="$dir" -o cache=auto \
                -o sandbox=chroot >"$RUN/virtiofsd-$t.log" 2>&1 &
        fi
        VIRTIOFSD_PIDS+=($!)
    done
    for t in hostroot ipctrun; do
        for _ in $(seq 100); do [[ -S $RUN/$t.sock ]] && break; sleep 0.05; done
        [[ -S $RUN/$t.sock ]] || { cat "$RUN/virtiofsd-$t.log" >&2; die "virtiofsd did not start"; }
    done
    FSDEV=(-object memory-backend-memfd,id=mem,size="${MEM}M",share=on -numa node,memdev=mem
           -chardev socket,id=vfs0,path="$RUN/hostroot.sock"
           -device vhost-user-fs-pci,chardev=vfs0,tag=hostroot
           -chardev socket,id=vfs1,path="$RUN/ipctrun.sock"
           -device vhost-user-fs-pci,chardev=vfs1,tag=ipctrun)
fi

dbg "kernel $KVER image $KIMAGE initrd $INITRD fs $FS run $RUN"
START=$(date +%s%N)
set +e
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
    -nodefaults -no-user-config -display none -no-reboot \
    -machine pc "${ACCEL[@]}" -smp "$CPUS" -m "$MEM" \
    -kernel "$KIMAGE" -initrd "$INITRD" -append "$APPEND" \
    -serial file:"$RUN/console.fifo" \
    "${FSDEV[@]}" \
    -device virtio-serial-pci,id=vser \
    -chardev file,id=cout,path="$RUN/stdout.fifo" -device virtserialport,bus=vser.0,chardev=cout,name=ipctrace.stdout \
    -chardev file,id=cerr,path="$RUN/stderr.fifo" -device virtserialport,bus=vser.0,chardev=cerr,name=ipctrace.stderr \
    </dev/null >"$RUN/qemu.log" 2>&1 &
QEMU_PID=$!
while :; do
    wait "$QEMU_PID"
    QRC=$?
    # wait returns early when a signal (USR1) is trapped.
    kill -0 "$QEMU_PID" 2>/dev/null || break
done
QEMU_PID=
set -e
# qemu never opened the FIFOs if it failed early: unblock the readers.
for f in stdout stderr console; do : 2>/dev/null <>"$RUN/$f.fifo" || true; done
wait "${READERS[@]}" 2>/dev/null || true
dbg "qemu exit $QRC after $(( ($(date +%s%N) - START) / 1000000 )) ms"

KERNEL_TROUBLE='Oops|BUG:|WARNING:|general protection fault|Call Trace|Kernel panic|soft lockup|hard LOCKUP|rcu_.* stall|blocked for more than'
show_console() {
    echo "$PROG: ---- guest console ($KERNEL, $KVER) ----" >&2
    cat "$RUN/console.log" >&2 2>/dev/null || true
    if [[ -s $RUN/qemu.log ]]; then
        echo "$PROG: ---- qemu ----" >&2
        cat "$RUN/qemu.log" >&2
    fi
    echo "$PROG: ----" >&2
}

if [[ -f $RUN/stdout.broken ]]; then
    exit 141
fi
if [[ -f $RUN/share/status ]]; then
    rc=$(cat "$RUN/share/status")
    [[ $rc =~ ^[0-9]+$ ]] || { show_console; die "garbled exit status '$rc'"; }
    # CMD finished, but did the kernel complain on the way (a WARN, an oops in
    # another task, a lockup)?  Say so; IPCTRACE_VM_STRICT=1 makes it fatal.
    if grep -qE "$KERNEL_TROUBLE" "$RUN/console.log" 2>/dev/null; then
        show_console
        echo "$PROG: the guest kernel ($KVER) logged a problem (see console above)" >&2
        [[ ${IPCTRACE_VM_STRICT:-0} == 1 ]] && exit "$VM_FAIL"
    fi
    exit "$rc"
fi
if [[ $QRC == 124 || $QRC == 137 ]]; then
    show_console
    echo "$PROG: guest ($KERNEL) timed out after ${TIMEOUT}s (IPCTRACE_VM_TIMEOUT)" >&2
    exit "$VM_TIMEOUT_RC"
fi
show_console
if grep -q 'Kernel panic' "$RUN/console.log" 2>/dev/null; then
    echo "$PROG: guest kernel ($KVER) panicked" >&2
elif grep -q GUEST-SETUP-FAILED "$RUN/console.log" 2>/dev/null; then
    echo "$PROG: guest setup failed (see console above)" >&2
else
    echo "$PROG: guest ($KVER) stopped without an exit status (qemu exit $QRC)" >&2
fi
exit "$VM_FAIL"
