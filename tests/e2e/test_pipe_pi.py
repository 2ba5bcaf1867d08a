# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Issue 2's acceptance: `ipctrace run pipe-pi`.

pipe-pi (user/workloads/pipe_pi.c) is the tutorial's pipe example: the
parent makes one pipe per child, each child writes its partial sum of the
series for pi as text in one write(2), and the parent reads each pipe once.
Its exact profile with C children (--children, default 10):

    pipe   pipe2 C    write C    read C    (write bytes = read bytes = the texts)
    file   write 1    the "pi = ..." line: the tests send stdout to a file
    nothing else

checked against the strace oracle (oracle.py) on the same workload run
standalone: `strace -f -yy -qq build/ipctrace-workload pipe-pi ...`.
"""
import math
import os
import re

import pytest

from conftest import assert_same_profile, descends_from

# 10^6 terms: pi within 1/(pi n) < 1e-6, and quick
N = "1000000"


def printed_pi(stdout: str) -> float:
    m = re.search(r"^pi = (\d+\.\d+)$", stdout, re.M)
    assert m, f"pipe-pi printed no 'pi = ...' line: {stdout!r}"
    return float(m.group(1))


@pytest.fixture(scope="module")
def default_run(run_traced):
    return run_traced("pipe-pi")


@pytest.fixture(scope="module")
def three_children(run_traced):
    return run_traced("pipe-pi", "--children", "3", "--n", N)


@pytest.fixture(scope="module")
def three_children_strace(run_strace):
    return run_strace("pipe-pi", "--children", "3", "--n", N)


def test_default_run_makes_10_pipes_10_writes_10_reads(default_run):
    assert default_run.exit_code == 0, default_run.stderr
    pipe = default_run.profile()["pipe"]
    assert {name: row["count"] for name, row in pipe.items()} == {"pipe2": 10, "write": 10, "read": 10}
    assert abs(printed_pi(default_run.stdout) - math.pi) < 1e-6


def test_three_children_make_3_pipes_3_writes_3_reads(three_children):
    assert three_children.exit_code == 0, three_children.stderr
    pipe = three_children.profile()["pipe"]
    assert {name: row["count"] for name, row in pipe.items()} == {"pipe2": 3, "write": 3, "read": 3}
    assert all(row["errors"] == 0 for row in pipe.values())


def test_pipe_bytes_are_the_texts_the_children_wrote(three_children, three_children_strace):
    texts = three_children_strace.log.written_texts("pipe")
    assert len(texts) == 3 and all(re.fullmatch(r"[0-9.e-]+", t) for t in texts), texts
    pipe = three_children.profile()["pipe"]
    assert pipe["write"]["bytes"] == pipe["read"]["bytes"] == sum(len(t) for t in texts)


def test_pi_is_right(three_children):
    assert abs(printed_pi(three_children.stdout) - math.pi) < 1e-6


def test_every_mechanism_matches_strace(three_children, three_children_strace):
    assert three_children_strace.exit_code == 0, three_children_strace.stderr
    assert_same_profile(three_children.profile(), three_children_strace.counts, "pipe-pi")
    # and the whole profile is the documented one
    assert {m: sorted(rows) for m, rows in three_children.profile().items()} == \
        {"pipe": ["pipe2", "read", "write"], "file": ["write"]}
    assert three_children.profile()["file"]["write"]["count"] == 1


def test_only_the_workload_processes_are_traced(three_children):
    target = three_children.summary["target"]
    roots = [p for p in target["processes"] if p["ppid"] == three_children.ipctrace_pid]
    assert len(roots) == 1, f"not one process started by ipctrace: {target['processes']}"
    root = roots[0]["pid"]
    assert sorted(target["pids"]) == sorted(p["pid"] for p in target["processes"])
    assert set(target["pids"]) == descends_from(target["processes"], root)
    assert len(target["pids"]) == 1 + 3  # the parent and its 3 children
    assert three_children.ipctrace_pid not in target["pids"]


def test_summary_has_the_fields_issue_2_lists(three_children):
    s = three_children.summary
    assert s["schema"] == "ipctrace.summary/1"
    assert s["tool"]["name"] == "ipctrace"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", s["tool"]["version"])
    uname = os.uname()
    assert s["host"] == {**s["host"], "kernel": uname.release, "arch": uname.machine,
                         "ncpus": os.sysconf("SC_NPROCESSORS_ONLN")}
    target = s["target"]
    assert target["mode"] == "run"
    assert target["workload"] == "pipe-pi"
    assert os.path.basename(target["command"][0]) == "ipctrace-workload"
    assert target["command"][1:] == ["pipe-pi", "--children", "3", "--n", N]
    assert all(isinstance(pid, int) and pid > 0 for pid in target["pids"])
    assert target["exit_status"] == 0
    assert isinstance(s["duration_ns"], int) and s["duration_ns"] > 0
    assert s["lost_events"] == 0
