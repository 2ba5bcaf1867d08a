# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ipctrace attach: processes it did not start (issue 5)."""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import IPCTRACE, WORKLOAD, descends_from, validate_summary

EXIT_USAGE, EXIT_NOINPUT = 64, 66


def start(argv, **kwargs):
    """In a session of its own, so that stop() takes its children too."""
    return subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, start_new_session=True, **kwargs)


def stop(proc):
    """SIGKILL the whole process group: a killed pingpong's child, blocked
    on a pipe it holds both ends of, would otherwise outlive the test."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def wait_for(predicate, timeout=30.0, what="a condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            out.append(int(entry))
    return out


def attach(*args, timeout=120):
    return subprocess.run([str(IPCTRACE), "attach", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def read_summary(path):
    with open(path) as f:
        summary = json.load(f)
    validate_summary(summary)
    return summary


def test_attach_to_a_running_workload_for_a_duration(bpf, tmp_path):
    """producer-consumer started outside ipctrace, its 5 children already
    running: traced for 1.5 s, then left to finish with the right result."""
    items = 3000
    workload = start([WORKLOAD, "producer-consumer", "--items", items, "--produce-ms", "1"])
    try:
        wait_for(lambda: len(children_of(workload.pid)) == 5, what="producers and consumers")
        out = tmp_path / "attach.json"
        run = attach("-p", workload.pid, "-d", "1.5", "-q", "-o", out)
        assert run.returncode == 0, run.stderr
        s = read_summary(out)
        assert s["target"]["mode"] == "attach"
        assert s["target"]["workload"] is None and s["target"]["exit_status"] == -1
        pipe = s["mechanisms"]["pipe"]["syscalls"]
        assert pipe["write"]["count"] > 0 and pipe["read"]["count"] > 0
        # only the workload's tree: its parent and its 5 children
        pids = set(s["target"]["pids"])
        assert pids == {workload.pid, *children_of(workload.pid)} or \
            pids == descends_from(s["target"]["processes"], workload.pid)
        assert len(pids) == 6 and os.getpid() not in pids
        assert 1.4e9 <= s["duration_ns"] < 10e9
        # detached: the workload goes on and finishes right
        stdout, _ = workload.communicate(timeout=120)
        assert workload.returncode == 0
        assert f"consumed {3 * items} of {3 * items} items exactly once" in stdout
    finally:
        stop(workload)


def test_attach_sees_children_forked_after_it(bpf, tmp_path):
    """A shell this project did not write: every half second it forks a pipeline."""
    # long enough to outlast ipctrace's start even on a loaded machine or in qemu
    script = ("for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do "
              "seq 2000 | sort -n | tail -1 > /dev/null; sleep 0.5; done")
    shell = start(["/bin/sh", "-c", script])
    try:
        time.sleep(0.2)
        out = tmp_path / "attach.json"
        run = attach("-p", shell.pid, "-q", "-o", out)  # until the shell exits
        assert run.returncode == 0, run.stderr
        s = read_summary(out)
        comms = {p["comm"] for p in s["target"]["processes"]}
        assert {"seq", "sort", "tail"} <= comms, comms
        assert descends_from(s["target"]["processes"], shell.pid) == set(s["target"]["pids"])
        pipe = s["mechanisms"]["pipe"]["syscalls"]
        assert pipe["pipe2"]["count"] >= 2  # one pipeline's two pipes at the least
        assert pipe["write"]["bytes"] > 0
    finally:
        stop(shell)


def test_attach_with_interval_reports_each_interval_and_a_total(bpf, tmp_path):
    workload = start([WORKLOAD, "pingpong", "--via", "pipe", "--rounds", "100000000"])
    try:
        wait_for(lambda: children_of(workload.pid), what="the ping-pong's child")
        out = tmp_path / "attach.json"
        run = attach("-p", workload.pid, "-d", "1.2", "-i", "0.4", "-o", out)
        assert run.returncode == 0, run.stderr
        assert run.stdout.count("--- interval ") == 3
        assert "--- total ---" in run.stdout
        s = read_summary(out)
        intervals = s["target"]["intervals"]
        assert len(intervals) == 3 and intervals[0]["start_ns"] == 0
        assert all(a["end_ns"] == b["start_ns"] for a, b in zip(intervals, intervals[1:]))
        assert intervals[-1]["end_ns"] == s["duration_ns"]
    finally:
        stop(workload)


def test_missing_pid_kernel_thread_and_partial_success(bpf, tmp_path):
    gone = subprocess.Popen(["/bin/true"])
    gone.wait()  # a pid that no longer exists
    run = attach("-p", gone.pid, "-d", "0.2")
    assert run.returncode == EXIT_NOINPUT
    assert f"pid {gone.pid}: no such process" in run.stderr
    assert "no process to attach to" in run.stderr

    run = attach("-p", 2, "-d", "0.2")  # kthreadd
    assert run.returncode == EXIT_NOINPUT
    assert "is a kernel thread" in run.stderr

    sleeper = start(["/bin/sleep", "30"])
    try:
        out = tmp_path / "partial.json"
        run = attach("-p", f"{gone.pid},{sleeper.pid}", "-d", "0.3", "-q", "-o", out)
        assert run.returncode == 0, run.stderr
        assert f"pid {gone.pid}: no such process" in run.stderr
        assert read_summary(out)["target"]["pids"] == [sleeper.pid]
    finally:
        stop(sleeper)

    assert attach("-d", "1").returncode == EXIT_USAGE
    assert attach("-p", 1, "-i", "0.05").returncode == EXIT_USAGE  # below the 0.1 s floor
    assert attach("-p", "abc").returncode == EXIT_USAGE


def test_attach_to_a_process_that_exits_ends_the_trace(bpf, tmp_path):
    """Every traced process gone: attach stops by itself with its report."""
    # long enough for attach to start first under emulation on a busy host (the
    # kernel matrix saw 0.5 s run out)
    short = start(["/bin/sh", "-c", "sleep 3; echo done"])
    out = tmp_path / "short.json"
    began = time.monotonic()
    run = attach("-p", short.pid, "-q", "-o", out)
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - began < 20
    assert read_summary(out)["target"]["pids"][0] == short.pid
    short.wait()


THREAD_EXEC = ("import os, threading, time\n"
               "time.sleep(1.0)\n"
               "threading.Thread(target=lambda: os.execv('/bin/sleep', ['sleep', '0.3'])).start()\n"
               "time.sleep(60)\n")


def test_a_thread_that_execs_is_followed_and_the_trace_still_ends(bpf, tmp_path):
    """A thread's exec takes over the leader's pid (the leader exits first):
    its state moves to that pid, the new program is traced, and once it
    exits no task is left counted as alive, so attach ends by itself."""
    proc = start(["/usr/bin/python3", "-c", THREAD_EXEC])
    wait_for(lambda: len(os.listdir(f"/proc/{proc.pid}/task")) >= 1, what="python to start")
    out = tmp_path / "exec.json"
    began = time.monotonic()
    run = attach("-p", proc.pid, "-q", "-o", out, "-d", "60")
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - began < 20, "attach did not see every traced task exit"
    processes = {p["pid"]: p for p in read_summary(out)["target"]["processes"]}
    assert processes[proc.pid]["comm"] == "sleep"
    proc.wait()


def bpftool(kind):
    out = subprocess.run(["bpftool", "-j", kind, "show"], capture_output=True, text=True).stdout
    return json.loads(out or "[]")


def bpf_prog_ids_of(pid):
    """The BPF programs a process holds fds of (its fdinfo says prog_id)."""
    ids = set()
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                for line in f:
                    if line.startswith("prog_id:"):
                        ids.add(int(line.split()[1]))
        except OSError:
            pass
    return ids


def test_sigint_detaches_and_leaves_no_bpf_object(bpf, tmp_path):
    sleeper = start(["/bin/sleep", "60"])
    try:
        tracer = start([IPCTRACE, "attach", "-p", sleeper.pid, "-q", "-o", tmp_path / "x.json"])
        names = lambda ids: {p.get("name") for p in bpftool("prog") if p["id"] in ids}
        ids = wait_for(lambda: (lambda i: i if {"sys_enter", "sched_switch"} <= names(i) else None)(
            bpf_prog_ids_of(tracer.pid)), what="ipctrace's programs to load")
        tracer.send_signal(signal.SIGINT)
        assert tracer.wait(timeout=30) == 0
        assert (tmp_path / "x.json").exists()
        # the kernel frees them after an RCU grace period: soon, not at once
        wait_for(lambda: not ids & {p["id"] for p in bpftool("prog")}, timeout=30,
                 what="ipctrace's programs to be gone")
        assert not ids & {link.get("prog_id") for link in bpftool("link")}, "a link survived"
        assert sleeper.poll() is None, "the traced process must keep running"
    finally:
        stop(sleeper)
