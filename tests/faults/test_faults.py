# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The fault and input matrix: one test per row.

    privileges    no root, no CAP_BPF/CAP_PERFMON -> 77 and the capabilities named
    environment   no tracefs -> runs; no kernel BTF -> 69, one line; a missing
                  tracepoint -> that feature "unavailable", the rest exact; a
                  cached BTF that cannot be read -> replaced, the run exact; a
                  cache others can write -> unused; a container's PID namespace -> 69
    input         unknown workload/option, bad numbers, `run --`, a missing
                  command (127 as sh), -o in a missing directory, -o a symlink
                  in a sticky world-writable directory, -o on a full disk
    faults        SIGINT/SIGTERM to ipctrace; SIGKILL to the workload (its named
                  IPC objects removed); SIGKILL to ipctrace (no BPF object left)
    load          2,000 processes; 5 million IPC syscalls; ring buffer overflow
    pids          a reused pid is not counted; other pid namespaces, host pids

Run as root: `make test-faults` (about 2 minutes).  IPCTRACE_BUILD_DIR=DIR
tests another build, as `make asan` does (see faultlib.py).  Mounts are
changed only in mount namespaces of the tests' own: other tracers and tests
on the machine keep theirs.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from faultlib import (EXIT_CANNOT_EXEC, EXIT_CANTCREAT, EXIT_NOPERM, EXIT_NOT_FOUND, EXIT_UNAVAILABLE,
                      EXIT_USAGE, IPCTRACE, REPO, STRACE, WORKLOAD, RunObjects, alive,
                      assert_no_sanitizer_report, bpf_fd_ids, clean_env, bpftool_ids, descendants, environ_of,
                      finish, in_private_mounts, ipctrace, kill_tree, run_dirs, skip_or_fail,
                      start_ipctrace, stat_fields, wait_for)

SLOW_N = "1000000000"  # --n of the pi workloads: seconds of computing, for a signal to land in


@pytest.fixture(autouse=True)
def no_run_directory_left(tmp_path, monkeypatch):
    """Whatever a test does, no run directory of ipctrace outlives it.  Each
    test has its own TMPDIR, where ipctrace makes them: other runs of ipctrace
    on this machine cannot confuse the check."""
    tmpdir = tmp_path / "TMPDIR"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    yield
    left = run_dirs()
    for path in left:  # do not let one failure cascade into the next tests
        shutil.rmtree(path, ignore_errors=True)
    assert not left, f"run directories left behind: {sorted(left)}"


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    return lines[0]


def help_text() -> str:
    return ipctrace("--help").stdout


def pi_counts(run, mechanism="pipe"):
    return {name: row["count"]
            for name, row in run.summary["mechanisms"].get(mechanism, {}).get("syscalls", {}).items()}


# ---- privileges -----------------------------------------------------------------

@pytest.fixture
def world_readable_copy():
    """The binaries copied where user nobody can run them (the checkout may not be)."""
    directory = tempfile.mkdtemp(prefix="ipctrace-faults.", dir="/tmp")
    os.chmod(directory, 0o755)
    for binary in (IPCTRACE, WORKLOAD):
        shutil.copy2(binary, directory)
    yield Path(directory)
    shutil.rmtree(directory)


@pytest.mark.parametrize("command", [["run", "pipe-pi"], ["attach", "-p", "1"]])
def test_unprivileged_exits_77_naming_the_missing_capabilities(binaries, world_readable_copy, command):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        skip_or_fail("needs root and setpriv to drop to user nobody")
    proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           "--inh-caps=-all", str(world_readable_copy / "ipctrace"), *command],
                          capture_output=True, text=True, timeout=60, cwd="/")
    assert_no_sanitizer_report(proc.stderr)
    assert proc.returncode == EXIT_NOPERM, proc.stderr
    line = one_line(proc.stderr)
    assert "CAP_BPF" in line and "CAP_PERFMON" in line, line
    assert "77 not privileged" in help_text().replace("\n", " ")


# ---- environment ----------------------------------------------------------------

# every tracefs mount unmounted, and ipctrace fails if one is left
NO_TRACEFS = """for point in $(awk '$3 == "tracefs" { print $2 }' /proc/self/mounts | sort -r); do
    umount -l "$point"
done
! grep -q ' tracefs ' /proc/self/mounts || exit 99"""


def test_runs_without_tracefs_mounted(bpf, tmp_path):
    """Raw tracepoints need no tracefs: every tracefs unmounted (in a mount
    namespace of ipctrace's own: other tracers on the machine keep theirs)."""
    out = tmp_path / "out.json"
    run = ipctrace("run", "-q", "-o", out, "pipe-pi", "--children", "3", "--n", "1000",
                   summary=out, prefix=in_private_mounts(NO_TRACEFS))
    assert run.code == 0, run.stderr
    assert pi_counts(run) == {"pipe2": 3, "write": 3, "read": 3}
    assert run.summary["unavailable"] == []


def test_core_btf_cache_is_made_once_and_a_bad_one_replaced(bpf, tmp_path):
    """The minimal BTF is cut at the first start, reused after; a cached file
    libbpf cannot read is dropped and the run still exact (whole kernel BTF);
    with the cache off (empty IPCTRACE_CACHE_DIR) it runs too."""
    cache = tmp_path / "cache"
    out = tmp_path / "out.json"
    env = {**clean_env(), "IPCTRACE_CACHE_DIR": str(cache)}
    args = ("run", "-q", "-o", out, "pipe-pi", "--children", "3", "--n", "1000")
    run = ipctrace(*args, summary=out, env=env)
    assert run.code == 0, run.stderr
    assert pi_counts(run) == {"pipe2": 3, "write": 3, "read": 3}
    [made] = list((cache / "btf").iterdir())
    assert made.suffix == ".btf" and 0 < made.stat().st_size < 1 << 20
    stamp = made.stat().st_mtime_ns
    run = ipctrace(*args, summary=out, env=env)
    assert run.code == 0 and made.stat().st_mtime_ns == stamp  # reused, not made again
    made.write_bytes(b"not BTF")
    run = ipctrace(*args, summary=out, env=env)
    assert run.code == 0, run.stderr
    assert pi_counts(run) == {"pipe2": 3, "write": 3, "read": 3}
    assert not made.exists() or made.read_bytes() != b"not BTF"
    run = ipctrace(*args, summary=out, env={**clean_env(), "IPCTRACE_CACHE_DIR": ""})
    assert run.code == 0, run.stderr
    assert pi_counts(run) == {"pipe2": 3, "write": 3, "read": 3}


def test_outside_the_initial_pid_namespace_is_one_clear_line(bpf):
    """The kernel side keys tasks by host thread ids: in a container's PID
    namespace the ids user space sees would name other tasks."""
    run = ipctrace("run", "--", "/bin/true", prefix=("unshare", "-fp", "--mount-proc"))
    assert run.code == EXIT_UNAVAILABLE, run.stderr
    assert "PID namespace" in one_line(run.stderr)


def test_cache_in_a_directory_others_can_write_is_not_used(bpf, tmp_path):
    """Root runs bpftool on and loads what the cache holds: a cache directory
    another user could write into is ignored (the whole kernel BTF is used)."""
    cache = tmp_path / "cache"
    (cache / "btf").mkdir(parents=True)
    os.chmod(cache / "btf", 0o777)
    out = tmp_path / "out.json"
    run = ipctrace("run", "-q", "-o", out, "pipe-pi", "--children", "3", "--n", "1000",
                   summary=out, env={**clean_env(), "IPCTRACE_CACHE_DIR": str(cache)})
    assert run.code == 0, run.stderr
    assert pi_counts(run) == {"pipe2": 3, "write": 3, "read": 3}
    assert list((cache / "btf").iterdir()) == []


def test_missing_kernel_btf_is_one_clear_line(bpf, tmp_path):
    missing = tmp_path / "no" / "vmlinux"
    run = ipctrace("run", "--btf", missing, "pipe-pi", "--n", "1000")
    assert run.code == EXIT_UNAVAILABLE
    line = one_line(run.stderr)
    assert str(missing) in line and "BTF" in line, line
    assert run.stdout == ""  # nothing ran, nothing reported
    assert "69 kernel lacks BTF" in help_text().replace("\n", " ")


def test_missing_tracepoint_marks_its_feature_unavailable(bpf, tmp_path):
    out = tmp_path / "out.json"
    run = ipctrace("run", "-o", out, "--pretend-missing", "sched_switch", "--pretend-missing",
                   "contention_begin", "pipe-pi", "--children", "3", "--n", "1000", summary=out)
    assert run.code == 0, run.stderr
    unavailable = {u["feature"]: u["reason"] for u in run.summary["unavailable"]}
    assert set(unavailable) == {"blocked_time", "kernel_lock_contention"}
    assert "sched_switch" in unavailable["blocked_time"]
    assert "unavailable: blocked_time: tracepoint sched_switch" in run.stdout
    # the rest works, exactly: a pipe per child, one write and one read on it
    assert pi_counts(run) == {"pipe2": 3, "write": 3, "read": 3}


def test_missing_required_tracepoint_is_one_clear_line(bpf):
    run = ipctrace("run", "--pretend-missing", "sys_enter", "pipe-pi", "--n", "1000")
    assert run.code == EXIT_UNAVAILABLE
    assert "sys_enter" in one_line(run.stderr)


# ---- input ------------------------------------------------------------------------

def test_unknown_workload_lists_the_bundled_ones(binaries):
    run = ipctrace("run", "no-such-workload")
    assert run.code == EXIT_USAGE
    line = one_line(run.stderr)
    assert "no-such-workload" in line and "pipe-pi" in line and "mq-pi" in line, line


@pytest.mark.parametrize("args", [
    ["run", "--no-such-option", "pipe-pi"],
    ["run", "-Z", "pipe-pi"],
    ["attach", "--no-such-option", "-p", "1"],
    ["report", "--no-such-option", "x.json"],
    ["no-such-command"],
    [],
], ids=["run-long", "run-short", "attach", "report", "command", "nothing"])
def test_unknown_option_is_a_usage_error(binaries, args):
    run = ipctrace(*args)
    assert run.code == EXIT_USAGE, run.stderr
    assert run.stdout == ""
    one_line(run.stderr)


# (arguments, exit status, what stderr must say): ipctrace's own numbers are
# its usage errors (64); a workload's are the workload's (2), which run
# passes through as the command's own status.
BAD_NUMBERS = [
    (["attach", "-p", "abc"], EXIT_USAGE, "expected process ids, got 'abc'"),
    (["attach", "-p", "-1"], EXIT_USAGE, "expected process ids"),
    (["attach", "-p", "0"], EXIT_USAGE, "expected process ids"),
    (["attach", "-p", "99999999999999999999"], EXIT_USAGE, "expected process ids"),
    (["attach", "-p", "1,,x"], EXIT_USAGE, "expected process ids"),
    (["attach", "-p", "1", "-d", "abc"], EXIT_USAGE, "number of seconds"),
    (["attach", "-p", "1", "-d", "-1"], EXIT_USAGE, "number of seconds"),
    (["attach", "-p", "1", "-d", "1e300"], EXIT_USAGE, "number of seconds"),
    (["attach", "-p", "1", "-i", "nan"], EXIT_USAGE, "number of seconds"),
    (["attach", "-p", "1", "-i", ""], EXIT_USAGE, "number of seconds"),
]
# One bad value of each kind a bundled workload's options can have, on
# workloads with different option tables.  ipctrace asks the workload binary
# to check them (--check-args) before it loads anything.
WORKLOAD_BAD_OPTIONS = [
    ("pipe-pi", ["--children", "-1"], "--children: expected an integer in [1, 1000], got '-1'"),
    ("pipe-pi", ["--children", "1001"], "--children: expected an integer in [1, 1000], got '1001'"),
    ("pipe-pi", ["--children", "abc"], "--children: expected an integer in [1, 1000], got 'abc'"),
    ("pipe-pi", ["--n", "99999999999999999999999"], "--n: expected an integer in [1, 1000000000]"),
    ("pipe-pi", ["--n=0x10"], "--n: expected an integer"),
    ("pipe-pi", ["--n"], "--n: missing value"),
    ("pipe-pi", ["--bogus", "1"], "unknown option '--bogus'"),
    ("pipe-pi", ["stray"], "unexpected argument 'stray'"),
    ("pingpong", ["--via", "carrier-pigeon"], "--via: expected one of pipe, socketpair"),
    ("pingpong", ["--rounds", "0"], "--rounds: expected an integer"),
    ("sem", ["--inserts", "x"], "--inserts: expected an integer"),
    ("ticket-lock", ["--nope"], "unknown option '--nope'"),
]


@pytest.mark.parametrize("workload,args,message", WORKLOAD_BAD_OPTIONS,
                         ids=[" ".join([w, *a]) for w, a, _ in WORKLOAD_BAD_OPTIONS])
def test_bad_option_of_a_workload_is_refused_before_any_bpf(bpf, tmp_path, workload, args, message):
    """64 and the workload's own one line, with no BPF loaded (strace sees no
    bpf(2) call), no report and no output file."""
    out = tmp_path / "out.json"
    log = tmp_path / "strace.log"
    env = clean_env()
    if "ASAN_OPTIONS" in env:  # LeakSanitizer cannot run under a ptracer (make asan)
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    run = ipctrace("run", "-o", out, workload, *args, env=env,
                   prefix=(STRACE, "-f", "-qq", "-e", "trace=bpf", "-o", log))
    assert run.code == EXIT_USAGE, run.stderr
    assert message in one_line(run.stderr)
    assert run.stdout == ""
    assert not out.exists()
    assert "bpf(" not in log.read_text()


@pytest.mark.parametrize("args", [["run", "--"], ["run", "-q", "--"], ["run"]])
def test_nothing_to_run_is_a_usage_error(binaries, args):
    run = ipctrace(*args)
    assert run.code == EXIT_USAGE
    one_line(run.stderr)


def test_command_not_found_exits_127_as_a_shell_does(bpf, tmp_path):
    shell = subprocess.run(["sh", "-c", "no-such-command-ipctrace"], capture_output=True)
    for command in ("no-such-command-ipctrace", str(tmp_path / "no-such-file")):
        run = ipctrace("run", "--", command)
        assert run.code == EXIT_NOT_FOUND == shell.returncode, run.stderr
        assert command in one_line(run.stderr)
    not_executable = tmp_path / "data.txt"
    not_executable.write_text("not a program\n")
    run = ipctrace("run", "--", not_executable)
    assert run.code == EXIT_CANNOT_EXEC, run.stderr
    assert "Permission denied" in one_line(run.stderr)


def test_output_in_a_missing_directory(bpf, tmp_path):
    out = tmp_path / "missing" / "out.json"
    run = ipctrace("run", "-q", "-o", out, "pipe-pi", "--children", "1", "--n", "1000")
    assert run.code == EXIT_CANTCREAT
    assert str(out) in one_line(run.stderr) and "No such file or directory" in run.stderr
    assert os.listdir(tmp_path) == ["TMPDIR"]
    assert "73 cannot write output" in help_text().replace("\n", " ")


def test_output_symlink_in_a_world_writable_directory_is_not_followed(bpf, tmp_path):
    """Another user's symlink at the -o path in a /tmp-like directory: the file
    it points to is untouched; the summary replaces the link instead."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # sticky and world-writable, as /tmp
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    out = shared / "out.json"
    os.symlink(victim, out)
    os.lchown(out, 65534, 65534)
    run = ipctrace("run", "-q", "-o", out, "pipe-pi", "--children", "1", "--n", "1000")
    assert run.code == 0, run.stderr
    assert victim.read_text() == "precious\n"
    assert not out.is_symlink() and out.is_file()
    assert json.loads(out.read_text())["target"]["workload"] == "pipe-pi"
    assert os.listdir(shared) == ["out.json"]  # no temp file left


def test_output_to_a_device_or_fifo_is_written_in_place(bpf, tmp_path):
    """-o /dev/null, -o /dev/stdout, -o a FIFO: the bytes go through the node,
    which stays what it was (a rename over it would replace /dev/null)."""
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    run = ipctrace("run", "-q", "-o", null, "--timeline", fifo,
                   "pipe-pi", "--children", "1", "--n", "1000")
    reader.join(timeout=60)
    assert run.code == 0, run.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode) and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["otherData"]["schema"] == "ipctrace.timeline/1"
    assert sorted(os.listdir(tmp_path)) == ["TMPDIR", "fifo", "null"]
    through_link = tmp_path / "stdout"
    os.symlink("/proc/self/fd/1", through_link)
    # as /dev/stdout is, with ipctrace's stdout a pipe
    run = subprocess.run([IPCTRACE, "run", "-q", "-o", through_link, "--format", "csv",
                          "pipe-pi", "--children", "1", "--n", "1000"],
                         capture_output=True, text=True, timeout=120, env=clean_env())
    assert run.returncode == 0, run.stderr
    assert "\nmechanism,syscall," in "\n" + run.stdout
    assert os.path.islink(through_link)
    # /dev/stdout while stdout is a regular file (ipctrace() redirects it to
    # one): the bytes go there, and /dev/stdout stays the symlink it was
    run = ipctrace("run", "-q", "-o", "/dev/stdout", "--format", "csv",
                   "pipe-pi", "--children", "1", "--n", "1000")
    assert run.code == 0, run.stderr
    assert "\nmechanism,syscall," in "\n" + run.stdout
    assert os.path.islink("/dev/stdout") and not any(
        name.startswith("stdout.") for name in os.listdir("/dev"))


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 16 KiB tmpfs, filled up to its last 4 KiB page."""
    point = tmp_path / "tiny"
    point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k,mode=0755", "ipctrace-faults", point],
                   check=True, timeout=30)
    try:
        (point / "filler").write_bytes(b"\0" * 12288)
        yield point
    finally:
        subprocess.run(["umount", "-l", point], check=True, timeout=30)


def test_output_on_a_full_disk_leaves_no_file(bpf, tiny_tmpfs):
    out = tiny_tmpfs / "out.json"
    run = ipctrace("run", "-q", "-o", out, "pipe-pi", "--children", "3", "--n", "1000")
    assert run.code == EXIT_CANTCREAT, run.stderr
    assert "No space left on device" in one_line(run.stderr)
    assert os.listdir(tiny_tmpfs) == ["filler"]  # neither out.json nor a truncated temp file
    # the same for `report -o` of a summary that did fit elsewhere
    saved = tiny_tmpfs.parent / "saved.json"
    assert ipctrace("run", "-q", "-o", saved, "pipe-pi", "--n", "1000").code == 0
    run = ipctrace("report", "--format", "json", "-o", out, saved)
    assert run.code == EXIT_CANTCREAT, run.stderr
    assert os.listdir(tiny_tmpfs) == ["filler"]


# ---- faults during a run -------------------------------------------------------------

def workload_of(proc: subprocess.Popen) -> int:
    """The pid of the command ipctrace started (its only child), once it has exec'd."""
    def find():
        for pid in descendants(proc.pid):
            fields = stat_fields(pid)
            if fields and int(fields[1]) == proc.pid and environ_of(pid).get("IPCTRACE_RUNDIR") \
                    and Path(f"/proc/{pid}/exe").resolve().name == WORKLOAD.name:
                return pid
        assert proc.poll() is None, f"ipctrace exited early with status {proc.returncode}"
        return None
    return wait_for(find, what="the workload to start")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_to_ipctrace_stops_the_workload_and_reports(bpf, tmp_path, sig):
    out = tmp_path / "out.json"
    proc = start_ipctrace("run", "-o", out, "pipe-pi", "--children", "2", "--n", SLOW_N,
                          workdir=tmp_path)
    workload = workload_of(proc)
    # both children forked, each with its pipe: mid-run
    wait_for(lambda: len(descendants(workload)) == 2, what="the workload's children")
    tree = [workload, *descendants(workload)]
    os.kill(proc.pid, sig)
    run = finish(proc, tmp_path, summary=out)
    assert run.code == 128 + sig, run.stderr
    # the workload was stopped (SIGTERM forwarded, its cleanup killed its children)
    assert not [pid for pid in tree if alive(pid)]
    # and what was seen until then is reported, on stdout and in the file
    assert "ipctrace: run pipe-pi: 3 processes" in run.stdout
    assert run.summary["target"]["exit_status"] == 128 + signal.SIGTERM
    # two pipes made; the parent's read of the first one, interrupted (EINTR): no write yet
    pipe = run.summary["mechanisms"]["pipe"]["syscalls"]
    assert {name: (row["count"], row["errors"]) for name, row in pipe.items()} == {
        "pipe2": (2, 0), "read": (1, 1)}
    assert "130/143 when ipctrace itself was interrupted" in help_text().replace("\n", " ")


# (workload, its options): each makes named IPC objects early, then computes
KILLED_WORKLOADS = {
    "mq-pi": ["--children", "2", "--n", SLOW_N],
    "msgq-pi": ["--children", "2", "--n", SLOW_N],
    "shm-pi": ["--children", "2", "--n", SLOW_N],
    "fifo-pi": ["--children", "2", "--n", SLOW_N],
    "file-pi": ["--children", "1000", "--n", SLOW_N],  # files appear as children finish
    "sem": ["--children", "100", "--inserts", "1000"],
    "pingpong": ["--via", "mq", "--rounds", "100000000"],
}


@pytest.fixture
def private_mqueue():
    """A mqueue file system of this IPC namespace to look at, mounted by the
    test itself: the machine may have none at /dev/mqueue (nothing mounts it
    but systemd), and ipctrace must not need one."""
    look = tempfile.mkdtemp(prefix="ipctrace-faults-mqueue.", dir="/tmp")
    subprocess.run(["mount", "-t", "mqueue", "none", look], check=True, timeout=30)
    try:
        yield look
    finally:
        subprocess.run(["umount", "-l", look], check=True, timeout=30)
        os.rmdir(look)


def kill_workload_midrun(tmp_path, workload, args, mqueue_dir, prefix=()):
    out = tmp_path / "out.json"
    proc = start_ipctrace("run", "-q", "-o", out, workload, *args, workdir=tmp_path, prefix=prefix)
    try:
        parent = workload_of(proc)
        objects = RunObjects.of(environ_of(parent)["IPCTRACE_RUNDIR"])
        created = wait_for(lambda: objects.created(mqueue_dir), what=f"{workload}'s IPC objects")
        killed = kill_tree(proc.pid)
    finally:
        if proc.poll() is None:
            kill_tree(proc.pid)
    run = finish(proc, tmp_path, summary=out)
    assert run.code == 128 + signal.SIGKILL, run.stderr
    assert run.summary["target"]["exit_status"] == 128 + signal.SIGKILL
    # SIGKILLed, none escaped: each dies as soon as a busy CPU runs it
    wait_for(lambda: not [pid for pid, started in killed if alive(pid, started)], timeout=10,
             what="every killed process of the workload to die")
    left = objects.present(mqueue_dir)
    assert not left, f"{workload} was killed holding {created}; ipctrace left {left}"


@pytest.mark.parametrize("workload", KILLED_WORKLOADS)
def test_workload_killed_midrun_leaves_no_ipc_object(bpf, tmp_path, private_mqueue, workload):
    kill_workload_midrun(tmp_path, workload, KILLED_WORKLOADS[workload], mqueue_dir=private_mqueue)


def test_workload_killed_midrun_without_dev_mqueue(bpf, tmp_path, private_mqueue):
    """ipctrace mounts a mqueue file system of its own to find the queues."""
    no_dev_mqueue = "if mountpoint -q /dev/mqueue; then umount -l /dev/mqueue; fi"
    kill_workload_midrun(tmp_path, "mq-pi", KILLED_WORKLOADS["mq-pi"], mqueue_dir=private_mqueue,
                         prefix=in_private_mounts(no_dev_mqueue))


BPF_PROGRAM_NAMES = {"sys_enter", "sys_exit", "sched_switch", "sched_process_fork"}
BPF_MAP_NAMES = {"tasks", "syscall_stats", "processes", "events"}


def test_ipctrace_killed_leaves_no_bpf_object(bpf, tmp_path):
    pinned_before = set(os.listdir("/sys/fs/bpf")) if os.path.isdir("/sys/fs/bpf") else set()
    proc = start_ipctrace("run", "-q", "-o", tmp_path / "out.json", "pipe-pi", "--children", "2",
                          "--n", "300000000", workdir=tmp_path)
    workload = workload_of(proc)
    rundir = environ_of(workload)["IPCTRACE_RUNDIR"]
    wait_for(lambda: len(descendants(workload)) == 2, what="the workload's children")
    ours = bpf_fd_ids(proc.pid)
    tree = [workload, *descendants(workload)]
    listed = bpftool_ids()
    # sanity: while it runs, bpftool shows ipctrace's programs, maps and links
    assert BPF_PROGRAM_NAMES <= {listed["prog"][i] for i in ours["prog"] if i in listed["prog"]}
    assert BPF_MAP_NAMES <= {listed["map"][i] for i in ours["map"] if i in listed["map"]}
    assert ours["link"] and ours["link"] <= set(listed["link"])

    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    def gone():
        now = bpftool_ids()
        return all(not (ours[kind] & set(now[kind])) for kind in ours)
    wait_for(gone, timeout=30, what="the kernel to free ipctrace's programs, maps and links")
    assert (set(os.listdir("/sys/fs/bpf")) if os.path.isdir("/sys/fs/bpf") else set()) == pinned_before
    # the workload is not stuck: it finishes on its own, its children too
    wait_for(lambda: not [pid for pid in tree if alive(pid)], timeout=90, what="the workload to finish")
    # the run directory outlives a killed ipctrace, named after its pid; the next
    # run of a workload sweeps it, with its objects
    assert os.path.isdir(rundir)
    assert ipctrace("run", "-q", "-o", tmp_path / "next.json", "pipe-pi", "--n", "1000").code == 0
    assert not os.path.exists(rundir)


def test_signal_to_ipctrace_stops_the_whole_command_tree(bpf, tmp_path):
    """`run -- CMD`: descendants that outlive their parent are stopped too
    (ipctrace is their subreaper), not only the direct child."""
    out = tmp_path / "out.json"
    proc = start_ipctrace("run", "-q", "-o", out, "--", "/bin/sh", "-c",
                          "sleep 37 & sleep 38; wait", workdir=tmp_path)
    wait_for(lambda: len(descendants(proc.pid)) >= 3, what="sh and both sleeps")
    tree = descendants(proc.pid)
    os.kill(proc.pid, signal.SIGTERM)
    run = finish(proc, tmp_path, summary=out)
    assert run.code == 128 + signal.SIGTERM, run.stderr
    assert not [pid for pid in tree if alive(pid)]
    assert run.summary["target"]["exit_status"] == 128 + signal.SIGTERM


# ---- load ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def fork_children(tmp_path_factory):
    binary = tmp_path_factory.mktemp("programs") / "fork_children"
    subprocess.run(["cc", "-O2", "-Wall", "-Werror", "-o", binary,
                    REPO / "tests/faults/programs/fork_children.c"], check=True, timeout=120)
    return binary


def assert_nothing_dropped(summary):
    assert summary["lost_events"] == 0
    # not losses: the tracer's own cost, and sleeps whose end was inferred
    notes = ("own_lock_waits", "switch_ins_unseen")
    assert {k: v for k, v in summary["drops"].items() if v and k not in notes} == {}


def test_2000_processes_each_reported(bpf, tmp_path, fork_children):
    out = tmp_path / "out.json"
    run = ipctrace("run", "-q", "-o", out, "--", fork_children, "2000", summary=out, timeout=300)
    assert run.code == 0, run.stderr
    assert run.stdout == "x" * 2000
    processes = run.summary["target"]["processes"]
    pids = {p["pid"] for p in processes}
    parent = [p for p in processes if p["ppid"] not in pids]  # ipctrace's child
    assert [p["comm"] for p in parent] == ["fork_children"]
    assert len(parent) == 1
    children = [p for p in processes if p["ppid"] == parent[0]["pid"]]
    assert len(children) == 2000 and len(processes) == 2001
    assert len(pids) == 2001
    assert sorted(run.summary["target"]["pids"]) == sorted(p["pid"] for p in processes)
    # every child's one write to stdout (a file), exactly
    assert run.summary["mechanisms"]["file"]["syscalls"]["write"]["count"] == 2000
    assert run.summary["mechanisms"]["file"]["syscalls"]["write"]["bytes"] == 2000
    assert_nothing_dropped(run.summary)


def test_5_million_ipc_syscalls_counted_exactly(bpf, tmp_path):
    rounds = 1250000  # a round: 2 writes and 2 reads of 1 byte (user/workloads/pingpong.c)
    out = tmp_path / "out.json"
    run = ipctrace("run", "-q", "-o", out, "pingpong", "--via", "pipe", "--rounds", rounds,
                   summary=out, timeout=600)
    assert run.code == 0, run.stderr
    pipe = run.summary["mechanisms"]["pipe"]["syscalls"]
    assert {name: (row["count"], row["errors"], row["bytes"]) for name, row in pipe.items()} == {
        "pipe2": (2, 0, 0),
        "write": (2 * rounds, 0, 2 * rounds),
        "read": (2 * rounds, 0, 2 * rounds),
    }
    assert_nothing_dropped(run.summary)


def run_help() -> str:
    if not os.access(IPCTRACE, os.X_OK):
        return ""
    return subprocess.run([str(IPCTRACE), "run", "--help"], capture_output=True, text=True,
                          timeout=30).stdout


@pytest.mark.skipif("--timeline" not in run_help(), reason="needs --timeline")
def test_ring_buffer_overflow_counts_lost_events_and_keeps_exact_counts(bpf, tmp_path):
    """More timeline events than the ring buffer holds: the lost ones are
    counted, and the summary (aggregated in kernel maps) stays exact."""
    rounds = 100000  # 400,000 syscall events, and their wake-ups
    # the smallest ring buffer, one page, if it can be chosen: else the default 16 MiB
    # and 2 million events, both far more than user space drains every 10 ms
    ringbuf = ["--ringbuf-size", os.sysconf("SC_PAGE_SIZE")] if "--ringbuf-size" in run_help() else []
    if not ringbuf:
        rounds = 500000
    out, timeline = tmp_path / "out.json", tmp_path / "timeline.json"
    run = ipctrace("run", "-q", "-o", out, "--timeline", timeline, *ringbuf,
                   "pingpong", "--via", "pipe", "--rounds", rounds, summary=out, timeout=600)
    assert run.code == 0, run.stderr
    lost = run.summary["lost_events"]
    assert lost > 0 and run.summary["drops"]["events_lost"] == lost
    assert {name: row["count"] for name, row in run.summary["mechanisms"]["pipe"]["syscalls"].items()} \
        == {"pipe2": 2, "write": 2 * rounds, "read": 2 * rounds}
    assert json.loads(timeline.read_text())  # what the ring buffer held is a valid timeline


# ---- pid reuse and pid namespaces --------------------------------------------------------

def spawn_with_pid(pid: int, argv: list, attempts: int = 1000) -> subprocess.Popen:
    """Start argv (untraced) as process `pid`, via ns_last_pid.  Other processes
    of the machine may take the number first: each attempt is a shell that
    execs argv only once told its pid is the one, else ends at once."""
    for _ in range(attempts):
        Path("/proc/sys/kernel/ns_last_pid").write_text(str(pid - 1))
        proc = subprocess.Popen(["sh", "-c", 'read go && exec "$0" "$@"', *map(str, argv)],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        if proc.pid == pid:
            proc.stdin.write(b"go\n")
            proc.stdin.close()
            return proc
        proc.stdin.close()
        proc.wait()
        if alive(pid):
            pytest.skip(f"pid {pid} was taken by another process of this machine")
    pytest.skip(f"could not get pid {pid} in {attempts} attempts (a busy machine)")


def test_reused_pid_of_a_traced_process_is_not_counted(bpf, tmp_path):
    """A traced child exits; while the traced shell waits, an untraced process
    gets the child's pid number and bounces 4,000 bytes through pipes: none of
    its calls may be counted."""
    go = tmp_path / "go"
    os.mkfifo(go)
    pidfile = tmp_path / "pid"
    script = f"/bin/true & echo $! > {pidfile}.tmp; wait; mv {pidfile}.tmp {pidfile}; read x < {go}"
    out = tmp_path / "out.json"
    proc = start_ipctrace("run", "-q", "-o", out, "--", "sh", "-c", script, workdir=tmp_path)
    try:
        reused = int(wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(),
                              what="the traced child's pid"))
        wait_for(lambda: not os.path.exists(f"/proc/{reused}"), what="the traced child to be reaped")
        untraced = spawn_with_pid(reused, [str(WORKLOAD), "pingpong", "--via", "pipe", "--rounds", "1000"])
        assert untraced.wait(timeout=60) == 0
    finally:
        with open(go, "w") as f:  # let the traced shell finish
            f.write("\n")  # one byte: one read, however the shell reads
    run = finish(proc, tmp_path, summary=out)
    assert run.code == 0, run.stderr
    # the traced `true` is reported under that pid; the untraced pingpong is not
    by_pid = {p["pid"]: p["comm"] for p in run.summary["target"]["processes"]}
    assert by_pid.get(reused) == "true"
    assert "ipctrace-worklo" not in by_pid.values()
    assert "pipe" not in run.summary["mechanisms"]
    # while the traced shell itself was counted all along: its read of the FIFO
    assert run.count("fifo", "read") == 1


def test_other_pid_namespace_reported_with_host_pids(bpf, tmp_path):
    """unshare -fp: the shell is pid 1 in its namespace, and its host pid in the report."""
    status = "while read k v; do case $k in NSpid:) echo $v;; esac; done < /proc/self/status"
    out = tmp_path / "out.json"
    run = ipctrace("run", "-q", "-o", out, "--", "unshare", "-fp", "sh", "-c",
                   f"{status}; (exit 0)", summary=out)
    assert run.code == 0, run.stderr
    host_pid, ns_pid = map(int, run.stdout.split())  # NSpid: host pid, then the inner one
    assert ns_pid == 1
    pids = run.summary["target"]["pids"]
    assert host_pid in pids and 1 not in pids
    processes = {p["pid"]: p for p in run.summary["target"]["processes"]}
    assert processes[host_pid]["comm"] == "sh"
    unshare_pid = processes[host_pid]["ppid"]
    assert processes[unshare_pid]["comm"] == "unshare"
    # the subshell: forked inside the namespace (pid 2 there), reported by host pid
    assert [p["comm"] for p in processes.values() if p["ppid"] == host_pid] == ["sh"]


def test_other_pid_namespace_with_its_own_proc(bpf, tmp_path):
    out = tmp_path / "out.json"
    run = ipctrace("run", "-q", "-o", out, "--", "unshare", "-fp", "--mount-proc", "sh", "-c",
                   "echo $$; cat /proc/self/stat > /dev/null", summary=out)
    assert run.code == 0, run.stderr
    assert run.stdout.strip() == "1"
    processes = run.summary["target"]["processes"]
    assert sorted(p["comm"] for p in processes) == ["cat", "sh", "unshare"]
    assert all(p["pid"] > 1 and p["ppid"] > 1 for p in processes)
    by_comm = {p["comm"]: p for p in processes}
    assert by_comm["cat"]["ppid"] == by_comm["sh"]["pid"]
    assert by_comm["sh"]["ppid"] == by_comm["unshare"]["pid"]
