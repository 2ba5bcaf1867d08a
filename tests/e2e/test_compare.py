# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ipctrace compare: summaries side by side, a column per input.

Inputs are saved summaries (made by `run -o`) or bundled workloads, which
compare runs in turn with the options after `--`.  The oracle for the
table's numbers is the summaries themselves: every cell must be the
figure the input's JSON holds (mechanisms.M.totals.count and .bytes,
.wakeups.count, .blocked.total_ns, .contention.total_ns, duration_ns,
target.exit_status), and -o x.json must match schema/ipctrace.compare-1.json.
"""
import json
import shutil

import pytest

from conftest import REPO

COMPARE_SCHEMA = REPO / "schema" / "ipctrace.compare-1.json"
SUMMARY_SCHEMA = REPO / "schema" / "ipctrace.summary-1.json"
EXIT_USAGE, EXIT_DATAERR, EXIT_NOINPUT = 64, 65, 66
METRICS = ("syscalls", "bytes", "wakeups", "blocked_ns", "contention_ns")
LABELS = {"syscalls": "syscalls", "bytes": "bytes", "wakeups": "wake-ups",
          "blocked_ns": "blocked (ms)", "contention_ns": "contended (ms)",
          "duration_ns": "wall time (ms)", "exit_status": "exit status"}
MECHANISM_ORDER = ("pipe", "fifo", "mq_posix", "mq_sysv", "sem_sysv", "shm", "futex", "signal",
                   "unix_socket", "inet_socket", "file")


def validate_comparison(document: dict) -> None:
    """Against the compare schema, whose inputs' summaries $ref the summary schema."""
    import jsonschema

    compare = json.loads(COMPARE_SCHEMA.read_text())
    summary = json.loads(SUMMARY_SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(compare)
    cls.check_schema(compare)
    try:  # jsonschema >= 4.18
        from referencing import Registry, Resource
        registry = Registry().with_resource(summary["$id"], Resource.from_contents(summary))
        validator = cls(compare, registry=registry)
    except ImportError:  # Debian 12's 4.10
        resolver = jsonschema.RefResolver.from_schema(compare, store={summary["$id"]: summary})
        validator = cls(compare, resolver=resolver)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "the comparison does not match its schema:\n" + "\n".join(
        f"  at {'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:20])


def expected_table(summaries: list) -> list:
    """The table compare must print, from the summaries: [(mechanism, metric, [values])]."""
    active = {name for s in summaries for name in s["mechanisms"]}
    rows = []
    for mechanism in MECHANISM_ORDER:
        if mechanism not in active:
            continue
        for metric in METRICS:
            values = []
            for s in summaries:
                m = s["mechanisms"].get(mechanism)
                values.append(0 if m is None else {
                    "syscalls": m["totals"]["count"], "bytes": m["totals"]["bytes"],
                    "wakeups": m["wakeups"]["count"], "blocked_ns": m["blocked"]["total_ns"],
                    "contention_ns": m["contention"]["total_ns"]}[metric])
            rows.append((mechanism, metric, values))
    rows.append((None, "duration_ns", [s["duration_ns"] for s in summaries]))
    rows.append((None, "exit_status", [s["target"]["exit_status"] if s["target"]["exit_status"] >= 0
                                       else None for s in summaries]))
    return rows


def parse_text_table(stdout: str) -> tuple[list, list]:
    """The printed table: (column headers, [(mechanism or None, label, [cells])])."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("MECHANISM"))
    headers = lines[start].split()[2:]
    rows, mechanism = [], None
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            mechanism = line.split()[0]
        label = line[13:28].strip()
        cells = line[28:].split()
        rows.append((None if mechanism == "(run)" else mechanism, label, cells))
    return headers, rows


def cell(metric: str, value) -> str:
    """A value as the text table prints it: times in ms, 3 decimals."""
    if value is None:
        return "-"
    if metric.endswith("_ns"):
        return f"{value / 1e6:.3f}"
    return str(value)


@pytest.fixture(scope="module")
def saved_runs(run_traced, tmp_path_factory):
    """pipe-pi and fifo-pi (--n 1000) saved by `run -o`, as pipe-pi.json and fifo-pi.json."""
    workdir = tmp_path_factory.mktemp("saved")
    paths = []
    for workload in ("pipe-pi", "fifo-pi"):
        traced = run_traced(workload, "--n", "1000")
        assert traced.exit_code == 0, traced.stderr
        paths.append(shutil.copy(traced.json_path, workdir / f"{workload}.json"))
    return paths


def test_table_of_two_saved_runs_holds_their_numbers(saved_runs, ipctrace):
    summaries = [json.loads(open(p).read()) for p in saved_runs]
    proc = ipctrace("compare", *saved_runs)
    assert (proc.returncode, proc.stderr) == (0, "")
    headers, rows = parse_text_table(proc.stdout)
    assert headers == ["pipe-pi.json", "fifo-pi.json"]
    expected = expected_table(summaries)
    assert [(m, label) for m, label, _ in rows] == [(m, LABELS[metric]) for m, metric, _ in expected]
    for (mechanism, metric, values), (_, _, cells) in zip(expected, rows):
        assert cells == [cell(metric, v) for v in values], (mechanism, metric)
    # the workloads' own numbers: one pipe each way per child, a FIFO for fifo-pi
    assert ("pipe", "syscalls", [30, 0]) in expected
    assert any(m == "fifo" and metric == "syscalls" and values[0] == 0 and values[1] > 0
               for m, metric, values in expected)


def test_json_output_matches_its_schema_and_the_inputs(saved_runs, ipctrace, tmp_path):
    summaries = [json.loads(open(p).read()) for p in saved_runs]
    out = tmp_path / "x.json"
    proc = ipctrace("compare", "-q", "-o", out, *saved_runs)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    document = json.loads(out.read_text())
    validate_comparison(document)
    assert document["schema"] == "ipctrace.compare/1"
    assert [(i["name"], i["source"]) for i in document["inputs"]] == \
        [("pipe-pi.json", "file"), ("fifo-pi.json", "file")]
    assert [i["summary"] for i in document["inputs"]] == summaries
    assert [(r["mechanism"], r["metric"], r["values"]) for r in document["table"]] == \
        expected_table(summaries)


def test_csv_output_is_the_table_in_raw_units(saved_runs, ipctrace, tmp_path):
    summaries = [json.loads(open(p).read()) for p in saved_runs]
    out = tmp_path / "x.csv"
    proc = ipctrace("compare", "-q", "-o", out, *saved_runs)
    assert proc.returncode == 0, proc.stderr
    lines = out.read_bytes().decode().split("\r\n")
    assert lines[0] == "mechanism,metric,pipe-pi.json,fifo-pi.json"
    assert lines[1:-1] == [f"{m or ''},{metric},{','.join('' if v is None else str(v) for v in values)}"
                           for m, metric, values in expected_table(summaries)]


def test_workloads_run_in_turn_with_the_shared_options(bpf, ipctrace, tmp_path):
    out = tmp_path / "x.json"
    proc = ipctrace("compare", "-o", out, "pipe-pi", "fifo-pi", "--", "--n", "1000")
    assert proc.returncode == 0, proc.stderr
    # what the workloads print goes to /dev/null: stdout is the table alone, and
    # their output, not IPC there, counts the same for each (not at all)
    assert proc.stderr == ""
    headers, rows = parse_text_table(proc.stdout)
    assert headers == ["pipe-pi", "fifo-pi"]
    document = json.loads(out.read_text())
    validate_comparison(document)
    assert [(i["name"], i["source"]) for i in document["inputs"]] == \
        [("pipe-pi", "workload"), ("fifo-pi", "workload")]
    for name, entry in zip(("pipe-pi", "fifo-pi"), document["inputs"]):
        target = entry["summary"]["target"]
        assert target["workload"] == name
        assert target["command"][1:] == [name, "--n", "1000"]
        assert target["exit_status"] == 0
    pipe_pi, fifo_pi = (i["summary"]["mechanisms"] for i in document["inputs"])
    assert {name: row["count"] for name, row in pipe_pi["pipe"]["syscalls"].items()} == \
        {"pipe2": 10, "read": 10, "write": 10}
    assert "fifo" in fifo_pi and "pipe" not in fifo_pi
    # nor is their stdout a file: pipe-pi's calls are its pipes' alone
    assert set(pipe_pi) <= {"pipe", "other", "timer"}
    assert [(r["mechanism"], r["metric"], r["values"]) for r in document["table"]] == \
        expected_table([i["summary"] for i in document["inputs"]])
    # the printed table and the file agree
    assert [cells for _, _, cells in rows] == \
        [[cell(r["metric"], v) for v in r["values"]] for r in document["table"]]


@pytest.mark.parametrize("args, status, message", [
    (["pipe-pi", "missing.json"], EXIT_NOINPUT, "ipctrace: missing.json: No such file or directory"),
    (["pipe-pi", "./missing"], EXIT_NOINPUT, "ipctrace: ./missing: No such file or directory"),
    (["pipe-pi", "no-such-workload"], EXIT_USAGE,
     "ipctrace: compare: 'no-such-workload' is neither a bundled workload (ipctrace list) nor a file"),
    (["pipe-pi"], EXIT_USAGE,
     "ipctrace: compare: give two or more workloads or summary files (see ipctrace --help)"),
    (["-o", "x.html", "pipe-pi", "fifo-pi"], EXIT_USAGE,
     "ipctrace: compare: no HTML comparison: use text, json or csv (see ipctrace --help)"),
])
def test_bad_inputs_give_one_line_and_run_nothing(ipctrace, args, status, message):
    proc = ipctrace("compare", *args)
    assert (proc.returncode, proc.stdout, proc.stderr) == (status, "", message + "\n")


def test_a_file_that_is_no_summary_is_bad_input(ipctrace, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "something/else"}')
    proc = ipctrace("compare", "pipe-pi", bad)
    assert proc.returncode == EXIT_DATAERR
    assert proc.stdout == "" and proc.stderr.count("\n") == 1 and "not supported" in proc.stderr
