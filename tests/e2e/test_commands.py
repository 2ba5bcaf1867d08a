# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Programs this project did not write, traced with `ipctrace run -- CMD`,
checked against the strace oracle on the same command run standalone; and
what ipctrace does with bad input.

The programs' stdout goes to a file in both runs: their output counts as
`file` writes.  futex is never compared between the two runs (it follows
thread scheduling, and strace slows every thread down): only checked > 0
where the program must wait on a lock.
"""
import os
from pathlib import Path

import pytest

from conftest import EXIT_CANTCREAT, EXIT_NOT_FOUND, EXIT_USAGE, assert_same_profile, only, \
    workload_names
from oracle import StraceLog

PROGRAMS = Path(__file__).parent / "programs"
PYTHON = "/usr/bin/python3"


def python(program: str) -> list:
    """Run programs/PROGRAM with Debian's python3: -B writes no .pyc (a first run
    would write some, a second not), -I ignores the environment and user site."""
    return [PYTHON, "-B", "-I", str(PROGRAMS / program)]


def counts_of(profile: dict, mechanism: str) -> dict:
    return {name: row["count"] for name, row in profile.get(mechanism, {}).items()}


# ---- a shell pipeline ----------------------------------------------------------

# dash makes 3 pipes; seq, sort and uniq write them in 4096-byte blocks
PIPELINE = ["sh", "-c", "seq 100000 | sort | uniq -c | tail -1"]


@pytest.fixture(scope="module")
def pipeline(run_traced, run_strace):
    return run_traced(PIPELINE), run_strace(PIPELINE)


def test_pipeline_runs(pipeline):
    traced, strace = pipeline
    assert traced.exit_code == strace.exit_code == 0, traced.stderr + strace.stderr
    assert traced.stdout == strace.stdout == "      1 99999\n"


def test_pipeline_pipes_are_identified(pipeline):
    traced, strace = pipeline
    pipe = traced.profile()["pipe"]
    assert pipe["pipe2"]["count"] == 3
    # everything seq and sort write, sort and uniq and tail read
    assert pipe["write"]["bytes"] == pipe["read"]["bytes"] == strace.counts["pipe"]["write"]["bytes"]


def test_pipeline_counts_equal_the_strace_oracle(pipeline):
    traced, strace = pipeline
    # how many reads drain a pipe depends on how full it is at each read:
    # counted in test_pipeline_pipe_reads_in_one_run, here only their bytes
    without = ("futex", ("pipe", "read"))
    assert_same_profile(only(traced.profile(), without=without), only(strace.counts, without=without),
                        "sh -c 'seq 100000 | sort | uniq -c | tail -1'")
    assert traced.profile()["pipe"]["read"]["bytes"] == strace.counts["pipe"]["read"]["bytes"]


def test_pipeline_pipe_reads_in_one_run(run_traced, tmp_path):
    """ipctrace tracing strace tracing the pipeline: one run, both counts.
    strace makes pipes of its own (pipe2) but never reads or writes one."""
    log = tmp_path / "strace.log"
    traced = run_traced(["strace", "-f", "-yy", "-qq", "-o", str(log), *PIPELINE])
    assert traced.exit_code == 0, traced.stderr
    pipe_io = (("pipe", "pipe2"),)
    assert_same_profile(only(traced.profile(), ["pipe"], without=pipe_io),
                        only(StraceLog.read(log).counts(), ["pipe"], without=pipe_io),
                        "the pipeline's pipe reads and writes, in one run")


# ---- Python multiprocessing ---------------------------------------------------

MULTIPROCESSING = python("mp_queue_pipe.py")


@pytest.fixture(scope="module")
def multiprocessing_runs(run_traced, run_strace):
    return run_traced(MULTIPROCESSING), run_strace(MULTIPROCESSING)


def test_multiprocessing_runs(multiprocessing_runs):
    traced, strace = multiprocessing_runs
    assert traced.exit_code == strace.exit_code == 0, traced.stderr + strace.stderr
    assert traced.stdout == strace.stdout == "received 100 messages, sum 9900\n"


def test_multiprocessing_mechanisms_are_identified(multiprocessing_runs):
    traced, _ = multiprocessing_runs
    profile = traced.profile()
    # Pipe(): a socketpair; each send is one write of length + pickle, each
    # recv two reads (the length, then the pickle)
    assert counts_of(profile, "unix_socket") == {"socketpair": 1, "write": 100, "read": 200}
    # Queue(): a pipe, used the same way by its feeder thread; Process: 2 pipes
    assert counts_of(profile, "pipe") == {"pipe2": 3, "write": 100, "read": 200}
    # the Queue's 3 semaphores (sem_open: create, write, map, link, unlink
    # the temporary name; then sem_unlink at once, as the fork method does)
    assert counts_of(profile, "shm") == {"openat": 3, "write": 3, "mmap": 3, "unlink": 6}
    # the interpreter and its modules
    assert counts_of(profile, "file")["openat"] > 20
    # the feeder thread and the queue's locks
    assert profile["futex"]["futex"]["count"] > 0


def test_multiprocessing_counts_equal_the_strace_oracle(multiprocessing_runs):
    traced, strace = multiprocessing_runs
    assert_same_profile(only(traced.profile(), without=("futex",)),
                        only(strace.counts, without=("futex",)), "mp_queue_pipe.py")


# ---- interrupted calls ---------------------------------------------------------

@pytest.mark.parametrize("program, prints, read", [
    # no handler: the kernel restarts the read after SIGCONT
    ("stop_continue_read.py", "read 5 bytes\n", {"count": 1, "errors": 0, "bytes": 5}),
    # the read never returns: one call, failed
    ("killed_in_read.py", "killed\n", {"count": 1, "errors": 1, "bytes": 0}),
])
def test_interrupted_read_is_one_call(run_traced, run_strace, program, prints, read):
    traced, strace = run_traced(python(program)), run_strace(python(program))
    assert traced.exit_code == strace.exit_code == 0, traced.stderr + strace.stderr
    assert traced.stdout == strace.stdout == prints
    assert strace.counts["pipe"]["read"] == read  # the oracle's answer
    assert traced.profile()["pipe"]["read"] == read
    assert_same_profile(only(traced.profile(), without=("futex",)),
                        only(strace.counts, without=("futex",)), program)


def test_read_restarted_after_sa_restart_handler_is_one_call(run_traced, run_strace):
    """The handler runs (and makes calls of its own) between the interrupted
    read and its restart: still one read, not an EINTR error plus a read."""
    program = python("sa_restart_read.py")
    traced, strace = run_traced(program), run_strace(program)
    assert traced.exit_code == strace.exit_code == 0, traced.stderr + strace.stderr
    assert traced.stdout == strace.stdout == "read 5 bytes\n"
    read = {"count": 1, "errors": 0, "bytes": 5}
    assert strace.counts["pipe"]["read"] == read  # the oracle's answer
    assert traced.profile()["pipe"]["read"] == read


# ---- bad input ----------------------------------------------------------------

def test_unknown_workload_exits_64_with_one_line_naming_the_valid_ones(ipctrace):
    result = ipctrace("run", "no-such-workload")
    assert result.returncode == EXIT_USAGE
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "no-such-workload" in lines[0]
    names = workload_names()
    assert names and all(name in lines[0].split() for name in names), lines[0]
    assert result.stdout == ""


def test_unknown_option_exits_64(ipctrace):
    result = ipctrace("run", "--no-such-option", "pipe-pi")
    assert result.returncode == EXIT_USAGE
    assert result.stderr.strip() and result.stdout == ""


def test_run_with_nothing_after_dashes_exits_64(ipctrace):
    result = ipctrace("run", "--")
    assert result.returncode == EXIT_USAGE
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_missing_command_exits_127(bpf, ipctrace, tmp_path):
    result = ipctrace("run", "-q", "-o", tmp_path / "out.json", "--", "/no/such/command")
    assert result.returncode == EXIT_NOT_FOUND
    assert len(result.stderr.splitlines()) == 1 and "/no/such/command" in result.stderr


def test_workload_usage_error_exits_64_before_anything_is_traced(bpf, run_traced):
    traced = run_traced("pipe-pi", "--n", "abc")
    assert traced.exit_code == EXIT_USAGE
    assert len(traced.stderr.splitlines()) == 1
    assert "--n" in traced.stderr and "abc" in traced.stderr
    assert traced.summary is None  # nothing traced, no report written


def test_output_in_a_missing_directory_exits_73_and_leaves_no_file(bpf, ipctrace, tmp_path):
    before = sorted(os.listdir(tmp_path))
    result = ipctrace("run", "-q", "-o", tmp_path / "missing" / "out.json",
                      "pipe-pi", "--children", "1", "--n", "1000")
    assert result.returncode == EXIT_CANTCREAT
    assert "missing" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "missing").exists()
    assert sorted(os.listdir(tmp_path)) == before
