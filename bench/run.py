#!/usr/bin/python3
"""ipctrace's benchmark suite: one run, every tracer alternated, medians of paired runs.

    make bench                        # the full run (~15 min), rewrites BENCHMARKS.md
    make bench BENCH_ARGS=--quick     # a smoke run (< 2 min), writes build/bench/
    bench/run.py --only startstop,memory --quick   # some sections only
    bench/run.py --report-only        # render build/bench/results.json again
                                      # (with --quick: results-quick.json)

Needs root.  Installs linux-perf and bpftrace (and the build dependencies)
from Debian when missing, through tests/install-deps.sh.

What is compared, all with the same pinned workloads: the untraced baseline,
`ipctrace run` (and `ipctrace run --timeline` when `run --help` shows it),
`strace -f -c`, `perf trace -s` and bench/syscount.bt under bpftrace (count
and time per syscall per process, filtered to the workload's tree).  The
workload runs on CPU 0 (its own --cpu); this script, and so every tracer it
starts, runs on CPU 1.  Each section alternates its variants within every
repetition, so a slow minute of the machine hits all of them; a slowdown is
the median over repetitions of (variant / baseline of the same repetition).
No hyperfine: it runs one command's repetitions back to back, and these
must alternate.

Sections, in the order of the issue's targets:
  pingpong   timed-loop slowdown per transport and tracer, count exactness
  startstop  wall time of tracing /bin/true, minus plain /bin/true
  pipepi     pipe-pi with its default n, timed by bench/timeit.c
  scale      1, 100, 1000 pipe pairs sharing one total of rounds
  untraced   an untraced ping-pong while ipctrace traces `sleep`
  memory     ipctrace's max RSS and its BPF maps' memory, short and long runs
  bpfstats   kernel.bpf_stats_enabled: ns per run of each ipctrace program
Raw samples go to build/bench/results.json (results-quick.json for --quick).
"""
import argparse
import atexit
import datetime
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(REPO, "build")
OUT = os.path.join(BUILD, "bench")
BUILT_IPCTRACE = os.path.join(BUILD, "ipctrace")
BUILT_WORKLOAD = os.path.join(BUILD, "ipctrace-workload")
# What a run executes, and where its tracers write: a private directory that
# setup() fills with copies, so that another make in the same tree (a
# rebuild, make clean) cannot pull a binary from under a 15-minute run.
WORK = TMP = IPCTRACE = WORKLOAD = SCALE_PINGPONG = TIMEIT = None
SYSCOUNT_BT = os.path.join(REPO, "bench", "syscount.bt")
BENCHMARKS_MD = os.path.join(REPO, "BENCHMARKS.md")
BPF_STATS_SYSCTL = "/proc/sys/kernel/bpf_stats_enabled"

WORKLOAD_CPU = 0
TRACER_CPU = 1


class Mode:
    """How much of everything one run does."""

    def __init__(self, name, rounds, warm_up, repetitions, strace_divisor, startstop_reps,
                 pipepi_reps, scale_rounds, scale_pairs, scale_reps, scale_layouts, untraced_reps,
                 memory_long_factor, bpfstats_rounds):
        self.name = name
        self.rounds = rounds                  # pingpong --rounds
        self.warm_up = warm_up                # one unrecorded repetition first
        self.repetitions = repetitions        # paired runs per transport and tracer
        self.strace_divisor = strace_divisor  # strace runs rounds / this: it is ~60x slower
        self.startstop_reps = startstop_reps
        self.pipepi_reps = pipepi_reps
        self.scale_rounds = scale_rounds      # total rounds, split over the pairs
        self.scale_pairs = scale_pairs
        self.scale_reps = scale_reps
        self.scale_layouts = scale_layouts
        self.untraced_reps = untraced_reps
        self.memory_long_factor = memory_long_factor
        # long enough that the workload's program runs outnumber the rest of
        # the machine's, which the same programs see too
        self.bpfstats_rounds = bpfstats_rounds


MODES = {
    "full": Mode("full", rounds=20000, warm_up=True, repetitions=9, strace_divisor=20,
                 startstop_reps=15, pipepi_reps=25, scale_rounds=100000, scale_pairs=(1, 100, 1000),
                 # "concurrent" too costs ~1 min a run at 1000 pairs on 2 vCPUs
                 scale_reps=5, scale_layouts=("one-at-a-time",), untraced_reps=7,
                 memory_long_factor=10, bpfstats_rounds=100000),
    # a smoke run: every section and every tracer, numbers too few to judge by
    "quick": Mode("quick", rounds=2000, warm_up=False, repetitions=2, strace_divisor=20,
                  startstop_reps=3, pipepi_reps=3, scale_rounds=10000, scale_pairs=(1, 10, 100),
                  scale_reps=1, scale_layouts=("one-at-a-time",), untraced_reps=2,
                  memory_long_factor=5, bpfstats_rounds=5000),
}

# startstop first: a start-up cost is a rested machine's; after minutes of full
# load (pingpong, scale) this VM's CPUs are slower and every tool starts slower
SECTIONS = ("startstop", "pingpong", "pipepi", "scale", "untraced", "memory", "bpfstats")


class Transport:
    """One --via of the pingpong workload and its exact loop profile
    (user/workloads/pingpong.c's header): calls per round, by syscall name."""

    def __init__(self, via, mechanism, per_round, stdout_write, timed_target):
        self.via = via
        self.mechanism = mechanism          # ipctrace's mechanism for the loop's calls
        self.per_round = per_round          # syscall name -> calls per round trip
        self.stdout_write = stdout_write    # the loop's syscall is write(2): +1 for stdout
        self.timed_target = timed_target    # the 1.4x target applies


# futex: only FUTEX_WAKE is exact (2 per round); a WAIT is skipped when the
# token is already back, and a tracer changes how often: judged on counts.
TRANSPORTS = [
    Transport("pipe", "pipe", {"write": 2, "read": 2}, True, True),
    Transport("socketpair", "unix_socket", {"write": 2, "read": 2}, True, True),
    Transport("mq", "mq_posix", {"mq_timedsend": 2, "mq_timedreceive": 2}, False, True),
    Transport("msg", "mq_sysv", {"msgsnd": 2, "msgrcv": 2}, False, False),
    Transport("futex", "futex", {"futex": 2}, False, False),
    Transport("signal", "signal", {"kill": 2, "rt_sigtimedwait": 2}, False, True),
]

TARGET_SLOWDOWN = 1.4
TARGET_TIMELINE_SLOWDOWN = 1.7
TARGET_STARTSTOP_MS = 50
TARGET_PIPEPI_SLOWDOWN = 1.02
TARGET_UNTRACED_SLOWDOWN = 1.25
# "does not grow": the overhead per round at the most pairs (1000) within
# this factor of the overhead with one pair
SCALE_GROWTH_TOLERANCE = 1.25


# ---- running things -------------------------------------------------------

def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Result:
    def __init__(self, argv, rc, wall_s, rusage, stdout, stderr):
        self.argv, self.rc, self.wall_s = argv, rc, wall_s
        self.maxrss_kb = rusage.ru_maxrss
        self.cpu_ms = (rusage.ru_utime * 1000, rusage.ru_stime * 1000)  # the command and its children
        self.stdout, self.stderr = stdout, stderr

    def check(self):
        if self.rc != 0:
            raise RuntimeError("exit status %d: %s\n%s" % (self.rc, shlex.join(self.argv),
                                                           self.stderr.strip()[-2000:]))
        return self


def start(argv, tag="run"):
    """Popen with stdout and stderr in files (a pipe would make the
    workload's stdout write a pipe write, and count as IPC)."""
    out = open(os.path.join(TMP, tag + ".stdout"), "w+")
    err = open(os.path.join(TMP, tag + ".stderr"), "w+")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    proc.bench_files = (out, err)
    proc.bench_started = time.perf_counter()
    return proc


def exited(proc):
    """Popen.poll() without reaping for Popen: finish() still gets the rusage."""
    if getattr(proc, "bench_wait4", None) is None:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.bench_wait4 = (status, rusage)
    return getattr(proc, "bench_wait4", None) is not None


def finish(proc, argv):
    """wait4 rather than wait: its rusage gives the child's max RSS."""
    if getattr(proc, "bench_wait4", None) is not None:
        status, rusage = proc.bench_wait4
    else:
        _, status, rusage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - proc.bench_started
    proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not reap it again
    out, err = proc.bench_files
    out.seek(0)
    err.seek(0)
    result = Result(argv, proc.returncode, wall, rusage, out.read(), err.read())
    out.close()
    err.close()
    return result


def run(argv, tag="run"):
    return finish(start(argv, tag), argv)


def tmp(name):
    return os.path.join(TMP, name)


def ns_per_round(result):
    m = re.search(r"ns_per_round=([\d.]+)", result.stdout)
    if not m:
        raise RuntimeError("no ns_per_round in the output of %s:\n%s%s"
                           % (shlex.join(result.argv), result.stdout, result.stderr[-2000:]))
    return float(m.group(1))


def median(values):
    return statistics.median(values) if values else None


def paired_ratios(samples, baseline):
    return [s / b for s, b in zip(samples, baseline) if s is not None and b]


# ---- reading each tracer's counts ------------------------------------------

def syscall_numbers():
    """nr -> name for this architecture, from the C library's own headers."""
    text = subprocess.run(["cc", "-dM", "-E", "-"], input="#include <sys/syscall.h>\n",
                          capture_output=True, text=True, check=True).stdout
    names = {}
    for m in re.finditer(r"^#define __NR_(\w+) (\d+)$", text, re.M):
        names[int(m.group(2))] = m.group(1)
    return names


SYSCALL_NAMES = {}


def counts_strace(path):
    counts = {}
    for line in open(path):
        fields = line.split()
        # % time, seconds, usecs/call, calls, [errors], syscall
        if len(fields) >= 5 and re.fullmatch(r"[\d.]+", fields[0]) and fields[-1] != "total":
            counts[fields[-1]] = counts.get(fields[-1], 0) + int(fields[3])
    return counts


def counts_perf(path):
    """perf trace -s prints one table per thread: sum them."""
    counts, lost = {}, 0
    for line in open(path):
        m = re.match(r"^\s+([a-z_0-9]+)\s+(\d+)\s+(\d+)\s+[\d.]+\s", line)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + int(m.group(2))
        m = re.search(r"LOST (\d+) events", line)
        if m:
            lost += int(m.group(1))
    return counts, lost


def counts_bpftrace(path):
    counts = {}
    for m in re.finditer(r"^@count\[\d+, (\d+)\]: (\d+)$", open(path).read(), re.M):
        name = SYSCALL_NAMES.get(int(m.group(1)), "nr%s" % m.group(1))
        counts[name] = counts.get(name, 0) + int(m.group(2))
    return counts


def ipctrace_lost(summary):
    return summary.get("lost_events", 0) + summary.get("drops", {}).get("events_lost", 0)


def ipctrace_drops(summary):
    return {k: v for k, v in summary.get("drops", {}).items() if v}


def ipctrace_count(summary, mechanism, name, op=None):
    entry = summary["mechanisms"].get(mechanism, {}).get("syscalls", {}).get(name, {})
    if op:
        entry = entry.get("ops", {}).get(op, {})
    return entry.get("count", 0)


# ---- the tracers -------------------------------------------------------------

class Tracer:
    """How to run a command under one tracer, and read back its counts."""

    def __init__(self, name, label, wrap, read_counts=None, by_name=False, rounds_divisor=1):
        self.name, self.label = name, label
        self.wrap = wrap                # (command, output path) -> argv
        self.read_counts = read_counts  # output path -> whatever the count check needs
        self.by_name = by_name          # counts every syscall by name (not by mechanism)
        self.rounds_divisor = rounds_divisor


def make_tracers(mode, timeline_args):
    ipctrace = lambda extra: (lambda cmd, out: [IPCTRACE, "run", "-q", *extra, "-o", out, "--", *cmd])
    read_json = lambda path: json.load(open(path))
    tracers = [
        Tracer("baseline", "baseline", lambda cmd, out: list(cmd)),
        Tracer("ipctrace", "ipctrace", ipctrace([]), read_json),
    ]
    if timeline_args is not None:
        tracers.append(Tracer("timeline", "ipctrace --timeline", ipctrace(timeline_args), read_json))
    tracers += [
        Tracer("strace", "strace -f -c",
               lambda cmd, out: ["strace", "-f", "-c", "-o", out, "--", *cmd],
               counts_strace, by_name=True, rounds_divisor=mode.strace_divisor),
        Tracer("perf", "perf trace -s",
               lambda cmd, out: ["perf", "trace", "-s", "-o", out, "--", *cmd],
               counts_perf, by_name=True),
        Tracer("bpftrace", "bpftrace",
               lambda cmd, out: ["bpftrace", "-q", "-o", out, "-c", shlex.join(cmd), SYSCOUNT_BT],
               counts_bpftrace, by_name=True),
    ]
    return tracers


def output_path(tracer, section):
    """ipctrace picks its output format from the extension."""
    return tmp("%s-%s.%s" % (section, tracer.name, "json" if tracer.name in ("ipctrace", "timeline") else "txt"))


def timeline_option():
    """None while `ipctrace run` has no --timeline; else the arguments that
    turn it on, with a file if the help shows one (--timeline FILE)."""
    help_text = subprocess.run([IPCTRACE, "run", "--help"], capture_output=True, text=True).stdout
    m = re.search(r"--timeline(?:[ =]([A-Z]+))?", help_text)
    if not m:
        return None
    return ["--timeline", tmp("timeline.out")] if m.group(1) else ["--timeline"]


# ---- BPF objects of a running ipctrace ----------------------------------------

def bpf_fds(pid):
    """Prog and map ids with their live stats, from /proc/PID/fdinfo: exact
    to ipctrace's own objects, whatever else is loaded on the machine."""
    progs, maps = {}, {}
    try:
        fds = os.listdir("/proc/%d/fdinfo" % pid)
    except OSError:
        return progs, maps
    for fd in fds:
        try:
            info = dict(line.split(":", 1) for line in open("/proc/%d/fdinfo/%s" % (pid, fd))
                        if ":" in line)
        except OSError:
            continue
        info = {k.strip(): v.strip() for k, v in info.items()}
        if "link_type" in info:
            continue
        if "prog_id" in info:
            progs[int(info["prog_id"])] = (int(info.get("run_time_ns", 0)), int(info.get("run_cnt", 0)))
        elif "map_id" in info:
            maps[int(info["map_id"])] = int(info.get("memlock", 0))
    return progs, maps


def bpftool_names(kind):
    try:
        out = subprocess.run(["bpftool", "-j", kind, "show"], capture_output=True, text=True).stdout
        return {o["id"]: o.get("name", "?") for o in json.loads(out or "[]")}
    except (OSError, ValueError):
        return {}


def attached_children(pid, comm):
    """True once a child of pid runs comm: ipctrace execs the command only
    after attaching, so this means "tracing"."""
    try:
        children = open("/proc/%d/task/%d/children" % (pid, pid)).read().split()
        return any(open("/proc/%s/comm" % c).read().strip() == comm for c in children)
    except OSError:
        return False


# ---- sections ----------------------------------------------------------------

def section_pingpong(mode, tracers, transports):
    """Every transport under every tracer, alternated: each repetition runs
    them all once, the tracers' order rotated."""
    samples = {t.via: {tr.name: [] for tr in tracers} for t in transports}
    names = [tr.name for tr in tracers]
    for rep in range(-1 if mode.warm_up else 0, mode.repetitions):  # -1: the warm-up
        order = tracers[rep % len(tracers):] + tracers[:rep % len(tracers)]
        log("pingpong: %s (%s)" % ("warm-up" if rep < 0 else "repetition %d/%d" % (rep + 1, mode.repetitions),
                                   " ".join(tr.name for tr in order)))
        for transport in transports:
            for tracer in order:
                sample = pingpong_once(mode, tracer, transport)
                if rep >= 0:
                    samples[transport.via][tracer.name].append(sample)
    return {"tracers": names, "samples": samples}


def pingpong_once(mode, tracer, transport):
    rounds = mode.rounds // tracer.rounds_divisor
    command = [WORKLOAD, "pingpong", "--via", transport.via, "--cpu", str(WORKLOAD_CPU),
               "--rounds", str(rounds)]
    out = output_path(tracer, "pingpong")
    if os.path.exists(out):
        os.unlink(out)
    result = run(tracer.wrap(command, out), "pingpong").check()
    sample = {"rounds": rounds, "ns_per_round": ns_per_round(result), "maxrss_kb": result.maxrss_kb,
              "wall_s": result.wall_s}
    if tracer.name in ("ipctrace", "timeline"):
        summary = tracer.read_counts(out)
        sample["counts"] = {name: ipctrace_count(summary, transport.mechanism, name,
                                                 "WAKE" if transport.via == "futex" else None)
                            for name in transport.per_round}
        sample["lost_events"] = ipctrace_lost(summary)
        sample["drops"] = ipctrace_drops(summary)
    elif tracer.read_counts:
        counts = tracer.read_counts(out)
        if tracer.name == "perf":
            counts, lost = counts
            sample["lost_events"] = lost + sum(int(n) for n in re.findall(r"LOST (\d+) events", result.stderr))
        sample["counts"] = {name: counts.get(name, 0) for name in transport.per_round}
    return sample


def expected_count(transport, tracer, name, rounds):
    """The exact count a tracer should report, None where none is exact."""
    if transport.via == "futex" and tracer.by_name:
        return None  # WAKE and WAIT together: WAIT varies
    extra = 1 if tracer.by_name and transport.stdout_write and name == "write" else 0
    return transport.per_round[name] * rounds + extra


def section_startstop(mode, tracers):
    """Wall time of tracing /bin/true minus plain /bin/true, paired."""
    command = ["/bin/true"]
    walls = {tr.name: [] for tr in tracers}
    cpu = {tr.name: [] for tr in tracers}
    for rep in range(-1 if mode.warm_up else 0, mode.startstop_reps):
        order = tracers[rep % len(tracers):] + tracers[:rep % len(tracers)]
        for tracer in order:
            result = run(tracer.wrap(command, output_path(tracer, "startstop")), "startstop").check()
            if rep >= 0:
                walls[tracer.name].append(result.wall_s * 1000)
                cpu[tracer.name].append(result.cpu_ms)
    log("startstop: done")
    return {"wall_ms": walls, "cpu_ms": cpu}


def section_pipepi(mode, tracers):
    """pipe-pi, default n, pinned to CPU 0; timed by timeit inside the
    tracer, so ipctrace's own start and stop stay out."""
    variants = [tr for tr in tracers if tr.name in ("baseline", "ipctrace", "timeline")]
    command = [TIMEIT, "--cpu", str(WORKLOAD_CPU), "--", WORKLOAD, "pipe-pi"]
    walls = {tr.name: [] for tr in variants}
    cpu = {tr.name: [] for tr in variants}
    for rep in range(-1 if mode.warm_up else 0, mode.pipepi_reps):
        order = variants[rep % len(variants):] + variants[:rep % len(variants)]
        for tracer in order:
            result = run(tracer.wrap(command, output_path(tracer, "pipepi")), "pipepi").check()
            if rep >= 0:
                wall_ns, cpu_ns, _ = timeit_report(result)
                walls[tracer.name].append(wall_ns / 1e6)
                cpu[tracer.name].append(cpu_ns / 1e6)
    log("pipepi: done")
    return {"wall_ms": walls, "cpu_ms": cpu}


def scale_expected(rounds, pairs, layout):
    """bench/scale_pingpong.c's exact pipe profile."""
    write, read = 2 * rounds + 2 * pairs, 2 * rounds + 5 * pairs
    if layout == "one-at-a-time":
        write, read = write + pairs + 1, read + pairs
    return {"write": write, "read": read}


def section_scale(mode):
    """The same total of pipe rounds over 1, 100 and 1000 pairs, untraced and
    under ipctrace.  Every repetition runs every pair count, so a slow minute
    of the machine hits them all; the overhead per round is the paired
    difference."""
    out = {}
    for layout in mode.scale_layouts:
        for pairs in mode.scale_pairs:
            out["%s/%d" % (layout, pairs)] = {"layout": layout, "pairs": pairs, "baseline": [],
                                               "ipctrace": [], "exact": [], "drops": [], "maxrss_kb": []}
    for rep in range(mode.scale_reps):
        for layout in mode.scale_layouts:
            for pairs in mode.scale_pairs:
                r = out["%s/%d" % (layout, pairs)]
                command = [SCALE_PINGPONG, "--pairs", str(pairs), "--rounds", str(mode.scale_rounds),
                           "--cpu", str(WORKLOAD_CPU)] + (["--one-at-a-time"] if layout == "one-at-a-time" else [])
                for variant in (("baseline", "ipctrace") if rep % 2 == 0 else ("ipctrace", "baseline")):
                    if variant == "baseline":
                        r["baseline"].append(ns_per_round(run(command, "scale").check()))
                        continue
                    json_path = tmp("scale.json")
                    result = run(timed([IPCTRACE, "run", "-q", "-o", json_path, "--", *command]), "scale").check()
                    r["ipctrace"].append(ns_per_round(result))
                    r["maxrss_kb"].append(timeit_report(result)[2])
                    summary = json.load(open(json_path))
                    want = scale_expected(mode.scale_rounds, pairs, layout)
                    r["exact"].append({name: ipctrace_count(summary, "pipe", name) for name in want} == want)
                    r["drops"].append(ipctrace_drops(summary))
        log("scale: repetition %d/%d: %s" % (rep + 1, mode.scale_reps, ", ".join(
            "%d pairs %.0f/%.0f ns" % (r["pairs"], r["baseline"][-1], r["ipctrace"][-1]) for r in out.values())))
    return out


def start_background_ipctrace():
    json_path = tmp("background.json")
    argv = [IPCTRACE, "run", "-q", "-o", json_path, "--", "sleep", "3600"]
    proc = start(argv, "background")
    deadline = time.time() + 30
    while not attached_children(proc.pid, "sleep"):
        if exited(proc) or time.time() > deadline:
            raise RuntimeError("background ipctrace did not start: " + open(tmp("background.stderr")).read())
        time.sleep(0.02)
    return proc, argv


def stop_background_ipctrace(proc, argv):
    # ending its command ends ipctrace the ordinary way
    for child in open("/proc/%d/task/%d/children" % (proc.pid, proc.pid)).read().split():
        os.kill(int(child), signal.SIGTERM)
    finish(proc, argv)


def section_untraced(mode, transports):
    """An untraced ping-pong while ipctrace traces `sleep 3600`: what the
    early-return filter costs everyone else."""
    via_list = [t for t in transports if t.timed_target]
    samples = {t.via: {"alone": [], "beside_ipctrace": []} for t in via_list}
    for rep in range(-1 if mode.warm_up else 0, mode.untraced_reps):
        for situation in (("alone", "beside_ipctrace") if rep % 2 == 0 else ("beside_ipctrace", "alone")):
            background = start_background_ipctrace() if situation == "beside_ipctrace" else None
            try:
                for transport in via_list:
                    command = [WORKLOAD, "pingpong", "--via", transport.via, "--cpu", str(WORKLOAD_CPU),
                               "--rounds", str(mode.rounds)]
                    value = ns_per_round(run(command, "untraced").check())
                    if rep >= 0:
                        samples[transport.via][situation].append(value)
            finally:
                if background:
                    stop_background_ipctrace(*background)
    log("untraced: done")
    return samples


def child_of(pid):
    try:
        children = open("/proc/%d/task/%d/children" % (pid, pid)).read().split()
        return int(children[0]) if children else None
    except OSError:
        return None


def timed(argv):
    """argv under bench/timeit, for its wall time and a peak RSS that is the
    command's own (see timeit.c)."""
    return [TIMEIT, "--", *argv]


def timeit_report(result):
    """(wall ns, cpu ns, max RSS KiB) from bench/timeit's line."""
    m = re.findall(r"wall_ns=(\d+) cpu_ns=(\d+) maxrss_kb=(\d+)", result.stderr)
    if not m:
        raise RuntimeError("no timeit line from %s:\n%s" % (shlex.join(result.argv), result.stderr[-2000:]))
    return tuple(int(v) for v in m[-1])  # the outermost timeit prints last


def watch_ipctrace(argv, tag, interval=0.05, on_sample=None):
    """Run ipctrace under timeit, polling its BPF objects and RSS until it exits."""
    proc = start(timed(argv), tag)
    ipctrace_pid = None
    peak_maps, peak_maps_total, peak_rss_kb, names = {}, 0, 0, None
    while not exited(proc):
        ipctrace_pid = ipctrace_pid or child_of(proc.pid)
        if not ipctrace_pid:
            time.sleep(0.001)
            continue
        progs, maps = bpf_fds(ipctrace_pid)
        if progs and (names is None or not set(progs) <= set(names["prog"])
                      or not set(maps) <= set(names["map"])):
            names = {"map": bpftool_names("map"), "prog": bpftool_names("prog")}
        if sum(maps.values()) > peak_maps_total:
            peak_maps, peak_maps_total = dict(maps), sum(maps.values())
        try:
            status = open("/proc/%d/status" % ipctrace_pid).read()
            peak_rss_kb = max(peak_rss_kb, int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))
        except (OSError, AttributeError):
            pass
        if on_sample and progs:
            on_sample(time.perf_counter(), progs, ipctrace_pid)
        time.sleep(interval)
    result = finish(proc, argv).check()
    names = names or {"map": {}, "prog": {}}
    maps_named = {names["map"].get(i, str(i)): v for i, v in peak_maps.items()}
    return result, {"maxrss_kb": timeit_report(result)[2], "vmhwm_kb": peak_rss_kb,
                    "maps_memlock": peak_maps_total, "maps": maps_named}, names


def section_memory(mode, timeline_args):
    runs = []
    for label, rounds, extra in (("pingpong pipe", mode.rounds, []),
                                 ("pingpong pipe", mode.rounds * mode.memory_long_factor, []),
                                 ("pingpong pipe, --timeline", mode.rounds, timeline_args)):
        if extra is None:
            continue
        command = [WORKLOAD, "pingpong", "--via", "pipe", "--cpu", str(WORKLOAD_CPU), "--rounds", str(rounds)]
        argv = [IPCTRACE, "run", "-q", *extra, "-o", tmp("memory.json"), "--", *command]
        result, memory, _ = watch_ipctrace(argv, "memory", interval=0.1)
        memory.update(label=label, rounds=rounds, wall_s=result.wall_s)
        runs.append(memory)
        log("memory: %s, %d rounds: max RSS %d KiB, maps %d KiB"
            % (label, rounds, memory["maxrss_kb"], memory["maps_memlock"] // 1024))
    pairs = mode.scale_pairs[-1]
    command = [SCALE_PINGPONG, "--pairs", str(pairs), "--rounds", str(mode.scale_rounds),
               "--cpu", str(WORKLOAD_CPU), "--one-at-a-time"]
    argv = [IPCTRACE, "run", "-q", "-o", tmp("memory.json"), "--", *command]
    result, memory, _ = watch_ipctrace(argv, "memory", interval=0.1)
    memory.update(label="scale-pingpong, %d pairs (%d processes)" % (pairs, 2 * pairs + 1),
                  rounds=mode.scale_rounds, wall_s=result.wall_s)
    runs.append(memory)
    return runs


def section_bpfstats(mode, transports, timeline_args):
    """ns per run of each ipctrace program, kernel.bpf_stats_enabled=1.

    The programs run for every task on the machine (an untraced one returns
    early), so the totals hold other tasks' runs too: the workload runs
    between two idle half-seconds, whose rate is subtracted."""
    try:
        previous = open(BPF_STATS_SYSCTL).read().strip()
    except OSError:
        return {"error": "no %s on this kernel" % BPF_STATS_SYSCTL}
    out = {}
    try:
        open(BPF_STATS_SYSCTL, "w").write("1")
        pingpong = lambda via: [WORKLOAD, "pingpong", "--via", via, "--cpu", str(WORKLOAD_CPU),
                                "--rounds", str(mode.bpfstats_rounds)]
        cases = [(t.via, pingpong(t.via), mode.bpfstats_rounds, []) for t in transports]
        if timeline_args is not None:
            cases.append((transports[0].via + " --timeline", pingpong(transports[0].via),
                          mode.bpfstats_rounds, timeline_args))
        # does a program's cost per run grow with the number of traced processes?
        for pairs in (mode.scale_pairs[0], mode.scale_pairs[-1]):
            cases.append(("scale %d pair%s" % (pairs, "s" if pairs > 1 else ""),
                          [SCALE_PINGPONG, "--pairs", str(pairs), "--rounds", str(mode.scale_rounds),
                           "--cpu", str(WORKLOAD_CPU), "--one-at-a-time"], mode.scale_rounds, []))
        for label, command, rounds, extra in cases:
            out[label] = bpfstats_once(command, rounds, extra)
            log("bpfstats: %s: %.0f ns of BPF per round" % (label, out[label]["bpf_ns_per_round"]))
    finally:
        open(BPF_STATS_SYSCTL, "w").write(previous)
    return out


def bpfstats_once(command, rounds, extra):
    """One traced run of command (which prints one line at its end) between
    two idle half-seconds.

    A program's run_cnt and run_time_ns count every task on the machine;
    an untraced one costs the early return, measured in the idle stretches
    (idle ns/run).  Which runs were the workload's: for sys_enter, sys_exit
    and sched_waking, ipctrace's own summary says how many calls and
    wake-ups it counted, exactly, whatever the machine's other load; for the
    other programs, the idle stretches' rate of runs is subtracted, which a
    busy neighbour makes noisy."""
    output = tmp("bpfstats.stdout.txt")
    if os.path.exists(output):
        os.unlink(output)
    command = "sleep 0.5; %s > %s; sleep 0.5" % (shlex.join(command), shlex.quote(output))
    snapshots = []  # (time, phase, progs): phase 0 before the workload, 1 during, 2 after

    def on_sample(now, progs, ipctrace_pid):
        # only while the command runs: ipctrace's own attach and map reads
        # are syscalls too, and would pass for the machine's idle rate
        if not (attached_children(ipctrace_pid, "sh") or attached_children(ipctrace_pid, "sleep")):
            return
        phase = 0 if not os.path.exists(output) else (2 if os.path.getsize(output) else 1)
        snapshots.append((now, phase, progs))

    json_path = tmp("bpfstats.json")
    argv = [IPCTRACE, "run", "-q", *extra, "-o", json_path, "--", "sh", "-c", command]
    _, _, names = watch_ipctrace(argv, "bpfstats", interval=0.01, on_sample=on_sample)
    before = [s for s in snapshots if s[1] == 0]
    after = [s for s in snapshots if s[1] == 2]
    if len(before) < 2 or len(after) < 2:
        raise RuntimeError("bpfstats: too few snapshots around the workload")
    first, start_snap, end_snap, last = before[0], before[-1], after[0], after[-1]

    summary = json.load(open(json_path))
    mechanisms = summary["mechanisms"].values()
    counted = sum(sc["count"] for m in mechanisms for sc in m.get("syscalls", {}).values())
    known_runs = {"sys_enter": counted, "sys_exit": counted,
                  "sched_waking": sum(m.get("wakeups", {}).get("count", 0) for m in mechanisms)}

    def delta(a, b, prog):
        ta, ca = a[2].get(prog, (0, 0))
        tb, cb = b[2].get(prog, (0, 0))
        return tb - ta, cb - ca

    programs = {}
    idle_s = (start_snap[0] - first[0]) + (last[0] - end_snap[0])
    span = end_snap[0] - start_snap[0]
    for prog in end_snap[2]:
        name = names["prog"].get(prog, str(prog))
        ns, cnt = delta(start_snap, end_snap, prog)
        idle_ns = delta(first, start_snap, prog)[0] + delta(end_snap, last, prog)[0]
        idle_cnt = delta(first, start_snap, prog)[1] + delta(end_snap, last, prog)[1]
        idle_ns_per_run = idle_ns / idle_cnt if idle_cnt else 0
        if name in known_runs and known_runs[name]:
            work_cnt = min(known_runs[name], cnt)
            work_ns = max(0.0, ns - (cnt - work_cnt) * idle_ns_per_run)
        elif idle_s:
            work_cnt = max(0.0, cnt - idle_cnt / idle_s * span)
            work_ns = max(0.0, ns - idle_ns / idle_s * span)
        else:
            work_cnt, work_ns = cnt, ns
        programs[name] = {
            "runs_per_round": work_cnt / rounds,
            "ns_per_run": work_ns / work_cnt if work_cnt >= 1 else None,
            "ns_per_round": work_ns / rounds,
            "runs_from_summary": name in known_runs,
            "window_runs": cnt,
            "window_ns": ns,
            "idle_runs_per_s": idle_cnt / idle_s if idle_s else None,
            "idle_ns_per_run": idle_ns_per_run or None,
        }
    return {"rounds": rounds, "programs": programs, "window_s": span,
            "bpf_ns_per_round": sum(p["ns_per_round"] for p in programs.values())}


# ---- the machine -------------------------------------------------------------

def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""
    return {
        "kernel": os.uname().release,
        "cpu": sh("lscpu | sed -n 's/^Model name: *//p' | head -1"),
        "nproc": os.cpu_count(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "virtual": " hypervisor" in open("/proc/cpuinfo").read(),
        "versions": {
            "ipctrace": sh(IPCTRACE + " --version"),
            "strace": sh("strace -V | head -1"),
            "perf": sh("perf --version"),
            "bpftrace": sh("bpftrace --version"),
        },
    }


def busy_neighbours():
    """Load average and other tracers' BPF programs: both skew a benchmark,
    and a shared machine has both."""
    load = open("/proc/loadavg").read().split()[:3]
    progs = bpftool_names("prog")
    return {"loadavg": " ".join(load), "bpf_programs": len(progs)}


def wait_for_quiet(minutes):
    deadline = time.time() + minutes * 60
    while time.time() < deadline:
        load = float(open("/proc/loadavg").read().split()[0])
        if load < 1.5:
            return
        log("bench: load average %.1f, waiting for a quieter machine" % load)
        time.sleep(30)


# ---- the report ----------------------------------------------------------------

def fmt_ratio(value):
    return "—" if value is None else "%.2fx" % value


def fmt_us(ns):
    return "—" if ns is None else "%.1f µs" % (ns / 1000)


def verdict(ok):
    return "**met**" if ok else "**missed**"


def report(mode, results, tracers, transports):
    lines = []
    add = lines.append
    m = results["machine"]
    add("# ipctrace benchmarks")
    add("")
    add("Generated by `%s` on the machine below; do not edit by hand. `make bench` (as root) "
        "runs the full suite in about 15 minutes and rewrites this file; `make bench "
        "BENCH_ARGS=--quick` is a smoke run of every section (< 2 minutes, report in "
        "build/bench/). Raw samples: `build/bench/results.json`; `bench/run.py --report-only` "
        "renders them again." % ("bench/run.py --quick" if mode.name == "quick" else "make bench"))
    add("")
    add("| machine | |")
    add("| --- | --- |")
    add("| date | %s |" % m["date"])
    add("| kernel | %s |" % m["kernel"])
    add("| CPU | %s, %s CPUs%s |" % (m["cpu"], m["nproc"], ", virtual machine" if m["virtual"] else ""))
    add("| tools | %s |" % "; ".join(v for v in m["versions"].values() if v))
    add("| load average, start / end | %s / %s |" % (results["neighbours_start"]["loadavg"],
                                                   results["neighbours_end"]["loadavg"]))
    add("| BPF programs loaded by others at start | %d |" % results["neighbours_start"]["bpf_programs"])
    add("| mode | %s: %d rounds per ping-pong (strace: %d), %d paired repetitions |"
        % (mode.name, mode.rounds, mode.rounds // mode.strace_divisor, mode.repetitions))
    add("")
    add("Workloads run on CPU %d (both ends of every ping-pong), the tracers on CPU %d. Each "
        "repetition runs every variant once, in rotated order; a slowdown is the median over "
        "repetitions of the variant's time over the baseline's time in the same repetition. "
        "Ping-pong times are the workload's own timed loop (`ns_per_round`), not start-up."
        % (WORKLOAD_CPU, TRACER_CPU))
    add("")
    targets = []  # (target, measured, ok)

    if "pingpong" in results:
        pp = results["pingpong"]
        add("## 1. Ping-pong: slowdown of the timed loop")
        add("")
        add("Median slowdown (median time per round trip). Targets: ipctrace ≤ %.1fx on pipe, "
            "socketpair, mq and signal%s; futex is judged on counts only (a tracer changes how "
            "often a waiter finds the token already back)."
            % (TARGET_SLOWDOWN, ", `--timeline` ≤ %.1fx with no lost event" % TARGET_TIMELINE_SLOWDOWN))
        add("")
        add("| transport | " + " | ".join(tr.label for tr in tracers) + " |")
        add("| --- | " + " | ".join("---" for _ in tracers) + " |")
        for t in transports:
            per = pp["samples"][t.via]
            base = [s["ns_per_round"] for s in per["baseline"]]
            cells = []
            for tr in tracers:
                values = [s["ns_per_round"] for s in per[tr.name]]
                if tr.name == "baseline":
                    cells.append(fmt_us(median(values)))
                    continue
                ratio = median(paired_ratios(values, base))
                cells.append("%s (%s)" % (fmt_ratio(ratio), fmt_us(median(values))))
                if tr.name == "ipctrace" and t.timed_target:
                    targets.append(("1. slowdown ≤ %.1fx, %s" % (TARGET_SLOWDOWN, t.via), fmt_ratio(ratio),
                                    ratio is not None and ratio <= TARGET_SLOWDOWN))
                if tr.name == "timeline" and t.timed_target:
                    lost = sum(s.get("lost_events", 0) for s in per[tr.name])
                    targets.append(("1. `--timeline` ≤ %.1fx, 0 lost, %s" % (TARGET_TIMELINE_SLOWDOWN, t.via),
                                    "%s, %d lost" % (fmt_ratio(ratio), lost),
                                    ratio is not None and ratio <= TARGET_TIMELINE_SLOWDOWN and lost == 0))
            add("| %s | %s |" % (t.via, " | ".join(cells)))
        if not any(tr.name == "timeline" for tr in tracers):
            add("")
            add("`ipctrace run --timeline` does not exist yet in this build: no timeline column.")
            targets.append(("1. `--timeline` ≤ %.1fx, 0 lost" % TARGET_TIMELINE_SLOWDOWN,
                            "not measured: no `--timeline` in this build", None))
        add("")
        spreads = []
        for t in transports:
            ratios = paired_ratios([s["ns_per_round"] for s in pp["samples"][t.via]["ipctrace"]],
                                   [s["ns_per_round"] for s in pp["samples"][t.via]["baseline"]])
            if ratios:
                spreads.append("%s %s–%s" % (t.via, fmt_ratio(min(ratios)), fmt_ratio(max(ratios))))
        add("Spread of ipctrace's paired ratios (min–max): " + ", ".join(spreads) + ".")
        add("")

    if "startstop" in results:
        ss = results["startstop"]["wall_ms"]
        add("## 2. Start plus stop: tracing /bin/true")
        add("")
        add("Median wall time of the whole command, and the median paired difference from plain "
            "`/bin/true`. Target: ipctrace < %d ms. Measured first, on a rested machine: after "
            "minutes of full load (the other sections) this VM's CPUs are slower and every tool "
            "here takes longer to start and stop (seen: 10-30%%, ipctrace and perf trace alike)."
            % TARGET_STARTSTOP_MS)
        add("")
        add("| | " + " | ".join(tr.label for tr in tracers) + " |")
        add("| --- | " + " | ".join("---" for _ in tracers) + " |")
        add("| wall time | " + " | ".join("%.1f ms" % median(ss[tr.name]) for tr in tracers) + " |")
        diffs = {tr.name: median([a - b for a, b in zip(ss[tr.name], ss["baseline"])]) for tr in tracers}
        add("| start + stop cost | " + " | ".join(
            "—" if tr.name == "baseline" else "%.1f ms" % diffs[tr.name] for tr in tracers) + " |")
        spread = {tr.name: [a - b for a, b in zip(ss[tr.name], ss["baseline"])] for tr in tracers}
        add("| its spread, min–max | " + " | ".join(
            "—" if tr.name == "baseline" else "%.1f–%.1f ms" % (min(spread[tr.name]), max(spread[tr.name]))
            for tr in tracers) + " |")
        cpu = results["startstop"]["cpu_ms"]
        add("| its CPU time, user + sys | " + " | ".join(
            "%.0f + %.0f ms" % (median([c[0] for c in cpu[tr.name]]), median([c[1] for c in cpu[tr.name]]))
            for tr in tracers) + " |")
        add("")
        targets.append(("2. start + stop < %d ms" % TARGET_STARTSTOP_MS, "%.1f ms" % diffs["ipctrace"],
                        diffs["ipctrace"] < TARGET_STARTSTOP_MS))
        if "timeline" in diffs:
            targets.append(("2. start + stop < %d ms, `--timeline`" % TARGET_STARTSTOP_MS,
                            "%.1f ms" % diffs["timeline"], diffs["timeline"] < TARGET_STARTSTOP_MS))

    if "pipepi" in results:
        pw = results["pipepi"]["wall_ms"]
        add("## 3. A compute-heavy workload: pipe-pi, default n")
        add("")
        add("`ipctrace-workload pipe-pi` (10 children, n = 10,000,000) pinned to CPU %d, timed by "
            "`bench/timeit` inside the tracer (the tracer's own start and stop are section 2). "
            "Target: ≤ %.2fx." % (WORKLOAD_CPU, TARGET_PIPEPI_SLOWDOWN))
        add("")
        add("Besides the target's median of paired wall-time ratios: the ratio of the fastest "
            "runs (other jobs on the machine only ever add time), and the workload's CPU time "
            "(user + system of pipe-pi and its children: ipctrace's programs run in the traced "
            "tasks and are charged to them, while other jobs are not).")
        add("")
        pc = results["pipepi"]["cpu_ms"]
        add("| | median wall | slowdown (paired) | fastest runs | CPU time | CPU-time slowdown (paired) |")
        add("| --- | --- | --- | --- | --- | --- |")
        for name, walls in pw.items():
            ratio = median(paired_ratios(walls, pw["baseline"]))
            if name == "baseline":
                add("| %s | %.1f ms | — | %.1f ms | %.1f ms | — |" % (name, median(walls), min(walls), median(pc[name])))
                continue
            add("| %s | %.1f ms | %s | %s | %.1f ms | %s |" % (
                name, median(walls), fmt_ratio(ratio), fmt_ratio(min(walls) / min(pw["baseline"])),
                median(pc[name]), fmt_ratio(median(paired_ratios(pc[name], pc["baseline"])))))
            if name == "ipctrace":
                targets.append(("3. pipe-pi ≤ %.2fx" % TARGET_PIPEPI_SLOWDOWN, fmt_ratio(ratio),
                                ratio <= TARGET_PIPEPI_SLOWDOWN))
        add("")

    if "pingpong" in results:
        pp = results["pingpong"]
        add("## 4. Exact counts at full speed")
        add("")
        add("The loop's calls per round trip (user/workloads/pingpong.c): pipe and socketpair "
            "write 2 + read 2; mq mq_timedsend 2 + mq_timedreceive 2; msg msgsnd 2 + msgrcv 2; "
            "signal kill 2 + rt_sigtimedwait 2; futex FUTEX_WAKE 2 (its WAITs vary). ipctrace "
            "counts per mechanism, so the one write of the result to stdout (a file here) is not "
            "among the pipe's writes; the tools that count by syscall name see it (+1). A cell "
            "says in how many runs every count was exact; for a miss, the worst run's counts. "
            "strace runs 1/%d of the rounds." % mode.strace_divisor)
        add("")
        counted = [tr for tr in tracers if tr.read_counts]
        add("| transport | expected per run | " + " | ".join(tr.label for tr in counted) + " |")
        add("| --- | --- | " + " | ".join("---" for _ in counted) + " |")
        all_exact = True
        for t in transports:
            per = pp["samples"][t.via]
            expected = ", ".join("%s %d×R" % (n, k) for n, k in t.per_round.items())
            if t.via == "futex":
                expected = "FUTEX_WAKE 2×R (ipctrace); by name: no exact count"
            cells = []
            for tr in counted:
                runs = per[tr.name]
                bad = []
                for s in runs:
                    want = {n: expected_count(t, tr, n, s["rounds"]) for n in t.per_round}
                    if any(w is not None and s["counts"].get(n) != w for n, w in want.items()):
                        bad.append((s, want))
                if all(w is None for w in (expected_count(t, tr, n, 1) for n in t.per_round)):
                    cells.append("%s (R = %d)" % (", ".join("%s %d" % kv for kv in runs[0]["counts"].items()),
                                                  runs[0]["rounds"]))
                    continue
                lost = sum(s.get("lost_events", 0) for s in runs)
                cell = "exact %d/%d" % (len(runs) - len(bad), len(runs))
                if bad:
                    s, want = max(bad, key=lambda b: sum(abs(b[0]["counts"][n] - (b[1][n] or 0)) for n in b[1]))
                    cell += ": %s" % ", ".join("%s %d of %d" % (n, s["counts"][n], want[n]) for n in want)
                if lost and tr.name == "perf":
                    cell += "; LOST %d events" % lost
                if tr.name == "ipctrace":
                    all_exact = all_exact and not bad
                cells.append(cell)
            add("| %s | %s | %s |" % (t.via, expected, " | ".join(cells)))
        add("")
        n_runs = mode.repetitions * len(transports)
        targets.append(("4. exact counts at full speed (ipctrace)",
                        "exact in all %d runs" % n_runs if all_exact else "not exact in every run", all_exact))

    if "scale" in results:
        sc = results["scale"]
        add("## 5. Scale: the same work over more processes")
        add("")
        add("`bench/scale-pingpong`: %d pipe round trips in all, split over N pairs (2N + 1 "
            "processes, all traced), all on CPU %d. *one-at-a-time*: a baton lets one pair run at a "
            "time while the others wait, so only the number of traced processes grows "
            "(*concurrent*, all pairs at once, is scale_pingpong's default and off here: at 1000 "
            "pairs every switch goes to a cold process and a run takes a minute). The clock excludes "
            "forks and exits, not the copy-on-write page faults of each process's first moves "
            "(ipctrace's page_fault_user program runs on each). Overhead per round trip = "
            "paired ipctrace − baseline (a round trip is 4 traced syscalls, 1 or 2 wake-ups and 2 "
            "context switches). Target: the overhead does "
            "not grow with N (here: at N = 1000 within %.2fx of N = 1, + 0.5 µs)." % (mode.scale_rounds, WORKLOAD_CPU,
                                                                 SCALE_GROWTH_TOLERANCE))
        add("")
        add("| layout | pairs | baseline | ipctrace | slowdown | overhead per round trip "
            "(min–max) | counts exact | ipctrace max RSS |")
        add("| --- | --- | --- | --- | --- | --- | --- | --- |")
        overheads = {}
        for key, r in sc.items():
            diffs = [a - b for a, b in zip(r["ipctrace"], r["baseline"])]
            overhead = median(diffs)
            overheads.setdefault(r["layout"], {})[r["pairs"]] = overhead
            add("| %s | %d | %s | %s | %s | %s | %d/%d%s | %d KiB |" % (
                r["layout"], r["pairs"], fmt_us(median(r["baseline"])), fmt_us(median(r["ipctrace"])),
                fmt_ratio(median(paired_ratios(r["ipctrace"], r["baseline"]))),
                "%.0f ns (%.0f–%.0f)" % (overhead, min(diffs), max(diffs)), sum(r["exact"]), len(r["exact"]),
                "" if not any(r["drops"]) else ", drops %s" % r["drops"], max(r["maxrss_kb"])))
        add("")
        for layout, by_pairs in overheads.items():
            one = by_pairs.get(1)
            most = by_pairs[max(by_pairs)] if len(by_pairs) > 1 else None
            if one is not None and most is not None:
                ok = most <= max(one, 0) * SCALE_GROWTH_TOLERANCE + 500  # + 0.5 µs: timer noise
                targets.append(("5. overhead per event flat in N (%s)" % layout,
                                ", ".join("N=%d %.0f ns" % kv for kv in sorted(by_pairs.items())), ok))

    if "untraced" in results:
        un = results["untraced"]
        add("## 5b. Untraced processes while ipctrace traces something else")
        add("")
        add("An untraced ping-pong (not a descendant of ipctrace) alone, and while `ipctrace run -- "
            "sleep 3600` runs: it pays only the programs' early return. Target: ≤ %.2fx."
            % TARGET_UNTRACED_SLOWDOWN)
        add("")
        add("| transport | alone | beside ipctrace | slowdown (paired) |")
        add("| --- | --- | --- | --- |")
        for via, s in un.items():
            ratio = median(paired_ratios(s["beside_ipctrace"], s["alone"]))
            add("| %s | %s | %s | %s |" % (via, fmt_us(median(s["alone"])), fmt_us(median(s["beside_ipctrace"])),
                                           fmt_ratio(ratio)))
            targets.append(("5. untraced ≤ %.2fx, %s" % (TARGET_UNTRACED_SLOWDOWN, via), fmt_ratio(ratio),
                            ratio <= TARGET_UNTRACED_SLOWDOWN))
        add("")

    if "memory" in results:
        mem = results["memory"]
        add("## 6. Memory")
        add("")
        add("ipctrace's own peak RSS (wait4's ru_maxrss through `bench/timeit`: the max of "
            "ipctrace and the workload it runs, a static binary of about 1 MiB), its VmHWM polled "
            "every 0.1 s (misses the last moments, when the summary is built), and the memory of "
            "its BPF maps (`memlock` of each map fd in /proc/PID/fdinfo, peak while it runs).")
        add("")
        add("| run | rounds | duration | ipctrace max RSS | VmHWM polled | BPF maps | largest maps |")
        add("| --- | --- | --- | --- | --- | --- | --- |")
        for r in mem:
            largest = sorted(r["maps"].items(), key=lambda kv: -kv[1])[:3]
            add("| %s | %d | %.1f s | %d KiB | %d KiB | %d KiB | %s |" % (
                r["label"], r["rounds"], r["wall_s"], r["maxrss_kb"], r["vmhwm_kb"], r["maps_memlock"] // 1024,
                ", ".join("%s %d KiB" % (n, v // 1024) for n, v in largest)))
        add("")
        short, long_ = mem[0], mem[1]
        bounded = (long_["maxrss_kb"] <= short["maxrss_kb"] * 1.1 + 1024 and
                   long_["maps_memlock"] <= short["maps_memlock"] * 1.1 + 65536)
        targets.append(("6. memory bounded whatever the run length",
                        "RSS %d → %d KiB, maps %d → %d KiB for %dx the rounds" % (
                            short["maxrss_kb"], long_["maxrss_kb"], short["maps_memlock"] // 1024,
                            long_["maps_memlock"] // 1024, mode.memory_long_factor), bounded))

    if "bpfstats" in results:
        bs = results["bpfstats"]
        add("## 7. BPF self-cost (kernel.bpf_stats_enabled)")
        add("")
        if "error" in bs:
            add(bs["error"])
        else:
            add("Per program: the workload's runs per round trip and ns per run. The programs "
                "also run, and return early, for every other task on the machine (*idle ns/run*: "
                "that early return, measured in the half-seconds around the workload). The "
                "workload's own runs of sys_enter, sys_exit and sched_waking are the calls and "
                "wake-ups in ipctrace's summary (exact); for the other programs, the idle "
                "stretches' rate is subtracted, which a busy machine makes noisy. run_time_ns "
                "covers the program body, not the trampoline that calls it. %d "
                "rounds per transport; the scale cases are section 5's runs, forks, exits and "
                "first-touch page faults included." % next(iter(bs.values()))["rounds"])
            add("")
            progs = sorted({p for case in bs.values() for p in case["programs"]})
            add("| program | " + " | ".join("%s: runs/round, ns/run" % case for case in bs) +
                " | idle ns/run |")
            add("| --- | " + " | ".join("---" for _ in bs) + " | --- |")
            for prog in progs:
                cells, idle = [], []
                for case in bs.values():
                    p = case["programs"].get(prog)
                    if not p:
                        cells.append("—")
                        continue
                    cells.append("%.2f × %s" % (p["runs_per_round"], "—" if p["ns_per_run"] is None
                                                 else "%.0f ns" % p["ns_per_run"]))
                    if p["idle_ns_per_run"]:
                        idle.append(p["idle_ns_per_run"])
                add("| %s | %s | %s |" % (prog, " | ".join(cells), "%.0f ns" % median(idle) if idle else "—"))
            add("| **BPF ns per round trip** | " + " | ".join("**%.0f ns**" % c["bpf_ns_per_round"]
                                                            for c in bs.values()) + " | |")
            if "pingpong" in results:
                pp = results["pingpong"]["samples"]
                cells = []
                for case in bs:
                    via = case.split()[0]
                    tracer = "timeline" if "--timeline" in case else "ipctrace"
                    if via in pp and tracer in pp[via] and pp[via][tracer]:
                        cells.append("%.0f ns" % median([a["ns_per_round"] - b["ns_per_round"] for a, b in
                                                         zip(pp[via][tracer], pp[via]["baseline"])]))
                    else:
                        cells.append("—")
                add("| measured overhead per round trip (section 1) | " + " | ".join(cells) + " | |")
        add("")

    add("## Targets")
    add("")
    add("| target | measured | |")
    add("| --- | --- | --- |")
    for target, measured, ok in targets:
        add("| %s | %s | %s |" % (target, measured, "not measured" if ok is None else verdict(ok)))
    add("")
    return "\n".join(lines)


# ---- set-up ----------------------------------------------------------------------

def setup(args):
    if os.geteuid() != 0:
        sys.exit("bench: BPF tracing needs root: run as root (sudo make bench)")
    if not args.no_install:
        subprocess.run([os.path.join(REPO, "tests", "install-deps.sh"), "linux-perf", "bpftrace"], check=True)
    if subprocess.run(["make", "-s", "-C", REPO, "all"]).returncode != 0:
        if not (os.path.exists(BUILT_IPCTRACE) and os.path.exists(BUILT_WORKLOAD)):
            sys.exit("bench: make failed and there is no earlier build to measure")
        log("bench: WARNING: make failed; measuring the earlier build in build/")
    global WORK, TMP, IPCTRACE, WORKLOAD, SCALE_PINGPONG, TIMEIT
    WORK = tempfile.mkdtemp(prefix="ipctrace-bench.")
    atexit.register(shutil.rmtree, WORK, True)
    TMP = os.path.join(WORK, "tmp")
    os.makedirs(TMP)
    IPCTRACE = shutil.copy2(BUILT_IPCTRACE, os.path.join(WORK, "ipctrace"))
    WORKLOAD = shutil.copy2(BUILT_WORKLOAD, os.path.join(WORK, "ipctrace-workload"))
    SCALE_PINGPONG = os.path.join(WORK, "scale-pingpong")
    TIMEIT = os.path.join(WORK, "timeit")
    for source, binary in (("scale_pingpong.c", SCALE_PINGPONG), ("timeit.c", TIMEIT)):
        subprocess.run(["cc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", binary,
                        os.path.join(REPO, "bench", source)], check=True)
    SYSCALL_NAMES.update(syscall_numbers())
    if os.cpu_count() > TRACER_CPU:
        os.sched_setaffinity(0, {TRACER_CPU})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.split("\n")[1:]))
    parser.add_argument("--quick", action="store_true", help="a smoke run (< 2 min), not written to BENCHMARKS.md")
    parser.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--transports", help="comma-separated --via values (default: all six)")
    parser.add_argument("--output", help="the Markdown report (default: BENCHMARKS.md, "
                                         "build/bench/BENCHMARKS-quick.md with --quick)")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get missing tools")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: render build/bench/results.json again "
                             "(results-quick.json with --quick)")
    parser.add_argument("--wait-for-quiet", type=float, default=0, metavar="MINUTES",
                        help="first wait up to MINUTES for a 1-minute load average below 1.5 "
                             "(a shared machine's other jobs skew every number)")
    args = parser.parse_args()
    mode = MODES["quick" if args.quick else "full"]
    sections = args.only.split(",") if args.only else list(SECTIONS)
    for s in sections:
        if s not in SECTIONS:
            parser.error("unknown section %s (sections: %s)" % (s, ", ".join(SECTIONS)))
    transports = TRANSPORTS
    if args.transports:
        transports = [t for t in TRANSPORTS if t.via in args.transports.split(",")]
    output = args.output or (os.path.join(OUT, "BENCHMARKS-quick.md") if args.quick else BENCHMARKS_MD)

    if args.report_only:
        results = json.load(open(results_path(mode)))
        mode = MODES[results["mode"]]
        if not args.output and mode.name == "quick":
            output = os.path.join(OUT, "BENCHMARKS-quick.md")
        measured = results.get("pingpong", {}).get("tracers") or ["timeline"]
        tracers = make_tracers(mode, [] if "timeline" in measured else None)
        transports = [t for t in TRANSPORTS if t.via in results.get("pingpong", {}).get("samples", {})] or TRANSPORTS
        write_report(mode, results, tracers, transports, output)
        return

    setup(args)
    wait_for_quiet(args.wait_for_quiet)
    timeline_args = timeline_option()
    tracers = make_tracers(mode, timeline_args)
    log("bench: %s mode, sections %s, timeline %s" % (mode.name, ",".join(sections),
                                                        "on" if timeline_args else "absent"))
    results = {"mode": mode.name, "machine": machine(), "neighbours_start": busy_neighbours()}
    began = time.time()
    results["section_s"] = {}
    runners = {
        "pingpong": lambda: section_pingpong(mode, tracers, transports),
        "startstop": lambda: section_startstop(mode, tracers),
        "pipepi": lambda: section_pipepi(mode, tracers),
        "scale": lambda: section_scale(mode),
        "untraced": lambda: section_untraced(mode, transports),
        "memory": lambda: section_memory(mode, timeline_args),
        "bpfstats": lambda: section_bpfstats(mode, transports, timeline_args),
    }
    for section in SECTIONS:
        if section in sections:
            section_began = time.time()
            results[section] = runners[section]()
            results["section_s"][section] = time.time() - section_began
            log("bench: %s took %.0f s" % (section, results["section_s"][section]))
    results["neighbours_end"] = busy_neighbours()
    results["elapsed_s"] = time.time() - began
    os.makedirs(OUT, exist_ok=True)
    with open(results_path(mode), "w") as f:
        json.dump(results, f, indent=1)

    write_report(mode, results, tracers, transports, output)
    log("bench: %.0f s" % results["elapsed_s"])


def results_path(mode):
    return os.path.join(OUT, "results.json" if mode.name == "full" else "results-quick.json")


def write_report(mode, results, tracers, transports, output):
    text = report(mode, results, tracers, transports)
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w") as f:
        f.write(text + "\n")
    print(text)
    log("bench: report in %s" % os.path.relpath(output, REPO))


if __name__ == "__main__":
    main()
