# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""attach --all where processes come and go forever: memory stays bounded
(issue 17).  On the host only: `make check-kernels` leaves it out (a
minute of forking under emulation proves nothing more).

Two churns fork short-lived children (up to 500 a second each; what the
machine manages is printed) for 60 s, each child waking its parent through
a pipe and exiting, while `attach --all --by cgroup` runs.  ipctrace's RSS
and the entries of its task- and process-keyed maps at 60 s are within 10 %
of those at 10 s (plus a few entries for the rest of the host, whose
processes come and go too); the maps keyed by pairs of tasks (wake-up
edges, lock waits) hold next to no entry naming a task gone; and a known
workload run beside the churn, in a group of its own, is still counted
exactly."""
import json
import os
import re
import subprocess
import time

import pytest

from conftest import REPO, WORKLOAD, assert_same_profile, profile
from test_scope import Attach, add_profiles, cgroups, start_in, v2_mount  # noqa: F401 (fixture)

CHURN_SECONDS = 60
PER_CHURN_RATE = 500
# keyed by task or process: what churn would grow without the clean-up at exit
TASK_KEYED_MAPS = ("tasks", "processes", "wakeup_edges", "lock_waits", "signals_pending")
HOST_SLACK = 64  # entries: the rest of the host's processes starting and ending


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    binary = tmp_path_factory.mktemp("programs") / "churn"
    subprocess.run(["cc", "-O2", "-Wall", "-Werror", "-o", binary,
                    REPO / "tests/e2e/programs/churn.c"], check=True, timeout=120)
    return binary


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))


# the task ids in a map's key, by map: an entry naming a task gone is a leak
TASK_FIELDS = {"tasks": None, "wakeup_edges": ("waker_pid", "wakee_pid"),
               "lock_waits": ("waiter_pid",)}


def gone(tid):
    return tid and not os.path.exists(f"/proc/{tid}")


def map_entries(pid):
    """({map name: entries}, {map name: entries naming a task gone}) of the
    maps pid holds, read with bpftool."""
    out, leaked = {}, {}
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                match = re.search(r"^map_id:\s+(\d+)", f.read(), re.M)
        except OSError:
            continue
        if not match:
            continue
        info = subprocess.run(["bpftool", "-j", "map", "show", "id", match.group(1)],
                              capture_output=True, text=True)
        name = re.search(r'"name":"([^"]*)"', info.stdout)
        if name and name.group(1) in TASK_KEYED_MAPS:
            dump = subprocess.run(["bpftool", "-j", "map", "dump", "id", match.group(1)],
                                  capture_output=True, text=True, check=True)
            entries = json.loads(dump.stdout)
            out[name.group(1)] = len(entries)
            fields = TASK_FIELDS.get(name.group(1))
            if fields:
                leaked[name.group(1)] = [e["formatted"] for e in entries
                                         if any(gone(e["formatted"]["key"][f]) for f in fields)]
    return out, leaked


def test_memory_stays_bounded_under_churn(cgroups, run_strace, churn, tmp_path):  # noqa: F811
    churn_group, workload_group = cgroups("churn"), cgroups("churn-workload")
    attach = Attach(tmp_path, "--all", "--by", "cgroup", group=cgroups("churn-ipctrace"))
    began = time.monotonic()
    churns = [subprocess.Popen([str(churn), str(PER_CHURN_RATE), str(CHURN_SECONDS)],
                               stdout=subprocess.PIPE, text=True,
                               preexec_fn=lambda: (churn_group / "cgroup.procs").write_text(
                                   f"{os.getpid()}\n"))
              for _ in range(2)]
    try:
        time.sleep(max(0, began + 10 - time.monotonic()))
        rss_10, (maps_10, _) = rss_kib(attach.proc.pid), map_entries(attach.proc.pid)
        workload = start_in(workload_group, [WORKLOAD, "pipe-pi", "--children", "3"], tmp_path)
        assert workload.wait(timeout=60) == 0
        time.sleep(max(0, began + CHURN_SECONDS - 1 - time.monotonic()))
        rss_60, (maps_60, leaked) = rss_kib(attach.proc.pid), map_entries(attach.proc.pid)
        forked = sum(int(c.communicate(timeout=60)[0]) for c in churns)
    finally:
        for c in churns:
            c.kill()
            c.wait()
    s = attach.stop()
    rate = forked / CHURN_SECONDS
    print(f"churn: {forked} processes, {rate:.0f}/s; RSS {rss_10} -> {rss_60} KiB; "
          f"map entries {maps_10} -> {maps_60}, naming tasks gone "
          f"{ {name: len(rows) for name, rows in leaked.items()} }")
    assert rate >= 100, f"only {rate:.0f} processes a second: no churn to speak of"
    assert rss_60 <= rss_10 * 1.1, f"RSS grew from {rss_10} to {rss_60} KiB"
    assert set(maps_10) == set(TASK_KEYED_MAPS), maps_10
    # the maps keyed by a task or process: as many entries at 60 s as at 10 s
    for name in ("tasks", "processes", "signals_pending"):
        assert maps_60[name] <= maps_10[name] * 1.1 + HOST_SLACK, (name, maps_10, maps_60)
    # those keyed by pairs of tasks grow with the pairs of live tasks that
    # meet (on a shared host, other suites' hundreds of processes): what
    # must not grow is what names a task gone, churn's 60 s of them
    for name, rows in leaked.items():
        assert len(rows) <= HOST_SLACK, (name, len(rows), rows[:5])
    groups = {g["key"]: g for g in s["groups"]}
    move_write = {"file": {"write": {"count": 1, "errors": 0, "bytes": len(f"{workload.pid}\n")}}}
    assert_same_profile(profile(groups["/" + str(workload_group.relative_to(v2_mount()))]),
                        add_profiles(run_strace("pipe-pi", "--children", "3").counts, move_write),
                        "pipe-pi beside the churn")
    # the rest of the host may fill the wake-up edges (counted in drops, the
    # wake-ups themselves still counted): not the task and process maps
    assert not any(s["drops"][k] for k in ("traced_tasks_full", "processes_full",
                                           "syscall_stats_full")), s["drops"]
