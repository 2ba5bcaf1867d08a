# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The strace oracle: what ipctrace should have counted, from `strace -f -yy -qq` logs.

ipctrace's end-to-end tests check its counts against this module.  It
classifies every call of an strace log into the IPC mechanisms by the same
rules as user/names.c and bpf/classify.bpf.h, but independently: it reads
neither, and decides each fd's mechanism from strace's -yy annotation
(`3<pipe:[123]>`, `3<UNIX-STREAM:[...]>`, `3<TCP:[...]>`, `3</a/path>`)
where ipctrace reads the kernel's struct file.

    log = StraceLog.read("run.log")
    log.counts()          # {"pipe": {"write": {"count": 3, "errors": 0, "bytes": 62}, ...}, ...}
    log.counts(pids={42}) # only the calls of these pids (tids, as strace -f prints them)

The rules, one per traced syscall (RULES below):
  - pipe, pipe2 are pipe; mknod/mknodat are fifo when the mode has S_IFIFO
    (the path made is remembered: opening it later is a FIFO);
  - read/write and the rest of that family, and every socket call, count
    for the mechanism of their fd; read/write-family bytes are the result;
  - open/openat/openat2/creat count for the mechanism of the fd they
    return, and not at all when they fail;
  - POSIX mq_*, System V msg*/sem*/shm*, memfd_create, futex, and the
    signal calls (kill, tgkill, sigtimedwait, sigsuspend, pause, alarm,
    setitimer...) count by name; mq_timedsend/msgsnd bytes are the length
    argument, mq_timedreceive/msgrcv bytes the result;
  - mmap counts only MAP_SHARED mappings, anonymous or of a shm fd, as
    shm; ftruncate only on shm; fcntl only its record-lock commands;
  - unlink/unlinkat/rename* are shm for literal /dev/shm/ paths, else file;
  - poll/ppoll and select/pselect6 count for the first IPC fd among the
    first 8 they wait on; epoll_wait* for the first IPC fd registered in
    the set (ipctrace looks at the top of the kernel's tree instead: the
    same answer whenever the set holds at most 3 fds or one mechanism);
  - fd mechanisms: pipe:[...] pipe; UNIX* unix_socket; TCP/UDP(v6)... and
    other AF_INET/AF_INET6 protocols inet_socket; NETLINK and other
    families, anon inodes (eventfd, epoll, signalfd, timerfd, pidfd),
    character and block devices, and directories are not IPC (not
    counted); /dev/shm/... and memfd:... shm; POSIX queues mq_posix;
    FIFOs fifo; every other path (regular files, /proc, /sys) file.

A call that a signal interrupted is one call: strace shows it as
`= ? ERESTART...`, then either the kernel restarts it (the same call again,
or `restart_syscall(<... resuming interrupted ...>)`) and it counts once
with the final result, or a handler ran without SA_RESTART and
`rt_sigreturn(...) = -1 EINTR` tells that the program saw EINTR: it counts
once, as an error.  A call still interrupted when its process dies counts
as an error, as ipctrace counts it at the task's exit.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from typing import Iterable, Optional

MECHANISMS = (
    "pipe", "fifo", "mq_posix", "mq_sysv", "sem_sysv", "shm", "futex",
    "signal", "unix_socket", "inet_socket", "file",
)

# ipctrace looks at no more than this many fds of a poll array or fd_set
POLL_FDS_EXAMINED = 8

# futex(2) operations by number, named as ipctrace's JSON names them
FUTEX_OPS = (
    "WAIT", "WAKE", "FD", "REQUEUE", "CMP_REQUEUE", "WAKE_OP", "LOCK_PI",
    "UNLOCK_PI", "TRYLOCK_PI", "WAIT_BITSET", "WAKE_BITSET", "WAIT_REQUEUE_PI",
    "CMP_REQUEUE_PI", "LOCK_PI2",
)
FUTEX_PRIVATE_FLAG = 128
FUTEX_CLOCK_REALTIME = 256

INET_PROTOCOLS = {
    "TCP", "UDP", "UDPLITE", "RAW", "PING", "SCTP", "DCCP", "MPTCP",
}

RECORD_LOCK_COMMANDS = {
    "F_GETLK", "F_SETLK", "F_SETLKW", "F_GETLK64", "F_SETLK64", "F_SETLKW64",
    "F_OFD_GETLK", "F_OFD_SETLK", "F_OFD_SETLKW",
}

# "= ? ERESTART...": the kernel interrupted the call for a signal
RESTART_ERRNOS = {"ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ERESTART_RESTARTBLOCK"}


# --------------------------------------------------------------------------
# Parsing: one Call per syscall, unfinished/resumed pairs joined
# --------------------------------------------------------------------------

@dataclass
class Call:
    """One syscall as strace printed it, with its two halves joined."""
    pid: int
    name: str
    args: list[str]              # the top-level arguments, as printed
    ret: Optional[int]           # None when strace printed "?"
    errno: Optional[str]         # "ENOENT", "ERESTARTSYS"... or None
    ret_annotation: Optional[str]  # "/etc/passwd" of "= 3</etc/passwd>"
    text: str                    # the joined line, for messages
    lineno: int

    @property
    def failed(self) -> bool:
        return self.ret is None or self.ret < 0

    @property
    def interrupted(self) -> bool:
        return self.ret is None and self.errno in RESTART_ERRNOS


@dataclass
class Signal:
    """`--- SIGUSR1 {...} ---`: a signal delivered to (or stopping) pid."""
    pid: int
    name: str
    lineno: int


class ParseError(ValueError):
    pass


LINE_RE = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+(.*)$")
RESUMED_RE = re.compile(r"^<\.\.\. ([A-Za-z0-9_]+|\?\?\?) resumed>(.*)$")
# "???()": a thread strace lost track of as it died (exit_group of its process)
CALL_RE = re.compile(r"^([A-Za-z0-9_]+|\?\?\?)\(")
UNFINISHED = " <unfinished ...>"


def _skip_string(s: str, i: int) -> int:
    """s[i] is an opening quote: the index after the closing one."""
    i += 1
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == '"':
            return i + 1
        i += 1
    return i


def _skip_annotation(s: str, i: int) -> int:
    """s[i] is the '<' of an fd annotation: the index after its '>'.

    Annotations nest (`</dev/null<char 1:3>>`), hold quoted paths
    (`UNIX-STREAM:[5,"/run/x.sock"]`) and arrows (`[1.2.3.4:5->6.7.8.9:10]`).
    """
    depth = 0
    while i < len(s):
        c = s[i]
        if c == '"':
            i = _skip_string(s, i)
            continue
        if c == "<":
            depth += 1
        elif c == ">" and s[i - 1] != "-":
            depth -= 1
            if depth == 0:
                i += 1
                if s.startswith("(deleted)", i):
                    i += len("(deleted)")
                return i
        i += 1
    return i


def split_args(s: str, i: int = 0) -> tuple[list[str], int]:
    """Split s from index i (just after an opening bracket) at top-level
    commas up to the matching closing bracket: (arguments, index after it)."""
    args: list[str] = []
    depth = 0
    start = i
    while i < len(s):
        c = s[i]
        if c == '"':
            i = _skip_string(s, i)
            continue
        if c == "<":
            if s.startswith("<<", i):  # FUTEX_OP_SET<<28
                i += 2
                continue
            if s.startswith("<...", i) or s.startswith("<unfinished", i):
                i = s.find(">", i) + 1 or len(s)
                continue
            i = _skip_annotation(s, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                last = s[start:i].strip()
                if last or args:
                    args.append(last)
                return args, i + 1
            depth -= 1
        elif c == "," and depth == 0:
            args.append(s[start:i].strip())
            start = i + 1
        i += 1
    raise ParseError(f"unbalanced brackets in {s!r}")


def split_list(arg: str) -> list[str]:
    """The elements of a printed array `[a, b]` (or `[a b]` for fd_sets)."""
    arg = arg.strip()
    if not arg.startswith("["):
        return []
    items, _ = split_args(arg, 1)
    if len(items) == 1 and " " in items[0] and not items[0].startswith("{"):
        # fd_set: `[3<pipe:[1]> 5<pipe:[2]>]`, space separated
        return _split_fd_set(items[0])
    return items


def _split_fd_set(text: str) -> list[str]:
    out, i, start = [], 0, 0
    while i < len(text):
        if text[i] == "<":
            i = _skip_annotation(text, i)
            continue
        if text[i] == " ":
            if text[start:i]:
                out.append(text[start:i])
            start = i + 1
        i += 1
    if text[start:]:
        out.append(text[start:])
    return out


FD_RE = re.compile(r"^(-?\d+|AT_FDCWD)(?=<|$)")


def parse_fd(arg: str) -> tuple[Optional[int], Optional[str]]:
    """`3<pipe:[123]>` -> (3, "pipe:[123]"); `3` -> (3, None)."""
    arg = arg.strip()
    m = FD_RE.match(arg)
    if not m:
        return None, None
    fd = None if m.group(1) == "AT_FDCWD" else int(m.group(1))
    rest = arg[m.end():]
    if not rest.startswith("<"):
        return fd, None
    end = _skip_annotation(rest, 0)
    inner = rest[1:end]
    if inner.endswith("(deleted)"):
        inner = inner[: -len("(deleted)")]
    if inner.endswith(">"):
        inner = inner[:-1]
    return fd, inner


def decode_string(arg: str) -> Optional[str]:
    """A printed C string `"a\\nb"` (maybe followed by `...`) as text; None if not a string."""
    arg = arg.strip()
    if arg.endswith("..."):
        arg = arg[:-3]
    if not (len(arg) >= 2 and arg[0] == '"' and arg[-1] == '"'):
        return None
    body, out, i = arg[1:-1], [], 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", "a": "\a", "b": "\b",
              '"': '"', "\\": "\\", "'": "'"}
    while i < len(body):
        c = body[i]
        if c != "\\" or i + 1 == len(body):
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in simple:
            out.append(simple[nxt])
            i += 2
        elif nxt == "x":
            digits = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2:]).group(0)
            out.append(chr(int(digits, 16)))
            i += 2 + len(digits)
        elif nxt in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[i + 1:]).group(0)
            out.append(chr(int(digits, 8)))
            i += 1 + len(digits)
        else:
            out.append(nxt)
            i += 2
    return "".join(out)


RESULT_RE = re.compile(r"^\s*=\s*(-?\d+|0x[0-9a-fA-F]+|\?)(.*)$")


def _parse_result(rest: str) -> tuple[Optional[int], Optional[str], Optional[str]]:
    m = RESULT_RE.match(rest)
    if not m:
        return None, None, None
    value, tail = m.group(1), m.group(2)
    ret = None if value == "?" else int(value, 0)
    annotation = None
    if tail.startswith("<"):
        end = _skip_annotation(tail, 0)
        _, annotation = parse_fd("0" + tail[:end])
        tail = tail[end:]
    errno = None
    em = re.match(r"^\s+(E[A-Z0-9_]+)\b", tail)
    if em and (ret is None or ret < 0):
        errno = em.group(1)
    return ret, errno, annotation


def parse_call(pid: int, text: str, lineno: int) -> Call:
    m = CALL_RE.match(text)
    if not m:
        raise ParseError(f"line {lineno}: not a syscall: {text!r}")
    args, end = split_args(text, m.end())
    ret, errno, annotation = _parse_result(text[end:])
    return Call(pid, m.group(1), args, ret, errno, annotation, text, lineno)


def parse(text: str) -> list:
    """Calls and Signals in log order; unfinished calls join their resumption
    and take the place of the resumption line."""
    events: list = []
    unfinished: dict[int, tuple[str, int]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        m = LINE_RE.match(line)
        pid, body = (int(m.group(1)), m.group(2)) if m else (0, line)
        if body.startswith("+++") or body.startswith("strace:"):
            continue
        if body.startswith("---"):
            words = body.split()
            name = words[1] if len(words) > 1 else "?"
            if name == "stopped" and len(words) > 3:
                name = words[3]
            events.append(Signal(pid, name, lineno))
            continue
        rm = RESUMED_RE.match(body)
        if rm:
            if pid not in unfinished:
                # strace attached mid-call: only the second half is known
                continue
            head, first = unfinished.pop(pid)
            events.append(parse_call(pid, head + rm.group(2), first))
            continue
        if body.endswith(UNFINISHED):
            unfinished[pid] = (body[: -len(UNFINISHED)], lineno)
            continue
        if UNFINISHED + ")" in body:
            # the process died in the call: `read(3, <unfinished ...>) = ?`
            body = body.replace(UNFINISHED, "")
        events.append(parse_call(pid, body, lineno))
    for pid, (head, first) in unfinished.items():
        # never resumed (killed): the call's result is unknown
        events.append(parse_call(pid, head + ") = ?", first))
    return events


# --------------------------------------------------------------------------
# Classification: the rules of names.c, written again from the man pages
# --------------------------------------------------------------------------

@dataclass
class _State:
    """What the log taught so far: FIFOs made, queues opened, sockets, epoll sets."""
    fifo_paths: set[str] = field(default_factory=set)
    mq_paths: set[str] = field(default_factory=set)
    socket_inodes: dict[str, str] = field(default_factory=dict)
    # (fd-table owner, epfd) -> [(fd, its mechanism) for each fd added], shared after fork
    epoll_sets: dict[tuple[int, int], list] = field(default_factory=dict)
    fd_table: dict[int, int] = field(default_factory=dict)  # tid -> owner of its fd table


def _clean_path(path: str) -> str:
    if path.endswith(" (deleted)"):
        path = path[: -len(" (deleted)")]
    return os.path.normpath(path) if path.startswith("/") else path


def classify_annotation(annotation: Optional[str], state: _State, *,
                        directory: bool = False) -> Optional[str]:
    """The mechanism of an fd from its -yy annotation; None: not IPC."""
    if not annotation:
        return None
    if annotation.startswith("pipe:["):
        return "pipe"
    m = re.match(r"^([A-Za-z-]+?)(v6)?:\[(\d+)?", annotation)
    if m and not annotation.startswith("/"):
        protocol = m.group(1)
        if protocol.startswith("UNIX"):
            return "unix_socket"
        if protocol in INET_PROTOCOLS:
            return "inet_socket"
        if protocol == "socket" and m.group(3):
            # a socket strace could not identify: the family it was made with
            return state.socket_inodes.get(m.group(3))
        return None  # NETLINK, PACKET, anon_inode:[eventfd], ...
    if not annotation.startswith("/"):
        return None  # anon_inode:inotify, net:[...], ...
    if re.search(r"<(char|block) \d+:\d+>$", annotation):
        return None  # /dev/null, ttys, disks
    path = _clean_path(annotation)
    if path.startswith("/memfd:") or path.startswith("/dev/shm/"):
        return "shm"
    if path in state.mq_paths or path.startswith("/dev/mqueue/"):
        return "mq_posix"
    if path in state.fifo_paths:
        return "fifo"
    if directory:
        return None
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "file"  # gone since: it was a regular file (anything else is known above)
    if stat.S_ISDIR(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "fifo"
    return "file"


def _fd_mechanism(arg: str, state: _State) -> Optional[str]:
    _, annotation = parse_fd(arg)
    return classify_annotation(annotation, state)


def _socket_inode(annotation: Optional[str]) -> Optional[str]:
    m = re.match(r"^[A-Za-z-]+(?:v6)?:\[(\d+)", annotation or "")
    return m.group(1) if m else None


def _family_mechanism(arg: str) -> Optional[str]:
    family = arg.strip()
    if family in ("AF_UNIX", "AF_LOCAL"):
        return "unix_socket"
    if family in ("AF_INET", "AF_INET6"):
        return "inet_socket"
    return None


def _path_mechanism(arg: str) -> str:
    path = decode_string(arg)
    return "shm" if path is not None and path.startswith("/dev/shm/") else "file"


def _first_ipc(args: Iterable[str], state: _State) -> Optional[str]:
    for arg in list(args)[:POLL_FDS_EXAMINED]:
        mechanism = _fd_mechanism(arg, state)
        if mechanism:
            return mechanism
    return None


def _poll_mechanism(call: Call, state: _State) -> Optional[str]:
    fds = []
    for entry in split_list(call.args[0]) if call.args else []:
        if entry.startswith("{"):
            fields, _ = split_args(entry, 1)
            fds += [f[len("fd="):] for f in fields if f.startswith("fd=")]
    return _first_ipc(fds, state)


def _select_mechanism(call: Call, state: _State) -> Optional[str]:
    try:
        nfds = int(call.args[0])
    except (ValueError, IndexError):
        return None
    by_fd: dict[int, str] = {}
    for arg in call.args[1:3]:
        for item in split_list(arg):
            fd, _ = parse_fd(item)
            if fd is not None and 0 <= fd < min(nfds, 64):
                by_fd.setdefault(fd, item)
    return _first_ipc([by_fd[fd] for fd in sorted(by_fd)], state)


def _table(state: _State, pid: int) -> int:
    return state.fd_table.get(pid, pid)


def _epoll_mechanism(call: Call, state: _State) -> Optional[str]:
    epfd, _ = parse_fd(call.args[0]) if call.args else (None, None)
    for _, mechanism in state.epoll_sets.get((_table(state, call.pid), epfd), []):
        if mechanism:
            return mechanism
    return None


def _mmap_mechanism(call: Call, state: _State) -> Optional[str]:
    flags = call.args[3].split("|") if len(call.args) > 3 else []
    if "MAP_SHARED" not in flags and "MAP_SHARED_VALIDATE" not in flags:
        return None  # private: not shared with anyone
    if "MAP_ANONYMOUS" in flags or "MAP_ANON" in flags:
        return "shm"
    return "shm" if _fd_mechanism(call.args[4], state) == "shm" else None


def futex_op(arg: str) -> str:
    """`FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME` -> "WAIT_BITSET"."""
    words = [w.strip() for w in arg.split("|")]
    for word in words:
        if word in ("FUTEX_CLOCK_REALTIME", "FUTEX_PRIVATE_FLAG"):
            continue
        if word.startswith("FUTEX_"):
            name = word[len("FUTEX_"):]
            if name.endswith("_PRIVATE"):
                name = name[: -len("_PRIVATE")]
            return name
        number = re.match(r"^(0x[0-9a-fA-F]+|\d+)", word)
        if number:
            op = int(number.group(1), 0) & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
            return FUTEX_OPS[op] if op < len(FUTEX_OPS) else f"OP_{op}"
    return "UNKNOWN"


def _fixed(mechanism):
    return lambda call, state: mechanism


def _fd(index=0):
    return lambda call, state: _fd_mechanism(call.args[index], state) if len(call.args) > index else None


def _fd_only(mechanism):
    return lambda call, state: mechanism if _fd(0)(call, state) == mechanism else None


# where the mode (and the path) of each mknod flavour is
MKNOD_MODE_ARG = {"mknod": 1, "mknodat": 2}


def _mknod(call, state):
    return "fifo" if "S_IFIFO" in call.args[MKNOD_MODE_ARG[call.name]] else None


def _path(index):
    return lambda call, state: _path_mechanism(call.args[index]) if len(call.args) > index else "file"


OPEN_FLAGS_ARG = {"open": 1, "openat": 2, "openat2": 2}


def _open(call, state):
    if call.failed:
        return None
    index = OPEN_FLAGS_ARG.get(call.name)
    flags = call.args[index] if index is not None and len(call.args) > index else ""
    return classify_annotation(call.ret_annotation, state, directory="O_DIRECTORY" in flags)


def _splice(call, state):
    return _fd_mechanism(call.args[0], state) or _fd_mechanism(call.args[2], state)


def _socket(call, state):
    return _family_mechanism(call.args[0])


def _fcntl(call, state):
    return _fd_mechanism(call.args[0], state) if call.args[1].strip() in RECORD_LOCK_COMMANDS else None


RESULT, ARG2 = "result", "arg2"

# name -> (how its mechanism is found, where its bytes come from)
RULES = {
    "pipe": (_fixed("pipe"), None),
    "pipe2": (_fixed("pipe"), None),
    "mknod": (_mknod, None),
    "mknodat": (_mknod, None),
    "splice": (_splice, RESULT),
    "tee": (_splice, RESULT),
    "vmsplice": (_fd(0), RESULT),
    **{name: (_fd(0), RESULT) for name in (
        "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
        "preadv2", "pwritev2")},
    **{name: (_open, None) for name in ("open", "openat", "openat2", "creat")},
    "poll": (_poll_mechanism, None),
    "ppoll": (_poll_mechanism, None),
    "select": (_select_mechanism, None),
    "pselect6": (_select_mechanism, None),
    "epoll_wait": (_epoll_mechanism, None),
    "epoll_pwait": (_epoll_mechanism, None),
    "epoll_pwait2": (_epoll_mechanism, None),
    "mq_open": (_fixed("mq_posix"), None),
    "mq_unlink": (_fixed("mq_posix"), None),
    "mq_timedsend": (_fixed("mq_posix"), ARG2),
    "mq_timedreceive": (_fixed("mq_posix"), RESULT),
    "mq_notify": (_fixed("mq_posix"), None),
    "mq_getsetattr": (_fixed("mq_posix"), None),
    "msgget": (_fixed("mq_sysv"), None),
    "msgsnd": (_fixed("mq_sysv"), ARG2),
    "msgrcv": (_fixed("mq_sysv"), RESULT),
    "msgctl": (_fixed("mq_sysv"), None),
    **{name: (_fixed("sem_sysv"), None) for name in ("semget", "semop", "semtimedop", "semctl")},
    **{name: (_fixed("shm"), None) for name in ("shmget", "shmat", "shmdt", "shmctl", "memfd_create")},
    "ftruncate": (_fd_only("shm"), None),
    "mmap": (_mmap_mechanism, None),
    **{name: (_fixed("futex"), None) for name in (
        "futex", "futex_waitv", "futex_wake", "futex_wait", "futex_requeue")},
    **{name: (_fixed("signal"), None) for name in (
        "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigtimedwait",
        "rt_sigsuspend", "pause", "alarm", "setitimer")},
    "socket": (_socket, None),
    "socketpair": (_socket, None),
    **{name: (_fd(0), None) for name in (
        "bind", "listen", "accept", "accept4", "connect", "shutdown", "sendmmsg", "recvmmsg")},
    **{name: (_fd(0), RESULT) for name in ("sendto", "recvfrom", "sendmsg", "recvmsg")},
    "unlink": (_path(0), None),
    "unlinkat": (_path(1), None),
    "rename": (_path(0), None),
    "renameat": (_path(1), None),
    "renameat2": (_path(1), None),
    "flock": (_fd(0), None),
    "fcntl": (_fcntl, None),
}


def _learn(call: Call, state: _State) -> None:
    """Remember what later calls need: FIFOs, queues, socket families, epoll sets, threads."""
    try:
        _learn_from(call, state)
    except IndexError:
        pass  # fewer arguments than the call has: strace could not read them


def _learn_from(call: Call, state: _State) -> None:
    name = call.name
    if name in MKNOD_MODE_ARG and _mknod(call, state):
        path = decode_string(call.args[MKNOD_MODE_ARG[name] - 1]) or ""
        if not path.startswith("/") and name == "mknodat":
            _, directory = parse_fd(call.args[0])
            path = os.path.join(directory or os.getcwd(), path)
        state.fifo_paths.add(_clean_path(path))
    elif name == "mq_open" and not call.failed:
        queue = decode_string(call.args[0]) or ""
        state.mq_paths.add("/" + queue.lstrip("/"))
        if call.ret_annotation:
            state.mq_paths.add(_clean_path(call.ret_annotation))
    elif name in ("socket", "socketpair") and not call.failed:
        mechanism = _family_mechanism(call.args[0])
        annotations = [call.ret_annotation] if name == "socket" else \
            [parse_fd(a)[1] for a in split_list(call.args[3])]
        for annotation in annotations:
            inode = _socket_inode(annotation)
            if inode and mechanism:
                state.socket_inodes[inode] = mechanism
    elif name in ("accept", "accept4") and not call.failed:
        inode = _socket_inode(call.ret_annotation)
        mechanism = _fd_mechanism(call.args[0], state)
        if inode and mechanism:
            state.socket_inodes[inode] = mechanism
    elif name in ("epoll_create", "epoll_create1") and not call.failed:
        state.epoll_sets[(_table(state, call.pid), call.ret)] = []
    elif name == "epoll_ctl" and not call.failed:
        epfd, _ = parse_fd(call.args[0])
        fd, annotation = parse_fd(call.args[2])
        members = state.epoll_sets.setdefault((_table(state, call.pid), epfd), [])
        members[:] = [m for m in members if m[0] != fd]
        if call.args[1].strip() != "EPOLL_CTL_DEL":
            members.append((fd, classify_annotation(annotation, state)))
    elif name in ("clone", "clone3", "fork", "vfork") and call.ret and call.ret > 0:
        flags = " ".join(call.args)
        parent = _table(state, call.pid)
        if "CLONE_FILES" in flags or "CLONE_THREAD" in flags:
            state.fd_table[call.ret] = parent
        else:
            # a copy of the fd table: same epoll files, same sets
            for (owner, epfd), members in list(state.epoll_sets.items()):
                if owner == parent:
                    state.epoll_sets[(call.ret, epfd)] = members


def classify(call: Call, state: _State) -> Optional[str]:
    """The mechanism ipctrace counts this call under, or None."""
    rule = RULES.get(call.name)
    if not rule:
        return None
    try:
        return rule[0](call, state)
    except IndexError:
        return None


def _bytes(call: Call) -> int:
    source = RULES[call.name][1]
    if call.failed:
        return 0
    if source == RESULT:
        return call.ret
    if source == ARG2:
        length = call.args[2].strip()
        return int(length, 16) if length.startswith("0x") else int(length)
    return 0


# --------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------

def _add(counts: dict, mechanism: str, call: Call) -> None:
    nbytes = _bytes(call)
    rows = [counts.setdefault(mechanism, {}).setdefault(
        call.name, {"count": 0, "errors": 0, "bytes": 0})]
    if call.name == "futex":
        op = futex_op(call.args[1]) if len(call.args) > 1 else "UNKNOWN"
        rows.append(rows[0].setdefault("ops", {}).setdefault(
            op, {"count": 0, "errors": 0, "bytes": 0}))
    for row in rows:
        row["count"] += 1
        row["errors"] += 1 if call.failed else 0
        row["bytes"] += nbytes


def count_events(events: list, pids: Optional[Iterable[int]] = None,
                 fifo_paths: Iterable[str] = ()) -> dict:
    """{mechanism: {syscall: {"count", "errors", "bytes"[, "ops"]}}}, ipctrace's shape."""
    wanted = set(pids) if pids is not None else None
    state = _State(fifo_paths={_clean_path(p) for p in fifo_paths})
    counts: dict = {}
    # per pid, the call a signal interrupted, until it is known whether it restarts
    pending: dict[int, Call] = {}

    def finish(entry: Call, final: Call) -> None:
        """Count one call: its arguments from entry, its result from final."""
        call = Call(entry.pid, entry.name, entry.args, final.ret, final.errno,
                    final.ret_annotation, entry.text, entry.lineno)
        _learn(call, state)
        if wanted is not None and call.pid not in wanted:
            return
        mechanism = classify(call, state)
        if mechanism is not None:
            _add(counts, mechanism, call)

    for event in events:
        if isinstance(event, Signal):
            continue
        call = event
        interrupted = pending.get(call.pid)
        if interrupted:
            if call.name == "restart_syscall" or call.name == interrupted.name:
                # restarted by the kernel (strace cannot tell this from a signal
                # handler making the same call: the workloads' handlers make none)
                if not call.interrupted:  # else interrupted again: still the one call
                    del pending[call.pid]
                    finish(interrupted, call)
                continue
            if call.name == "rt_sigreturn":
                if call.errno == "EINTR":
                    del pending[call.pid]  # a handler ran: the program saw EINTR
                    finish(interrupted, call)
                # else SA_RESTART: the handler returned and the call comes again
                continue
            # otherwise a syscall of the signal handler, counted on its own
        if call.interrupted:
            if call.name != "restart_syscall":
                pending[call.pid] = call
            continue
        finish(call, call)
    for interrupted in pending.values():
        # the process died in the call: ipctrace counts it as EINTR at exit
        finish(interrupted, interrupted)
    return counts


def signals_delivered(events: list, pids: Optional[Iterable[int]] = None) -> dict[str, int]:
    """{"SIGUSR1": n}: the `--- SIG... ---` lines (deliveries strace saw)."""
    wanted = set(pids) if pids is not None else None
    out: dict[str, int] = {}
    for event in events:
        if isinstance(event, Signal) and (wanted is None or event.pid in wanted):
            out[event.name] = out.get(event.name, 0) + 1
    return out


class StraceLog:
    """One `strace -f -yy -qq -o LOG` log, parsed."""

    def __init__(self, text: str):
        self.text = text
        self.events = parse(text)

    @classmethod
    def read(cls, path) -> "StraceLog":
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return cls(f.read())

    @property
    def calls(self) -> list[Call]:
        return [e for e in self.events if isinstance(e, Call)]

    @property
    def pids(self) -> set[int]:
        return {e.pid for e in self.events}

    def counts(self, pids: Optional[Iterable[int]] = None, fifo_paths: Iterable[str] = ()) -> dict:
        return count_events(self.events, pids, fifo_paths)

    def signals(self, pids: Optional[Iterable[int]] = None) -> dict[str, int]:
        return signals_delivered(self.events, pids)

    def written_texts(self, mechanism: str, syscalls=("write",)) -> list[str]:
        """The strings passed to successful writes on fds of this mechanism."""
        state = _State()
        out = []
        for call in self.calls:
            _learn(call, state)
            if call.name in syscalls and not call.failed and \
                    _fd_mechanism(call.args[0], state) == mechanism:
                out.append(decode_string(call.args[1]))
        return out


def count_log(path, pids: Optional[Iterable[int]] = None, fifo_paths: Iterable[str] = ()) -> dict:
    return StraceLog.read(path).counts(pids, fifo_paths)
