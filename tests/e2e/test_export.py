# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Exports (issue 6): report round trip, CSV, timeline, bad files."""
import collections
import csv
import io
import json
import subprocess

from conftest import IPCTRACE, validate_summary

EXIT_DATAERR, EXIT_NOINPUT = 65, 66


def ipctrace(*args):
    return subprocess.run([str(IPCTRACE), *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def test_report_renders_a_saved_run_exactly_as_run_printed_it(bpf, tmp_path):
    out = tmp_path / "run.json"
    run = subprocess.run([str(IPCTRACE), "run", "--hist", "-o", out, "mq-pi", "--n", "1000"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    printed = run.stdout[run.stdout.index("\nipctrace: run"):]  # after the workload's own line
    report = ipctrace("report", "--hist", out)
    assert report.returncode == 0, report.stderr
    assert report.stdout == printed
    again = ipctrace("report", "--format", "json", out)
    assert json.loads(again.stdout) == json.loads(out.read_text())
    # a file from before the notes among the drops were counted still reads, as 0
    older = json.loads(out.read_text())
    del older["drops"]["own_lock_waits"]
    del older["drops"]["switch_ins_unseen"]
    validate_summary(older)
    (tmp_path / "older.json").write_text(json.dumps(older))
    from_older = ipctrace("report", "--format", "json", tmp_path / "older.json")
    assert from_older.returncode == 0, from_older.stderr
    drops = json.loads(from_older.stdout)["drops"]
    assert drops["own_lock_waits"] == drops["switch_ins_unseen"] == 0


def test_csv_reads_back_with_a_standard_reader_and_matches_the_json(bpf, tmp_path):
    out = tmp_path / "run.json"
    assert ipctrace("run", "-q", "-o", out, "lock-print", "--hold-ms", "20").returncode == 0
    summary = json.loads(out.read_text())
    validate_summary(summary)
    rows = list(csv.DictReader(io.StringIO(ipctrace("report", "--format", "csv", out).stdout)))
    assert {"mechanism", "syscall", "count", "errors", "bytes", "total_ns", "avg_ns", "max_ns",
            "blocked_ns", "contention_ns"} <= set(rows[0])
    seen = set()
    for row in rows:
        entry = summary["mechanisms"][row["mechanism"]]["syscalls"][row["syscall"]]
        if row["op"]:
            entry = entry["ops"][row["op"]]
        for key in ("count", "errors", "bytes", "total_ns", "max_ns", "blocked_ns",
                    "contention_ns"):
            assert int(row[key]) == entry[key], (row, key)
        assert int(row["avg_ns"]) == entry["total_ns"] // entry["count"]
        seen.add((row["mechanism"], row["syscall"], row["op"]))
    expected = {(m, name, "") for m, mv in summary["mechanisms"].items() for name in mv["syscalls"]}
    expected |= {(m, name, op) for m, mv in summary["mechanisms"].items()
                 for name, row in mv["syscalls"].items() for op in row.get("ops", {})}
    assert seen == expected


def test_timeline_slices_equal_the_summary_counts(bpf, tmp_path):
    out, timeline = tmp_path / "run.json", tmp_path / "timeline.json"
    run = ipctrace("run", "-q", "-o", out, "--timeline", timeline, "signal-kill", "--children", "3")
    assert run.returncode == 0, run.stderr
    summary, trace = json.loads(out.read_text()), json.loads(timeline.read_text())
    events = trace["traceEvents"]
    assert trace["otherData"]["lost_events"] == 0 == summary["lost_events"]
    slices = collections.Counter((e["args"]["mechanism"], e["name"]) for e in events
                                 if e["ph"] == "X" and e["cat"] == "syscall")
    counts = {(m, name): row["count"] for m, mv in summary["mechanisms"].items()
              for name, row in mv["syscalls"].items()}
    assert slices == counts
    # tracks are named pid/comm; wake-ups are flow pairs; signals are instants
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert any(n.endswith("/signal-kill") for n in names)
    starts = [e["id"] for e in events if e["ph"] == "s"]
    assert sorted(starts) == sorted(e["id"] for e in events if e["ph"] == "f")
    delivered = [e for e in events if e["ph"] == "i" and e["name"] == "SIGUSR1 delivered"]
    assert len(delivered) == summary["signals"]["SIGUSR1"]["delivered"] == 3
    for e in events:
        if e["ph"] == "X":
            assert e["dur"] >= 0 and e["ts"] >= 0


def test_report_rejects_bad_files_with_one_line(binaries, tmp_path):
    good = {"schema": "ipctrace.summary/2"}
    cases = {
        "other-version.json": (json.dumps(good), EXIT_DATAERR, "is not supported"),
        "truncated.json": ('{"schema": "ipctrace.summary/1", "tool": {', EXIT_DATAERR,
                           "not a valid JSON summary"),
        "not-json.json": ("hello", EXIT_DATAERR, "not a valid JSON summary"),
        "incomplete.json": ('{"schema": "ipctrace.summary/1"}', EXIT_DATAERR, "invalid summary"),
    }
    for name, (content, code, message) in cases.items():
        (tmp_path / name).write_text(content)
        run = ipctrace("report", tmp_path / name)
        assert run.returncode == code, (name, run.stderr)
        assert message in run.stderr and run.stderr.count("\n") == 1, (name, run.stderr)
    run = ipctrace("report", tmp_path / "missing.json")
    assert run.returncode == EXIT_NOINPUT and run.stderr.count("\n") == 1
