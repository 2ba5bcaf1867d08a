# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Runs of ipctrace that walk most of its code: every command, every output,
the bundled workloads, the error paths.  `make asan` runs them on the
AddressSanitizer + UBSan build (IPCTRACE_BUILD_DIR=build-asan), where a
sanitizer report on stderr (ipctrace's or a workload's) fails the test;
on the normal build they are quick smoke tests.  Exact counts are the
business of tests/e2e: the sanitized workload is dynamically linked, and
its loader's calls count as `file`.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from faultlib import (EXIT_CANTCREAT, EXIT_DATAERR, EXIT_NOINPUT, EXIT_NOT_FOUND, EXIT_UNAVAILABLE,
                      EXIT_USAGE, IPCTRACE, WORKLOAD, descendants, finish, ipctrace, skip_or_fail,
                      start_ipctrace, wait_for)


@pytest.fixture(scope="module")
def saved(bpf, tmp_path_factory):
    """A summary of pipe-pi with everything on: histograms, timeline, HTML."""
    directory = tmp_path_factory.mktemp("saved")
    out = directory / "pipe-pi.json"
    run = ipctrace("run", "-q", "-o", out, "--hist", "--stacks", "--timeline", directory / "timeline.json",
                   "--html", directory / "report.html", "pipe-pi", "--children", "4", "--n", "100000",
                   summary=out)
    assert run.code == 0, run.stderr
    assert run.summary["mechanisms"]["pipe"]["syscalls"]["pipe2"]["count"] == 4
    assert json.loads((directory / "timeline.json").read_text())
    assert (directory / "report.html").read_text().startswith("<!DOCTYPE html>")
    return out


WORKLOADS = {
    "pipe-pi": [], "fifo-pi": [], "mq-pi": [], "msgq-pi": [], "shm-pi": [], "socket-pi": [],
    "unix-pi": [], "file-pi": [], "sem": [], "signal-alarm": [], "signal-kill": [],
    "lock-print": [], "ticket-race": [], "ticket-lock": [], "producer-consumer": [],
    "joinable-queue": [], "futex-pingpong": [], "pingpong": ["--via", "mq", "--rounds", "1000"],
}


@pytest.mark.parametrize("workload", WORKLOADS)
def test_workload_runs_clean(bpf, tmp_path, workload):
    out = tmp_path / "out.json"
    args = WORKLOADS[workload] or (["--n", "100000"] if workload.endswith("-pi") else [])
    run = ipctrace("run", "-o", out, workload, *args, summary=out)
    assert run.code == 0, run.stderr
    assert run.summary["target"]["workload"] == workload
    assert f"ipctrace: run {workload}:" in run.stdout


def test_command_with_every_output(bpf, tmp_path):
    run = ipctrace("run", "--hist", "-f", "csv", "--", "sh", "-c", "seq 1000 | sort -n | tail -1")
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("1000\n")
    for fmt in ("json", "csv", "html", "text"):
        out = tmp_path / f"out.{fmt}"
        run = ipctrace("run", "-q", "-o", out, "-f", fmt, "--", "sh", "-c", "echo hi | cat")
        assert run.code == 0, run.stderr
        assert out.stat().st_size > 0


def test_report_round_trip(saved, tmp_path):
    again = tmp_path / "again.json"
    run = ipctrace("report", "--format", "json", "-o", again, saved)
    assert run.code == 0, run.stderr
    assert json.loads(again.read_text()) == json.loads(saved.read_text())
    for args in (["--hist"], ["--format", "csv"], ["--format", "html"], ["--html", tmp_path / "r.html"]):
        run = ipctrace("report", *args, saved)
        assert run.code == 0, run.stderr


def test_compare_saved_and_run(saved, tmp_path):
    run = ipctrace("compare", saved, saved)
    assert run.code == 0, run.stderr
    run = ipctrace("compare", "-f", "json", "pipe-pi", "mq-pi", "--", "--n", "10000")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)


def test_attach_with_intervals(bpf, tmp_path):
    target = subprocess.Popen([str(WORKLOAD), "pingpong", "--via", "pipe", "--rounds", "100000000"],
                              stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: descendants(target.pid), what="pingpong's child")
        out = tmp_path / "attach.json"
        run = ipctrace("attach", "-p", target.pid, "-d", "1", "-i", "0.3", "-o", out, summary=out)
        assert run.code == 0, run.stderr
        assert run.summary["target"]["mode"] == "attach"
        assert run.summary["mechanisms"]["pipe"]["syscalls"]["write"]["count"] > 0
        assert len(run.summary["target"]["intervals"]) >= 3
    finally:
        os.killpg(target.pid, signal.SIGKILL)  # its child too: it holds both pipe ends
        target.wait()


def comm_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def test_interrupted_run_reports(bpf, tmp_path):
    out = tmp_path / "out.json"
    proc = start_ipctrace("run", "-o", out, "pingpong", "--via", "socketpair", "--rounds", "100000000",
                          workdir=tmp_path)
    # by name: the option check before it (ipctrace-workload --check-args) has a
    # child of its own under LeakSanitizer
    wait_for(lambda: len([pid for pid in descendants(proc.pid) if comm_of(pid) == "pingpong"]) == 2,
             what="pingpong's two ends")
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    run = finish(proc, tmp_path, summary=out)
    assert run.code == 128 + signal.SIGINT, run.stderr
    assert run.summary["mechanisms"]["unix_socket"]["syscalls"]["write"]["count"] > 0


@pytest.mark.parametrize("args,code", [
    (["run", "no-such-workload"], EXIT_USAGE),
    (["run", "--format", "yaml", "pipe-pi"], EXIT_USAGE),
    (["run", "--ringbuf-size", "3", "pipe-pi"], EXIT_USAGE),
    (["attach", "-p", "1,2,x"], EXIT_USAGE),
    (["attach", "-p", "4194304"], EXIT_NOINPUT),
    (["report"], EXIT_USAGE),
    (["report", "/no/such/file.json"], EXIT_NOINPUT),
    (["run", "--btf", "/no/such/vmlinux", "pipe-pi"], EXIT_UNAVAILABLE),
    (["run", "-q", "-o", "/no/such/dir/out.json", "pipe-pi", "--n", "1000"], EXIT_CANTCREAT),
    (["run", "--", "/no/such/command"], EXIT_NOT_FOUND),
], ids=lambda a: " ".join(map(str, a)) if isinstance(a, list) else None)
def test_error_paths(bpf, args, code):
    run = ipctrace(*args)
    assert run.code == code, run.stderr


@pytest.mark.parametrize("text", [
    "", "{", "[]", "null", '{"schema": 1}', '{"schema": "ipctrace.summary/1"}',
    '{"schema": "ipctrace.summary/9"}',
])
def test_report_of_a_bad_file(binaries_only, tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    run = ipctrace("report", path)
    assert run.code == EXIT_DATAERR, run.stderr
    assert len(run.stderr.splitlines()) == 1


def test_report_of_a_truncated_summary(saved, tmp_path):
    text = saved.read_text()
    for cut in (len(text) // 3, len(text) // 2, len(text) - 3):
        path = tmp_path / f"cut{cut}.json"
        path.write_text(text[:cut])
        run = ipctrace("report", path)
        assert run.code == EXIT_DATAERR, run.stderr


@pytest.fixture(scope="module")
def binaries_only():
    if not os.access(IPCTRACE, os.X_OK):
        skip_or_fail(f"{IPCTRACE} is not built")
