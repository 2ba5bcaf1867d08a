# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Helpers of the fault tests: start ipctrace, find the processes and the
named IPC objects of its run, kill things, look at the kernel's BPF objects.

Not a conftest.py on purpose: tests/e2e has one, and `from conftest import`
there must keep finding its own when both suites run in one session.

IPCTRACE_BUILD_DIR=DIR (or IPCTRACE_BUILD=DIR, as tests/e2e reads it) tests
the binaries of `make OUTPUT=DIR`, e.g. the sanitizer build of `make asan`.
In every run, a sanitizer report on stderr fails the test.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("IPCTRACE_BUILD_DIR") or os.environ.get("IPCTRACE_BUILD")
             or REPO / "build").resolve()
IPCTRACE = BUILD / "ipctrace"
WORKLOAD = BUILD / "ipctrace-workload"
STRACE = shutil.which("strace") or "strace"

# ipctrace's documented exit statuses (its --help, user/tracer.h)
EXIT_USAGE = 64
EXIT_DATAERR = 65
EXIT_NOINPUT = 66
EXIT_UNAVAILABLE = 69
EXIT_CANTCREAT = 73
EXIT_NOPERM = 77
EXIT_CANNOT_EXEC = 126
EXIT_NOT_FOUND = 127

TIMEOUT_S = 120
# what AddressSanitizer, LeakSanitizer and UBSan print when they find something
SANITIZER_REPORT = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer")


def skip_or_fail(reason: str):
    """Skip, or fail when CI (IPCTRACE_REQUIRE_BPF=1) demands that every test runs."""
    if os.environ.get("IPCTRACE_REQUIRE_BPF") == "1":
        pytest.fail(f"{reason} (IPCTRACE_REQUIRE_BPF=1: not skipping)", pytrace=False)
    pytest.skip(reason)


def clean_env() -> dict:
    env = dict(os.environ)
    env.pop("IPCTRACE_RUNDIR", None)
    env["LC_ALL"] = "C"
    return env


def assert_no_sanitizer_report(stderr: str) -> None:
    match = SANITIZER_REPORT.search(stderr or "")
    assert not match, f"a sanitizer found a bug:\n{stderr}"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    summary: Optional[dict] = None

    def count(self, mechanism: str, syscall: str) -> int:
        rows = self.summary["mechanisms"].get(mechanism, {}).get("syscalls", {})
        return rows.get(syscall, {}).get("count", 0)


def in_private_mounts(setup: str) -> list[str]:
    """A prefix for ipctrace()/start_ipctrace(): ipctrace runs in a mount
    namespace of its own, after the shell commands `setup` (umount ...) ran
    there.  The machine's mounts, which other programs use, stay as they are;
    the IPC namespace is the machine's."""
    return ["unshare", "--mount", "--propagation", "private", "sh", "-ec",
            f'{setup}\nexec "$0" "$@"']


def ipctrace(*args, timeout: float = TIMEOUT_S, cwd=None, summary: Optional[Path] = None,
             prefix: tuple = (), **kwargs) -> Run:
    """build/ipctrace ARGS to completion; the JSON summary read back if given.
    Its stdout is a file, as in tests/e2e: what a workload prints counts as
    `file` writes, never as `pipe` ones."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        code = subprocess.run([*prefix, str(IPCTRACE), *map(str, args)], stdout=out, stderr=err,
                              stdin=subprocess.DEVNULL, timeout=timeout, cwd=cwd,
                              env=kwargs.pop("env", clean_env()), **kwargs).returncode
        out.seek(0)
        err.seek(0)
        run = Run(code, out.read(), err.read())
    assert_no_sanitizer_report(run.stderr)
    if summary is not None and summary.exists():
        run.summary = json.loads(summary.read_text())
    return run


def start_ipctrace(*args, workdir: Path, prefix: tuple = ()) -> subprocess.Popen:
    """build/ipctrace ARGS in the background, stdout/stderr into workdir.
    With a prefix that execs it (in_private_mounts), the pid is ipctrace's."""
    return subprocess.Popen([*prefix, str(IPCTRACE), *map(str, args)], cwd=workdir, env=clean_env(),
                            stdin=subprocess.DEVNULL,
                            stdout=open(workdir / "stdout", "w"), stderr=open(workdir / "stderr", "w"))


def finish(proc: subprocess.Popen, workdir: Path, summary: Optional[Path] = None,
           timeout: float = TIMEOUT_S) -> Run:
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    stderr = (workdir / "stderr").read_text()
    assert_no_sanitizer_report(stderr)
    run = Run(code, (workdir / "stdout").read_text(), stderr)
    if summary is not None and summary.exists():
        run.summary = json.loads(summary.read_text())
    return run


# ---- processes ----------------------------------------------------------------

def stat_fields(pid: int) -> Optional[list[str]]:
    """/proc/PID/stat after the comm: [state, ppid, ...], None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2:].split()


def alive(pid: int, started: Optional[str] = None) -> bool:
    """Exists and is not a zombie (a dead process its new parent has not reaped
    yet); with started, only the process that started then (not a later one
    that reused the number)."""
    fields = stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X") and started in (None, fields[19])


def descendants(root: int) -> list[int]:
    """Every live process under root, parents before their children."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = stat_fields(int(entry))
            if fields and fields[0] not in ("Z", "X"):
                children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def wait_for(predicate, timeout: float = 30, what: str = "a condition", interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}", pytrace=False)
        time.sleep(interval)


def start_time(pid: int) -> Optional[str]:
    """/proc/PID/stat's starttime: with the pid, names one process even after
    the number is reused."""
    fields = stat_fields(pid)
    return fields[19] if fields else None


def kill_tree(root: int) -> list[tuple[int, Optional[str]]]:
    """SIGKILL every process under root (not root itself), none escaping:
    SIGSTOP them until no new one appears, then SIGKILL them all.  Returns
    them as (pid, start time)."""
    stopped: dict[int, Optional[str]] = {}
    while True:
        new = [pid for pid in descendants(root) if pid not in stopped]
        if not new:
            break
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
            stopped[pid] = start_time(pid)
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return sorted(stopped.items())


def environ_of(pid: int) -> dict:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return {}
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


# ---- the named IPC objects of a run (user/rundir.h) ------------------------------

def ftok(path: str, proj: str) -> int:
    """glibc's ftok(3): the key System V objects of a run are made with."""
    st = os.stat(path)
    key = (st.st_ino & 0xffff) | ((st.st_dev & 0xff) << 16) | ((ord(proj) & 0xff) << 24)
    return key - (1 << 32) if key >= 1 << 31 else key  # key_t is signed, as ipcs and /proc show it


def sysv_keys() -> dict[str, set[int]]:
    """The keys of every System V queue, semaphore set and segment: {"msg": {...}, ...}."""
    out = {}
    for kind in ("msg", "sem", "shm"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        out[kind] = {int(line.split()[0]) for line in lines if line.strip()}
    return out


@dataclass
class RunObjects:
    """What a run of a bundled workload can leave behind, from its run directory."""
    rundir: str
    keys: dict  # {"msg": key, "sem": key, "shm": key}

    @classmethod
    def of(cls, rundir: str) -> "RunObjects":
        return cls(rundir, {"msg": ftok(rundir, "q"), "sem": ftok(rundir, "s"),
                            "shm": ftok(rundir, "m")})

    @property
    def prefix(self) -> str:
        return f"ipctrace.{os.path.basename(self.rundir)}."

    def present(self, mqueue_dir: str) -> list[str]:
        """Every object of the run that exists now, named for a message."""
        found = []
        if os.path.isdir(self.rundir):
            found.append(f"{self.rundir}/ ({', '.join(sorted(os.listdir(self.rundir))) or 'empty'})")
        for directory in ("/dev/shm", mqueue_dir):
            if os.path.isdir(directory):
                found += [f"{directory}/{name}" for name in os.listdir(directory)
                          if name.startswith(self.prefix)]
        live = sysv_keys()
        found += [f"System V {kind} key {key:#x}" for kind, key in self.keys.items() if key in live[kind]]
        return found

    def created(self, mqueue_dir: str) -> list[str]:
        """The objects the workload made (the run directory itself excluded)."""
        objects = [o for o in self.present(mqueue_dir) if not o.startswith(self.rundir + "/")]
        if os.path.isdir(self.rundir) and os.listdir(self.rundir):
            objects.append(self.rundir + "/*")
        return objects


def run_dirs() -> set[str]:
    """The run directories in $TMPDIR, where ipctrace makes them."""
    tmp = os.environ.get("TMPDIR") or "/tmp"
    return {str(p) for p in Path(tmp).glob("ipctrace-run.*")}


# ---- BPF objects ----------------------------------------------------------------

def bpf_fd_ids(pid: int) -> dict[str, set[int]]:
    """The ids of the BPF programs, maps and links a process holds, from its fdinfo."""
    out = {"prog": set(), "map": set(), "link": set()}
    fdinfo = Path(f"/proc/{pid}/fdinfo")
    for entry in fdinfo.iterdir():
        try:
            text = entry.read_text()
        except OSError:
            continue
        for kind in out:
            m = re.search(rf"^{kind}_id:\s*(\d+)", text, re.M)
            if m:
                out[kind].add(int(m.group(1)))
    return out


def bpftool_ids() -> dict[str, dict[int, str]]:
    """Every BPF program, map and link of the kernel: {kind: {id: name}}."""
    out = {}
    for kind in ("prog", "map", "link"):
        for _ in range(20):
            proc = subprocess.run(["bpftool", "--json", kind, "show"], capture_output=True,
                                  text=True, timeout=60)
            # an object freed between bpftool's listing and its look at it (other
            # tracers come and go) fails the whole listing: look again
            if proc.returncode == 0:
                break
            time.sleep(0.05)
        assert proc.returncode == 0, f"bpftool {kind} show: {proc.stdout} {proc.stderr}"
        items = json.loads(proc.stdout or "[]")
        out[kind] = {item["id"]: item.get("name") or item.get("tp_name") or "" for item in items}
    return out
