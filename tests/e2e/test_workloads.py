# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Every bundled workload, traced: its exact IPC profile, the same counts as
the strace oracle, and the workload's own verdict.

For each workload (`ipctrace list`), with small options so that the file runs
in well under two minutes on two cores:

  1. `ipctrace run -q -o X.json NAME OPTS` exits 0, and the workload's own
     check passes (pi within 1e-6, "tickets sold: 1", ...);
  2. its profile is exactly the one documented in the header of
     user/workloads/NAME.c (PROFILES below), mechanism by mechanism;
  3. every count, error and byte equals what the strace oracle (oracle.py)
     finds in `strace -f -yy -qq build/ipctrace-workload NAME OPTS`, run
     standalone: every mechanism but futex.

futex is left out of (2) and (3) where the workload says it "varies": an
uncontended lock makes no futex call, and a process under strace runs
slower and contends more.  Comparing in one run (ipctrace tracing strace
tracing the workload) would count strace's own calls too, since ipctrace
does not break its counts down by pid.  So futex is checked by what must
happen: the calls the workload makes unconditionally (futex-pingpong's
FUTEX_WAKE per handoff) exactly, and "more than zero" where the workload
cannot finish without waiting on a lock (WORKLOAD.must_contend).

The workloads' stdout goes to a file in both runs: what they print counts
as `file` writes (one write(2) per line: stdout is line buffered).
"""
import math
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

import pytest

from conftest import assert_same_profile, only, workload_names

N = "1000000"  # terms of the pi series: pi within 1e-6
C = 3  # children (or buyers) of every multi-process workload here


@dataclass
class Workload:
    name: str
    options: tuple
    profile: dict                 # {mechanism: {syscall: count}}: exact, for every mechanism listed
    check: Callable               # check(run): the workload's own verdict, from its stdout
    errors: dict = field(default_factory=dict)  # {(mechanism, syscall): errors}, else 0
    varies: tuple = ("futex",)    # mechanisms left out of the exact checks
    varying_bytes: tuple = ()     # (mechanism, syscall) whose bytes differ between runs
    must_contend: bool = False    # futex calls > 0 in the traced run
    futex_ops: dict = field(default_factory=dict)  # {op: count}: exact
    profile_of: Optional[Callable] = None  # profile(run), when it depends on the run's result

    @property
    def id(self) -> str:
        via = [o for o in self.options if o in ("pipe", "socketpair", "mq", "msg", "signal", "futex")]
        return self.name + (f"[{via[0]}]" if self.name == "pingpong" else "")


def pi_is_right(run):
    m = re.search(r"^pi = (\d+\.\d+)$", run.stdout, re.M)
    assert m and abs(float(m.group(1)) - math.pi) < 1e-6, run.stdout


def prints(pattern):
    def check(run):
        assert re.search(pattern, run.stdout, re.M), f"expected /{pattern}/ in: {run.stdout!r}"
    return check


def tickets_sold(run) -> int:
    m = re.search(r"^tickets sold: (\d+)$", run.stdout, re.M)
    assert m, run.stdout
    return int(m.group(1))


def sold_exactly_one(run):
    assert tickets_sold(run) == 1, run.stdout


def sold_at_least_one(run):
    assert 1 <= tickets_sold(run) <= C, run.stdout


def ticket_race_profile(run):
    """ticket.c with B buyers, K tickets sold: K varies without the lock."""
    buyers, sold = C, tickets_sold(run)
    return {"file": {"openat": 1 + 2 * buyers + sold, "read": 2 * buyers,
                     "write": (1 + sold) + (buyers + sold + 1), "unlink": 1}}


def signals_check(signal, count):
    def check(run):
        stats = run.summary["signals"].get(signal)
        assert stats, f"no {signal} in {run.summary['signals']}"
        # generated < delivered would mean a generated signal was missed: seen
        # intermittently for SIGALRM under CPU load (alarm's timer, in interrupt context)
        assert (stats["generated"], stats["delivered"]) == (count, count), stats
    return check


def both(*checks):
    def check(run):
        for c in checks:
            c(run)
    return check

WORKLOADS = [
    Workload("pipe-pi", ("--children", str(C), "--n", N),
             {"pipe": {"pipe2": C, "write": C, "read": C}, "file": {"write": 1}}, pi_is_right),
    Workload("fifo-pi", ("--children", str(C), "--n", N),
             {"fifo": {"mknodat": 1, "openat": C + 2, "write": C, "read": C},
              "file": {"unlink": 1, "write": 1}}, pi_is_right),
    Workload("mq-pi", ("--children", str(C), "--n", N),
             {"mq_posix": {"mq_open": 1, "mq_timedsend": C, "mq_timedreceive": C, "mq_unlink": 1},
              "file": {"write": 1}}, pi_is_right),
    Workload("msgq-pi", ("--children", str(C), "--n", N),
             {"mq_sysv": {"msgget": 1, "msgsnd": C, "msgrcv": C, "msgctl": 1},
              "file": {"write": 1}}, pi_is_right),
    Workload("shm-pi", ("--children", str(C), "--n", N),
             {"shm": {"openat": 1, "ftruncate": 1, "mmap": 1, "unlink": 1},
              "file": {"write": 1}}, pi_is_right),
    Workload("socket-pi", ("--children", str(C), "--n", N),
             {"inet_socket": {"socket": 1 + C, "bind": 1, "listen": 1, "connect": C, "sendto": C,
                              "accept": C, "recvfrom": C},
              "file": {"write": 1}}, pi_is_right),
    Workload("unix-pi", ("--children", str(C), "--n", N),
             {"unix_socket": {"socket": 1 + C, "bind": 1, "listen": 1, "connect": C, "sendto": C,
                              "accept": C, "recvfrom": C},
              "file": {"unlink": 1, "write": 1}}, pi_is_right),
    Workload("file-pi", ("--children", str(C), "--n", N),
             {"file": {"openat": 2 * C, "write": C + 1, "read": C, "unlink": C}}, pi_is_right),
    Workload("sem", ("--children", str(C), "--inserts", "5"),
             {"sem_sysv": {"semget": 1, "semctl": 2, "semtimedop": 2 * C * 5},
              "shm": {"shmget": 1, "shmat": 1, "shmdt": 1, "shmctl": 1},
              "file": {"write": 1}}, prints(rf"^database holds {C * 5} rows$")),
    # the SIGALRM handler has no SA_RESTART: the blocked read fails with EINTR, once
    Workload("signal-alarm", ("--seconds", "1"),
             {"pipe": {"pipe2": 1, "read": 1}, "signal": {"alarm": 2}, "file": {"write": 2}},
             both(prints(r"^read interrupted: Interrupted system call$"),
                  signals_check("SIGALRM", 1)),
             errors={("pipe", "read"): 1}),
    Workload("signal-kill", ("--children", str(C)),
             {"signal": {"kill": C, "rt_sigsuspend": C}, "file": {"write": C}},
             both(prints(r"^child \d+ got signal 10$"), signals_check("SIGUSR1", C)),
             errors={("signal", "rt_sigsuspend"): C},
             varying_bytes=(("file", "write"),)),  # the lines hold pids
    Workload("lock-print", ("--children", str(C), "--hold-ms", "50"),
             {"shm": {"mmap": 1}, "file": {"write": 2 * C}},
             prints(r"^\d+ is done\.$"),
             varying_bytes=(("file", "write"),), must_contend=True),
    # without the lock every buyer may sell the ticket: the profile follows K, the sales
    Workload("ticket-race", ("--buyers", str(C), "--think-ms", "0", "--hold-ms", "100"),
             {}, sold_at_least_one, profile_of=ticket_race_profile,
             varying_bytes=(("file", "read"), ("file", "write"))),
    Workload("ticket-lock", ("--buyers", str(C), "--think-ms", "50", "--hold-ms", "50"),
             {"file": {"openat": 1 + 2 * C + 1, "read": 2 * C, "write": (1 + 1) + (C + 1 + 1),
                       "unlink": 1},
              "shm": {"mmap": 1}},
             sold_exactly_one, must_contend=True),
    Workload("producer-consumer", ("--producers", "2", "--items", "3", "--consumers", "2"),
             {"pipe": {"pipe2": 1, "write": 2 * 3 + 2, "read": 2 * 3 + 2},
              "shm": {"mmap": 1}, "file": {"write": 2 * 3 + 1}},
             prints(r"^consumed 6 of 6 items exactly once$"),
             varies=()),  # no lock at all: not one futex call
    Workload("joinable-queue", ("--producers", "2", "--items", "3", "--consumers", "2",
                                "--consume-ms", "10"),
             {"pipe": {"pipe2": 1, "write": 2 * 3 + 2, "read": 2 * 3 + 2},
              "shm": {"mmap": 1}, "file": {"write": 2 * 3 + 1}},
             prints(r"^all 6 items processed$"),
             must_contend=True),  # join() waits on the condition variable for 10 ms items
    Workload("futex-pingpong", ("--rounds", "1000"),
             {"file": {"write": 1}}, prints(r"^1000 rounds done$"),
             must_contend=True, futex_ops={"WAKE": 1000}),
]

R = 200  # pingpong rounds
PINGPONG = {
    "pipe": {"pipe": {"pipe2": 2, "write": 2 * R, "read": 2 * R}},
    "socketpair": {"unix_socket": {"socketpair": 1, "write": 2 * R, "read": 2 * R}},
    "mq": {"mq_posix": {"mq_open": 2, "mq_timedsend": 2 * R, "mq_timedreceive": 2 * R,
                        "mq_unlink": 2}},
    "msg": {"mq_sysv": {"msgget": 1, "msgsnd": 2 * R, "msgrcv": 2 * R, "msgctl": 1}},
    "signal": {"signal": {"kill": 2 * R, "rt_sigtimedwait": 2 * R}},
    "futex": {},
}
for via, profile in PINGPONG.items():
    WORKLOADS.append(Workload(
        "pingpong", ("--via", via, "--rounds", str(R)), {**profile, "file": {"write": 1}},
        prints(rf"^rounds={R} ns_per_round=\d+\.\d$"),
        varying_bytes=(("file", "write"),),  # ns_per_round's digits
        must_contend=via == "futex", futex_ops={"WAKE": 2 * R} if via == "futex" else {}))


def test_every_bundled_workload_has_a_profile_here():
    assert sorted(workload_names()) == sorted({w.name for w in WORKLOADS})


@pytest.fixture(scope="module", params=WORKLOADS, ids=lambda w: w.id)
def runs(request, run_traced, run_strace):
    """(workload, traced run, strace run) of one workload."""
    w = request.param
    traced = run_traced(w.name, *w.options)
    strace = run_strace(w.name, *w.options)
    return w, traced, strace


def counts_only(profile: dict) -> dict:
    return {m: {name: row["count"] for name, row in rows.items()} for m, rows in profile.items()}


def test_runs_and_passes_its_own_check(runs):
    w, traced, strace = runs
    assert traced.exit_code == 0, f"ipctrace run {w.name}: exit {traced.exit_code}: {traced.stderr}"
    assert strace.exit_code == 0, f"{w.name} under strace: exit {strace.exit_code}: {strace.stderr}"
    assert traced.summary["target"]["exit_status"] == 0
    w.check(traced)


def test_profile_is_the_documented_one(runs):
    w, traced, _ = runs
    expected = w.profile_of(traced) if w.profile_of else w.profile
    got = only(traced.profile(), without=w.varies)
    assert counts_only(got) == expected
    for mechanism, rows in got.items():
        for name, row in rows.items():
            assert row["errors"] == w.errors.get((mechanism, name), 0), (mechanism, name, row)


def test_counts_equal_the_strace_oracle(runs):
    w, traced, strace = runs
    if w.profile_of:
        # the oracle's run made its own choices (ticket-race: its own sales)
        assert counts_only(only(strace.counts, without=w.varies)) == w.profile_of(strace)
        return
    without = set(w.varies)
    got, expected = only(traced.profile(), without=without), only(strace.counts, without=without)
    for mechanism, name in w.varying_bytes:
        for counts in (got, expected):
            if name in counts.get(mechanism, {}):
                counts[mechanism][name] = {**counts[mechanism][name], "bytes": None}
    assert_same_profile(got, expected, f"{w.name} {' '.join(w.options)}")


def test_futex(runs):
    w, traced, strace = runs
    futex = traced.profile().get("futex", {}).get("futex", {"count": 0, "ops": {}})
    if w.must_contend:
        assert futex["count"] > 0, f"{w.name} must wait on a lock, yet ipctrace saw no futex call"
    for op, count in w.futex_ops.items():
        assert futex["ops"].get(op, {}).get("count") == count, futex
        assert strace.counts["futex"]["futex"]["ops"][op]["count"] == count
