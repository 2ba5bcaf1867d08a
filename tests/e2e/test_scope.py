# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""attach --cgroup and --all: scopes filtered in the kernel (issue 17).

Each test makes its own cgroups in the cgroup v2 hierarchy, wherever
/proc/mounts says it is mounted, puts workloads in them by writing
cgroup.procs, and removes the groups again.  Counts are checked exactly
against the strace oracle of the same workloads run alone; a noisy
workload outside the scope must add nothing.  The --all test tolerates
the rest of the host (other suites run beside it): it looks only at the
processes of its own workload, through --by process.
"""
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import (IPCTRACE, WORKLOAD, _clean_env, assert_same_profile, descends_from, profile,
                      skip_or_fail, validate_summary)

EXIT_NOINPUT = 66
READY_LINE = "ipctrace: attached"


def v2_mount():
    with open("/proc/mounts") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 2 and fields[2] == "cgroup2":
                return Path(fields[1])
    return None


def v1_mount():
    with open("/proc/mounts") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 2 and fields[2] == "cgroup":
                return Path(fields[1])
    return None


def own_cgroup(mount: Path) -> Path:
    """The v2 group this test runs in (where moved processes go back to)."""
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return mount / line[3:].strip().lstrip("/")
    return mount


@pytest.fixture
def cgroups(bpf):
    """make(name) -> a new group under the v2 root (or under a group made
    before); every group made is removed at the end, its processes first
    killed and waited for."""
    mount = v2_mount()
    if mount is None:
        skip_or_fail("no cgroup v2 hierarchy is mounted (/proc/mounts)")
    made = []

    def make(name, parent=None):
        path = (parent or mount) / f"ipctrace-test-{os.getpid()}-{name}"
        path.mkdir()
        made.append(path)
        return path

    yield make
    for path in reversed(made):
        for _ in range(100):
            pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        path.rmdir()


def move(pid: int, group: Path):
    (group / "cgroup.procs").write_text(f"{pid}\n")


class Attach:
    """`ipctrace attach ARGS -v -q -o OUT` until stop(); started() returns
    once every hook is attached, so what starts after is traced."""

    def __init__(self, tmp_path, *args, group=None):
        self.out = tmp_path / "attach.json"
        self.proc = subprocess.Popen([str(IPCTRACE), "attach", *map(str, args), "-v", "-q",
                                      "-o", str(self.out)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, env=_clean_env(),
                                     preexec_fn=(lambda: move(os.getpid(), group)) if group else None)
        self.stderr = ""
        deadline = time.monotonic() + 60
        while READY_LINE not in self.stderr:
            ready, _, _ = select.select([self.proc.stderr], [], [], 1)
            if ready:
                line = self.proc.stderr.readline()
                if not line:
                    break
                self.stderr += line
            if time.monotonic() > deadline:
                break
        if READY_LINE not in self.stderr:
            self.proc.kill()
            pytest.fail(f"ipctrace attach did not start (exit {self.proc.wait()}): {self.stderr}")

    def stop(self) -> dict:
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=60)
        self.stderr += err
        assert self.proc.returncode == 0, self.stderr
        with open(self.out) as f:
            summary = json.load(f)
        validate_summary(summary)
        return summary


def start_in(group, argv, workdir):
    """argv started in group from its first instruction (moved there between
    fork and exec, before any call that could count), stdout to a file."""
    out = open(workdir / f"stdout-{len(list(workdir.iterdir()))}", "w")
    return subprocess.Popen([str(a) for a in argv], stdout=out, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, cwd=workdir, env=_clean_env(),
                            preexec_fn=(lambda: move(os.getpid(), group)) if group else None)


def add_profiles(*profiles):
    total: dict = {}
    for p in profiles:
        for mechanism, rows in p.items():
            for name, row in rows.items():
                into = total.setdefault(mechanism, {}).setdefault(
                    name, {"count": 0, "errors": 0, "bytes": 0})
                for key in ("count", "errors", "bytes"):
                    into[key] += row[key]
    return total


def test_cgroup_counts_its_processes_exactly_and_nothing_outside(cgroups, run_strace, tmp_path):
    """pipe-pi in a group, file-pi in a group below it, both started after
    attach --cgroup: exactly their strace counts, in all and per group
    (--by cgroup); a ping-pong outside the group, busy all along, adds
    nothing."""
    outer = cgroups("outer")
    inner = cgroups("inner", parent=outer)
    noisy = subprocess.Popen([str(WORKLOAD), "pingpong", "--via", "pipe", "--rounds", "100000000"],
                             stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        attach = Attach(tmp_path, "--cgroup", outer, "--by", "cgroup")
        pipe_pi = start_in(outer, [WORKLOAD, "pipe-pi", "--children", "3"], tmp_path)
        file_pi = start_in(inner, [WORKLOAD, "file-pi", "--children", "2"], tmp_path)
        assert pipe_pi.wait(timeout=60) == 0 and file_pi.wait(timeout=60) == 0
        s = attach.stop()
    finally:
        os.killpg(noisy.pid, signal.SIGKILL)
        noisy.wait()
    pipe_pi_counts = run_strace("pipe-pi", "--children", "3").counts
    file_pi_counts = run_strace("file-pi", "--children", "2").counts
    expected = add_profiles(pipe_pi_counts, file_pi_counts)
    assert_same_profile(profile(s), expected, "two workloads in a group and its child")
    groups = {g["key"]: g for g in s["groups"]}
    key = "/" + str(outer.relative_to(v2_mount()))
    assert set(groups) == {key, key + "/" + inner.name}
    assert_same_profile(profile(groups[key]), pipe_pi_counts, "the group's own processes")
    assert_same_profile(profile(groups[key + "/" + inner.name]), file_pi_counts, "its child group")
    assert groups[key]["by"] == "cgroup" and groups[key]["cgroup_id"] == os.stat(outer).st_ino
    # processes in scope are named while they live (the report lists those
    # alive at its end): the noisy one lived throughout, never in scope
    pids = set(s["target"]["pids"])
    assert noisy.pid not in pids and attach.proc.pid not in pids
    assert s["target"]["command"] == ["--cgroup", key]


def wait_blocked_in_read(pid, timeout=30.0):
    """Until pid sleeps inside read(2) (x86_64 syscall 0)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/syscall") as f:
            if f.read().split()[0] == "0":
                return
        time.sleep(0.01)
    pytest.fail(f"pid {pid} never blocked in read")


MOVER = """
import os, sys
r, w = os.pipe()
while True:
    n = os.read(0, 64).strip()
    if n == b"x":
        break
    for _ in range(int(n)):
        os.write(w, b"x")
        os.read(r, 1)
    os.write(1, b"done\\n")
"""


def test_a_process_is_counted_while_it_is_in_the_group(cgroups, tmp_path):
    """A process moved in is traced from then on, and no longer once moved
    out (a move fires no hook of the task: cgroup_attach_task follows it).
    Its read of the command blocked across each move counts neither time."""
    group = cgroups("moves")
    mount = v2_mount()
    home = own_cgroup(mount)
    mover = subprocess.Popen([sys.executable, "-c", MOVER], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env=_clean_env())

    def ask(n):
        mover.stdin.write(f"{n}\n".encode())
        mover.stdin.flush()
        assert mover.stdout.readline() == b"done\n"
        wait_blocked_in_read(mover.pid)  # its next read(0) entered: moves cross it

    try:
        attach = Attach(tmp_path, "--cgroup", group)
        ask(5)              # outside: nothing
        move(mover.pid, group)
        ask(7)              # inside: 7 writes and reads on its pipe, and its reply
        move(mover.pid, home)
        ask(11)             # outside again: nothing
        mover.stdin.write(b"x\n")
        mover.stdin.flush()
        assert mover.wait(timeout=30) == 0
        s = attach.stop()
    finally:
        mover.kill()
        mover.wait()
    assert profile(s, ["pipe"]) == {"pipe": {
        "write": {"count": 8, "errors": 0, "bytes": 7 + len("done\n")},
        "read": {"count": 7, "errors": 0, "bytes": 7}}}
    assert s["target"]["pids"] == []  # listed only while in scope: it left, then exited


def test_all_counts_a_workload_started_later_and_never_ipctrace(cgroups, run_strace, tmp_path):
    """attach --all --by cgroup, ipctrace in a group of its own: the bundled
    workload started after attach, in another group, is counted exactly (its
    group against strace), and ipctrace's group never appears.  The rest of
    the host (other suites beside this one) is in other groups: ignored."""
    workload_group, own_group = cgroups("all-workload"), cgroups("all-ipctrace")
    attach = Attach(tmp_path, "--all", "--by", "cgroup", group=own_group)
    workload = start_in(workload_group, [WORKLOAD, "pipe-pi", "--children", "3"], tmp_path)
    assert workload.wait(timeout=60) == 0
    s = attach.stop()
    groups = {g["key"]: g for g in s["groups"]}
    key = "/" + str(workload_group.relative_to(v2_mount()))
    # --all traces the workload's process before its exec too: its write of
    # its pid into cgroup.procs (start_in) is the move, and ends in the group
    move_write = {"file": {"write": {"count": 1, "errors": 0, "bytes": len(f"{workload.pid}\n")}}}
    assert_same_profile(profile(groups[key]),
                        add_profiles(run_strace("pipe-pi", "--children", "3").counts, move_write),
                        "pipe-pi under --all")
    assert "/" + str(own_group.relative_to(v2_mount())) not in groups
    assert attach.proc.pid not in s["target"]["pids"]
    assert not [p for p in s["target"]["processes"] if p["comm"] == "ipctrace"]


def test_all_and_cgroup_refuse_bad_paths_with_one_line(ipctrace, tmp_path):
    """A missing group, a cgroup v1 group, a file that is not a cgroup, a
    directory outside cgroupfs: one line each and exit 66, nothing loaded."""
    mount = v2_mount()
    if mount is None:
        skip_or_fail("no cgroup v2 hierarchy is mounted (/proc/mounts)")
    bad = [("ipctrace-no-such-group", "no such cgroup"),
           (mount / "cgroup.procs", "is not a cgroup"),
           (tmp_path, "is not a cgroup")]
    v1 = v1_mount()
    if v1 is not None:
        bad.append((v1, "cgroup v1 group"))
    for path, why in bad:
        run = ipctrace("attach", "--cgroup", path, "-d", "0.1")
        assert run.returncode == EXIT_NOINPUT, (path, run.stderr)
        assert run.stderr.count("\n") == 1 and why in run.stderr, run.stderr
    assert ipctrace("attach", "--all", "-p", "1").returncode == 64
    assert ipctrace("attach", "--all", "--cgroup", mount).returncode == 64
    assert ipctrace("attach", "--all", "--by", "pid").returncode == 64


# clone3(CLONE_INTO_CGROUP): the child starts in GROUP, its parent stays out;
# the child writes N bytes into a pipe, one call each, and exits
CLONE_INTO = """
import ctypes, os, struct, sys
group, n = sys.argv[1], int(sys.argv[2])
fd = os.open(group, os.O_RDONLY | os.O_DIRECTORY)
r, w = os.pipe()
args = ctypes.create_string_buffer(struct.pack("=11Q", 0x200000000, 0, 0, 0, 17, 0, 0, 0, 0, 0, fd))
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
pid = libc.syscall(435, args, ctypes.c_size_t(88))
if pid == 0:
    for _ in range(n):
        os.write(w, b"x")
    os._exit(0)
if pid < 0:
    sys.exit(f"clone3: {os.strerror(ctypes.get_errno())}")
os.waitpid(pid, 0)
os.close(w)
print(len(os.read(r, 4096)))
"""


def test_a_child_cloned_into_the_group_is_traced_from_its_fork(cgroups, tmp_path):
    """A parent outside the group creates its child inside (clone3 with
    CLONE_INTO_CGROUP): the fork hook judges the child by its own group, so
    its 9 pipe writes count, and nothing of the parent's."""
    group = cgroups("clone-into")
    attach = Attach(tmp_path, "--cgroup", group)
    parent = subprocess.run([sys.executable, "-c", CLONE_INTO, str(group), "9"],
                            capture_output=True, text=True, timeout=60, env=_clean_env())
    s = attach.stop()
    if parent.returncode and "clone3" in parent.stderr:
        skip_or_fail(f"this kernel has no clone3 CLONE_INTO_CGROUP (5.7+): {parent.stderr}")
    assert parent.returncode == 0 and parent.stdout == "9\n", parent.stderr
    assert profile(s) == {"pipe": {"write": {"count": 9, "errors": 0, "bytes": 9}}}


# each subshell logs its pid and the time it ran at: an open and a write of
# the log, counted under file
FORK_LOOP = 'while :; do ( echo "$BASHPID $EPOCHREALTIME" >> "$0" ); done'


def logged_after(log, since, until):
    """The pids of the subshells that logged a time in (since, until)."""
    lines = [line.split() for line in log.read_text().splitlines()]
    return [int(f[0]) for f in lines if len(f) == 2 and since < float(f[1]) < until]


def wait_for(predicate, timeout=60.0, what="a condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_processes_forked_while_attaching_are_traced(cgroups, tmp_path):
    """A shell in the group forks subshells without pause while attach starts:
    the walk of the group and the fork hook (attached before the walk)
    overlap, so every subshell alive once attach is ready is traced, whether
    it was forked before the walk, during it or after."""
    group = cgroups("forks")
    log = tmp_path / "forks.log"
    shell = start_in(group, ["/bin/bash", "-c", FORK_LOOP, log], tmp_path)
    try:
        attach = Attach(tmp_path, "--cgroup", group, "--by", "process")
        ready = time.time()  # after the line: attach was ready before this
        wait_for(lambda: len(logged_after(log, ready, time.time())) >= 20, what="20 subshells")
        stopping = time.time() - 0.05  # a subshell's write follows its time closely
        s = attach.stop()
    finally:
        shell.kill()
        shell.wait()
    groups = {int(g["key"]): g for g in s["groups"]}
    after = logged_after(log, ready, stopping)
    untraced = [pid for pid in after if pid not in groups]
    assert not untraced, f"{len(untraced)} of {len(after)} subshells alive after attach were not traced"
    assert all(groups[pid]["mechanisms"]["file"]["syscalls"]["write"]["count"] == 1 for pid in after)


@pytest.mark.parametrize("by", ["process", "comm"])
def test_run_by_breaks_the_report_down(run_traced, ipctrace, by):
    """run --by: the groups add up to the whole, exactly; every output shows
    them, and report reads them back."""
    traced = run_traced(["/bin/sh", "-c", "seq 2000 | sort -n | tail -1"], options=["--by", by])
    s = traced.summary
    assert {g["by"] for g in s["groups"]} == {by}
    assert_same_profile(add_profiles(*(profile(g) for g in s["groups"])), profile(s), "the groups")
    keys = {g["key"] for g in s["groups"]}
    if by == "comm":
        assert {"seq", "sort", "tail"} <= keys, keys
    else:
        assert keys == {str(pid) for pid in s["target"]["pids"]}
    text = ipctrace("report", traced.json_path).stdout
    assert f"by {by}, top 10 of {len(keys)} by calls" in text
    csv = ipctrace("report", "--format", "csv", traced.json_path).stdout.splitlines()
    assert csv[0].startswith("group,mechanism,")
    assert {line.split(",")[0] for line in csv[1:]} == keys | {""}
    assert f"<h2>By {by}</h2>" in ipctrace("report", "--format", "html", traced.json_path).stdout
    again = json.loads(ipctrace("report", "--format", "json", traced.json_path).stdout)
    validate_summary(again)
    assert sorted(again["groups"], key=lambda g: g["key"]) == sorted(s["groups"], key=lambda g: g["key"])


def test_by_process_folds_the_rows_of_exited_processes(cgroups, tmp_path):
    """attach --cgroup --by process where processes come and go: the rows of
    those gone fold into one "(exited processes)" group (at once here, with
    IPCTRACE_FOLD_AT=1; when half the rows are taken otherwise), and every
    call is still counted: each child's one pipe write, its parent's reads."""
    group = cgroups("fold")
    churn = tmp_path / "churn"
    subprocess.run(["cc", "-O2", "-Wall", "-Werror", "-o", churn,
                    Path(__file__).resolve().parent / "programs" / "churn.c"], check=True, timeout=120)
    os.environ["IPCTRACE_FOLD_AT"] = "1"
    try:
        attach = Attach(tmp_path, "--cgroup", group, "--by", "process")
    finally:
        del os.environ["IPCTRACE_FOLD_AT"]
    churner = subprocess.run([str(churn), "200", "2.5"], capture_output=True, text=True, timeout=60,
                             preexec_fn=lambda: move(os.getpid(), group))
    time.sleep(1.2)  # a fold after the last child
    s = attach.stop()
    forked = int(churner.stdout)
    # its pipe, the children's writes, and the parent's line on its stdout (a pipe here)
    expected = {"pipe2": {"count": 1, "errors": 0, "bytes": 0},
                "write": {"count": forked + 1, "errors": 0, "bytes": forked + len(churner.stdout)},
                "read": {"count": forked, "errors": 0, "bytes": forked}}
    assert profile(s, ["pipe"])["pipe"] == expected
    groups = {g["key"]: g for g in s["groups"]}
    assert set(groups) == {"(exited processes)"}  # all gone before the end, parent too
    assert profile(groups["(exited processes)"], ["pipe"])["pipe"] == expected
    assert_same_profile(add_profiles(*(profile(g) for g in s["groups"])), profile(s), "the groups")
    assert not s["drops"]["syscall_stats_full"]
