# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Waits belong to what woke them, and untraced wakers are classified by their
own call (issue 15).

The waiting side is traced (`attach -p`, or `attach --no-follow -p` when it
forked its waker first); the waking side is not.  Each waiting call sleeps
(the waker pauses 20 ms before each wake-up), so the expected profile is
exact: every wait is woken once, through the mechanism the waker's own call
uses."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import IPCTRACE
from test_attach import read_summary, start, stop, wait_for

PROGRAMS = Path(__file__).resolve().parent / "programs"
PYTHON = sys.executable


def attach_until_ready(tmp_path, *args):
    """`ipctrace attach ARGS -i 0.1`: ready once its first interim report is
    out (the tasks are in its map by then).  Stops when they exit."""
    report = open(tmp_path / "report.txt", "w")
    tracer = subprocess.Popen([str(IPCTRACE), "attach", *map(str, args), "-i", "0.1",
                               "-o", str(tmp_path / "summary.json")],
                              stdout=report, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    report.close()
    wait_for(lambda: "--- interval" in (tmp_path / "report.txt").read_text() or tracer.poll() is not None,
             what="ipctrace to attach")
    assert tracer.poll() is None, tracer.stderr.read()
    return tracer


def finish(tracer, tmp_path):
    assert tracer.wait(timeout=60) == 0, tracer.stderr.read()
    return read_summary(tmp_path / "summary.json")


def syscalls(summary, mechanism):
    return summary["mechanisms"].get(mechanism, {}).get("syscalls", {})


def edges_into(summary, pid, mechanism):
    return [e for e in summary["wakeup_edges"]
            if e["wakee"]["pid"] == pid and e["mechanism"] == mechanism]


# ---- a multiplexing server whose client is not traced --------------------------

REQUESTS, TIMEOUTS = 20, 3


@pytest.mark.parametrize("transport, mechanism", [("unix", "unix_socket"), ("tcp", "inet_socket")])
@pytest.mark.parametrize("kind, syscall", [("epoll", "epoll_wait"), ("poll", "poll"),
                                           ("select", "select")])
def test_multiplexed_wait_counts_where_its_wakeup_came_from(bpf, tmp_path, transport, mechanism,
                                                           kind, syscall):
    """mux_server.py registers a never-written self-pipe first, then one
    connection; an untraced client sends 20 requests 20 ms apart.  Every
    wait slept and was woken by the client's send: all 20 waits, their
    blocked time and their wake-ups are on the socket's mechanism, none on
    pipe.  The 3 waits before, on nothing ready, end by their 30 ms timeout:
    `other`, woken_by timeout."""
    server = start([PYTHON, PROGRAMS / "mux_server.py", transport, kind, REQUESTS, TIMEOUTS,
                    tmp_path])
    try:
        wait_for(lambda: (tmp_path / "addr").exists(), what="the server to listen")
        tracer = attach_until_ready(tmp_path, "-p", server.pid)
        (tmp_path / "go").touch()
        client = subprocess.run([PYTHON, PROGRAMS / "mux_client.py", tmp_path, str(REQUESTS), "20"],
                                capture_output=True, text=True, timeout=60)
        assert client.returncode == 0, client.stderr
        assert server.wait(timeout=30) == 0, server.stderr.read()
        s = finish(tracer, tmp_path)
    finally:
        stop(server)
    # selectors' select() may be select or pselect6, depending on the libc
    waits = {name: row for name, row in syscalls(s, mechanism).items() if name in (syscall, "pselect6")}
    assert len(waits) == 1, syscalls(s, mechanism)
    wait = next(iter(waits.values()))
    name = next(iter(waits))
    assert wait["count"] == REQUESTS
    assert wait["woken_by"] == {"ipc": REQUESTS}
    assert wait["blocked_count"] == REQUESTS
    assert wait["blocked_ns"] >= REQUESTS * 15_000_000
    assert name not in syscalls(s, "pipe"), "the self-pipe is never written"
    timed_out = syscalls(s, "other")[name]
    assert timed_out["count"] == TIMEOUTS
    assert timed_out["woken_by"] == {"timeout": TIMEOUTS}, (s["wakeup_edges"], s["drops"])
    # the client's 20 sends, and its connect releasing the server's accept: over
    # TCP only when the handshake's softirq ran inside the connect call (not
    # in ksoftirqd, as a slow VM sometimes has it)
    edges = edges_into(s, server.pid, mechanism)
    assert [(e["waker"].get("untraced"), e["waker"]["comm"]) for e in edges] == [(True, "python3")]
    assert edges[0]["count"] - REQUESTS in ((0, 1) if transport == "tcp" else (1,))
    assert "pipe" not in s["mechanisms"]


# ---- each mechanism that can wake across processes: the waker's own call -------

WAKES = 10
MECHANISMS = {  # cross_wake.py's name: (mechanism, the waiting call)
    "pipe": ("pipe", "read"),
    "fifo": ("fifo", "read"),
    "mq": ("mq_posix", "mq_timedreceive"),
    "msg": ("mq_sysv", "msgrcv"),
    "sem": ("sem_sysv", "semtimedop"),  # glibc's semop()
    "futex": ("futex", "futex"),
    "signal": ("signal", "rt_sigtimedwait"),
    "unix": ("unix_socket", "recvfrom"),
    "inet": ("inet_socket", "recvfrom"),
}


@pytest.mark.parametrize("via", list(MECHANISMS))
def test_an_untraced_wakers_call_is_classified(bpf, tmp_path, via):
    """cross_wake.py forks a waker, then waits WAKES times in one blocking
    call; only the waiting process is traced (`attach --no-follow -p`).  Each
    wake-up is attributed to the mechanism of the untraced waker's own call,
    and the edge names it, untraced."""
    mechanism, call = MECHANISMS[via]
    proc = start([PYTHON, PROGRAMS / "cross_wake.py", via, WAKES, tmp_path])
    try:
        wait_for(lambda: (tmp_path / "ready").exists(), what="the waker to be forked")
        waker_pid = int((tmp_path / "ready").read_text())
        tracer = attach_until_ready(tmp_path, "--no-follow", "-p", proc.pid)
        (tmp_path / "go").touch()
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
        s = finish(tracer, tmp_path)
    finally:
        stop(proc)
    assert syscalls(s, mechanism)[call]["count"] >= WAKES
    assert s["mechanisms"][mechanism]["wakeups"]["count"] == WAKES, (s["wakeup_edges"], s["drops"])
    assert [(e["waker"], e["count"]) for e in edges_into(s, proc.pid, mechanism)] == \
        [({"pid": waker_pid, "comm": "python3", "untraced": True}, WAKES)]


# ---- interrupts ------------------------------------------------------------------

def test_an_interrupt_wakeup_is_not_charged_to_the_interrupted_call(bpf, run_traced):
    """interrupt_wake.py pins itself and a spinner to one CPU; the spinner
    calls kill(self, 0) (a `signal` call that wakes no one) in a loop while
    the parent's recv times out 10 times (SO_RCVTIMEO: a timer-wheel timer,
    run in the timer softirq, usually right after it interrupted the
    spinner, often inside its kill).  Before the interrupt was told apart,
    those wake-ups counted as the spinner's `signal`."""
    run = run_traced([PYTHON, PROGRAMS / "interrupt_wake.py", "10"])
    s = run.summary
    assert s["mechanisms"].get("signal", {}).get("wakeups", {}).get("count", 0) == 0
    parent = int(run.stdout.split()[0])
    recv = syscalls(s, "unix_socket")["recvfrom"]
    assert (recv["count"], recv["errors"], recv["blocked_count"]) == (10, 10, 10)
    # the timer softirq (waker 0), or ksoftirqd (an untraced kernel thread); not
    # sched_setaffinity's migration thread, nor the spinner's exit.  At least:
    # on a cold page cache (a fresh VM), python's start-up also waits for disk
    # reads, which completion interrupts end.  Less any sleep whose end the
    # kernel did not report (drops.switch_ins_unseen: under heavy load, its
    # wake-up is sometimes not reported either)
    by_interrupt = [e for e in edges_into(s, parent, "other")
                    if e["waker"]["pid"] == 0 or e["waker"]["comm"].startswith("ksoftirqd/")]
    assert sum(e["count"] for e in by_interrupt) >= 10 - s["drops"]["switch_ins_unseen"], \
        (s["wakeup_edges"], s["drops"])
