# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fixtures of the end-to-end tests: run a workload or command under ipctrace,
and the same one standalone under strace for the oracle (oracle.py).

    def test_x(run_traced, run_strace):
        traced = run_traced("pipe-pi", "--children", "3")
        oracle = run_strace("pipe-pi", "--children", "3")
        assert_same_profile(traced.profile(), oracle.counts)

run_traced: `build/ipctrace run -q -o X.json pipe-pi --children 3`;
run_strace: `strace -f -yy -qq -o LOG build/ipctrace-workload pipe-pi --children 3`.

A workload is named by a string, a command by a list (`run -- CMD...`).
Both runs write the program's stdout to a file, so what it prints counts as
`file` writes in both.  Tracing needs root and a kernel with BPF and BTF:
without them the tests are skipped, unless IPCTRACE_REQUIRE_BPF=1 (CI),
which turns every such skip into a failure.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable, Optional, Union

import pytest

from oracle import MECHANISMS, StraceLog

REPO = Path(__file__).resolve().parents[2]
# IPCTRACE_BUILD=DIR tests the binaries of `make OUTPUT=DIR` instead of build/
BUILD = Path(os.environ.get("IPCTRACE_BUILD") or REPO / "build").resolve()
IPCTRACE = BUILD / "ipctrace"
WORKLOAD = BUILD / "ipctrace-workload"
SCHEMA = REPO / "schema" / "ipctrace.summary-1.json"
STRACE = shutil.which("strace")

# ipctrace's exit statuses (user/exitcodes.h)
EXIT_USAGE = 64
EXIT_CANTCREAT = 73
EXIT_NOT_FOUND = 127

RUN_TIMEOUT_S = 120

SCHEMA_TODO = ("TODO: schema/ipctrace.summary-1.json does not exist yet: the JSON summaries "
               "are NOT validated against the schema (conftest.validate_summary)")


def skip_or_fail(reason: str):
    """Skip, or fail when CI demands that every test really runs."""
    if os.environ.get("IPCTRACE_REQUIRE_BPF") == "1":
        pytest.fail(f"{reason} (IPCTRACE_REQUIRE_BPF=1: not skipping)", pytrace=False)
    pytest.skip(reason)


# ---- the JSON summary -------------------------------------------------------

_validator = None
_unvalidated = 0  # summaries not validated for want of the schema


def pytest_terminal_summary(terminalreporter):
    if _unvalidated:
        terminalreporter.write_line(f"{SCHEMA_TODO} ({_unvalidated} summaries)", yellow=True)


def strict_schema(schema):
    """The published schema accepts fields and mechanisms it does not know
    (README, "Schema versions"): what ipctrace itself writes must have no
    field the schema does not describe, and only mechanisms it knows."""
    if isinstance(schema, list):
        return [strict_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: strict_schema(value) for key, value in schema.items()}
    if "properties" in strict and "additionalProperties" not in strict:
        strict["additionalProperties"] = False
    if "anyOf" in strict and "enum" in strict["anyOf"][0]:  # known names only
        strict = {**strict["anyOf"][0], "description": strict.get("description", "")}
    return strict


def validate_summary(summary: dict, strict: bool = True) -> None:
    """Every summary ipctrace writes must match its published JSON Schema,
    made strict (strict_schema); strict=False: the schema as published."""
    global _validator, _unvalidated
    if not SCHEMA.exists():
        _unvalidated += 1
        return
    if _validator is None:
        import jsonschema

        with open(SCHEMA) as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _validator = {True: cls(strict_schema(schema)), False: cls(schema)}
    errors = sorted(_validator[strict].iter_errors(summary), key=lambda e: list(e.path))
    if errors:
        pytest.fail("the summary does not match schema/ipctrace.summary-1.json:\n" + "\n".join(
            f"  at {'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:20]),
            pytrace=False)


def profile(summary: dict, mechanisms: Iterable[str] = MECHANISMS) -> dict:
    """The summary's counts in the oracle's shape: {mech: {syscall: {count, errors, bytes[, ops]}}}."""
    out: dict = {}
    for mechanism in mechanisms:
        syscalls = summary["mechanisms"].get(mechanism, {}).get("syscalls", {})
        for name, row in syscalls.items():
            if not row["count"]:
                continue
            entry = {"count": row["count"], "errors": row["errors"], "bytes": row["bytes"]}
            if "ops" in row:
                entry["ops"] = {op: {"count": o["count"], "errors": o["errors"], "bytes": o["bytes"]}
                                for op, o in row["ops"].items() if o["count"]}
            out.setdefault(mechanism, {})[name] = entry
    return out


def only(counts: dict, mechanisms: Iterable[str] = MECHANISMS, without=()) -> dict:
    """The counts of these mechanisms, less some "mech" or ("mech", "syscall") entries."""
    out: dict = {}
    for mechanism in mechanisms:
        if mechanism in without:
            continue
        rows = {name: row for name, row in counts.get(mechanism, {}).items()
                if (mechanism, name) not in without}
        if rows:
            out[mechanism] = rows
    return out


def profile_diff(got: dict, expected: dict) -> list[str]:
    """One line per count that differs: "pipe read count: ipctrace 3, strace 4"."""
    lines = []

    def rows(counts):
        for mechanism, syscalls in counts.items():
            for name, row in syscalls.items():
                for key in ("count", "errors", "bytes"):
                    yield (mechanism, name, key), row.get(key, 0)
                for op, op_row in row.get("ops", {}).items():
                    for key in ("count", "errors", "bytes"):
                        yield (mechanism, f"{name}.{op}", key), op_row.get(key, 0)

    a, b = dict(rows(got)), dict(rows(expected))
    for key in sorted(set(a) | set(b)):
        if a.get(key, 0) != b.get(key, 0):
            lines.append(f"{key[0]} {key[1]} {key[2]}: ipctrace {a.get(key, 0)}, strace {b.get(key, 0)}")
    return lines


def assert_same_profile(got: dict, expected: dict, what: str = "") -> None:
    diff = profile_diff(got, expected)
    assert not diff, f"ipctrace and the strace oracle differ{' for ' + what if what else ''}:\n  " + \
        "\n  ".join(diff)


# ---- running ----------------------------------------------------------------

Target = Union[str, list]


def _standalone_argv(target: Target, args: Iterable[str]) -> list[str]:
    """The program's argv when run without ipctrace."""
    if isinstance(target, str):
        return [str(WORKLOAD), target, *args]
    return [*target, *args]


def _run(argv: list[str], workdir: Path) -> tuple[int, int]:
    """Run argv in workdir, stdout and stderr to files there: (pid, exit code).
    In a session of its own, so that a timeout kills everything it started."""
    with open(workdir / "stdout", "w") as out, open(workdir / "stderr", "w") as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=workdir, env=_clean_env(), start_new_session=True)
        try:
            return proc.pid, proc.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise


def _clean_env() -> dict:
    env = dict(os.environ)
    env.pop("IPCTRACE_RUNDIR", None)  # ipctrace sets it for workloads it runs
    env["LC_ALL"] = "C"
    return env


@dataclass
class TracedRun:
    summary: Optional[dict]  # the JSON summary, None if ipctrace wrote none
    stdout: str              # the program's stdout (ipctrace -q prints nothing)
    stderr: str
    exit_code: int
    ipctrace_pid: int
    json_path: Path

    def __iter__(self):  # summary, stdout, stderr, exit_code = run_traced(...)
        return iter((self.summary, self.stdout, self.stderr, self.exit_code))

    def profile(self, mechanisms: Iterable[str] = MECHANISMS) -> dict:
        assert self.summary is not None, f"ipctrace wrote no summary: {self.stderr}"
        return profile(self.summary, mechanisms)


@dataclass
class StraceRun:
    log: StraceLog
    stdout: str
    stderr: str
    exit_code: int
    fifo_paths: tuple = ()

    @cached_property
    def counts(self) -> dict:
        return self.log.counts(fifo_paths=self.fifo_paths)


@pytest.fixture(scope="session")
def binaries():
    for binary in (IPCTRACE, WORKLOAD):
        if not os.access(binary, os.X_OK):
            skip_or_fail(f"{binary} is not built: run make")
    return IPCTRACE, WORKLOAD


@pytest.fixture(scope="session")
def bpf(binaries, tmp_path_factory):
    """ipctrace can trace here: root, BPF, BTF.  Probed once with /bin/true."""
    if os.geteuid() != 0:
        skip_or_fail("tracing needs root")
    out = tmp_path_factory.mktemp("probe") / "probe.json"
    probe = subprocess.run([str(IPCTRACE), "run", "-q", "-o", str(out), "--", "/bin/true"],
                           capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    if probe.returncode != 0:
        skip_or_fail(f"ipctrace cannot trace on this machine (exit {probe.returncode}): "
                     f"{probe.stderr.strip()}")
    with open(out) as f:
        validate_summary(json.load(f))
    return True


@pytest.fixture
def ipctrace(binaries, tmp_path):
    """Run build/ipctrace ARGS in a scratch directory: a CompletedProcess."""
    def run(*args, timeout=RUN_TIMEOUT_S):
        return subprocess.run([str(IPCTRACE), *map(str, args)], cwd=tmp_path, env=_clean_env(),
                              capture_output=True, text=True, timeout=timeout)
    return run


@pytest.fixture(scope="session")
def run_traced(bpf, tmp_path_factory):
    """run_traced("pipe-pi", "--children", "3") or run_traced(["sh", "-c", "..."]):
    `ipctrace run -q -o X.json`, the program's stdout and stderr in files."""
    def run(target: Target, *args: str, options: Iterable[str] = (), validate: bool = True):
        workdir = tmp_path_factory.mktemp("traced")
        json_path = workdir / "summary.json"
        argv = [str(IPCTRACE), "run", "-q", "-o", str(json_path), *options]
        argv += [target, *args] if isinstance(target, str) else ["--", *target, *args]
        pid, code = _run(argv, workdir)
        summary = None
        if json_path.exists():
            with open(json_path) as f:
                summary = json.load(f)
            if validate:
                validate_summary(summary)
        return TracedRun(summary, (workdir / "stdout").read_text(), (workdir / "stderr").read_text(),
                         code, pid, json_path)
    return run


@pytest.fixture(scope="session")
def run_strace(binaries, tmp_path_factory):
    """run_strace("pipe-pi", "--children", "3"): the same program standalone (no
    ipctrace) under `strace -f -yy -qq -o LOG`, stdout in a file; .counts is the oracle's."""
    if not STRACE:
        skip_or_fail("strace is not installed")

    def run(target: Target, *args: str, fifo_paths: Iterable[str] = ()):
        workdir = tmp_path_factory.mktemp("strace")
        log = workdir / "strace.log"
        _, code = _run([STRACE, "-f", "-yy", "-qq", "-o", str(log),
                        *_standalone_argv(target, args)], workdir)
        return StraceRun(StraceLog.read(log), (workdir / "stdout").read_text(),
                         (workdir / "stderr").read_text(), code, tuple(fifo_paths))
    return run


def workload_names() -> list[str]:
    """`ipctrace list`, without its header line: every bundled workload."""
    if not os.access(IPCTRACE, os.X_OK):
        return []
    out = subprocess.run([str(IPCTRACE), "list"], capture_output=True, text=True, timeout=30).stdout
    return [line.split()[0] for line in out.splitlines()[1:] if line.strip()]


def descends_from(processes: list[dict], root: int) -> set[int]:
    """The pids of target.processes whose ppid chain reaches root (root included)."""
    parent = {p["pid"]: p["ppid"] for p in processes}
    out = set()
    for pid in parent:
        seen, p = set(), pid
        while p in parent and p not in seen and p != root:
            seen.add(p)
            p = parent[p]
        if p == root:
            out.add(pid)
    return out
