#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""No hidden install step: every program the build and the tests execute, and
every Python module the tests import, belongs to a Debian package that
tests/install-deps.sh names (or that one of those depends on, or that every
Debian system has: Essential or Priority required).

CI runs on the machine that submitted, where hand-installed packages are
still there; on a bare machine only install-deps.sh installs anything.  This
check resolves each program and module with `dpkg -S` and fails, naming
them, if its package would be missing there.

Programs are found in the test sources (Python AST): the first word of a
subprocess argv list, the word after "--" (a command ipctrace runs), the
first word of a `sh -c` script, shutil.which("NAME"); plus BUILD_PROGRAMS and
SHELL_PROGRAMS below, which no AST shows.  Run after install-deps.sh.
"""
from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEST_DIRS = [REPO / "tests" / "e2e", REPO / "tests" / "faults"]

# what `make` and `make test` run (Makefile)
BUILD_PROGRAMS = ["make", "cc", "gcc", "clang", "llc", "bpftool", "pkg-config", "/usr/bin/python3",
                  "llvm-strip"]
# what the tests' shell snippets run (strings the AST cannot split reliably)
SHELL_PROGRAMS = ["sh", "awk", "sort", "grep", "umount", "mount", "mountpoint", "unshare",
                  "cat", "seq", "uniq", "wc", "sleep", "true", "env", "mktemp", "ls", "rm",
                  "yes", "head", "dpkg", "dpkg-query", "apt-get"]
# what tests run through a name the AST cannot follow (a module constant,
# a list spread into argv): test_serve.py's Prometheus, promtool, setpriv,
# and the shell it copies under another name
CONSTANT_PROGRAMS = ["/usr/bin/prometheus", "/usr/bin/promtool", "setpriv", "systemd-analyze",
                     "/bin/sh"]
SHELL_WORDS = {"for", "while", "if", "case", "read", "exec", "cd", "set", "!", "{", "(", "echo",
               "exit", "trap", "wait", "kill"}


def programs_in_tests() -> dict[str, str]:
    """{program: where it was seen}"""
    found: dict[str, str] = {}

    def add(word, where):
        if isinstance(word, str) and re.fullmatch(r"[\w./+-]+", word) and not word.startswith("-"):
            found.setdefault(word, where)

    for directory in TEST_DIRS:
        for path in sorted(directory.glob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', '?')}"
                if isinstance(node, (ast.List, ast.Tuple)):
                    words = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
                    if words and isinstance(words[0], str) and _is_call_argv(node, tree):
                        add(words[0], where)
                    for i, word in enumerate(words[:-1]):
                        if word == "--":
                            add(words[i + 1], where)
                        if word == "-c" and i > 0 and words[i - 1] in ("sh", "bash") \
                                and isinstance(words[i + 1], str):
                            first = words[i + 1].split()
                            if first and first[0] not in SHELL_WORDS:
                                add(first[0], where)
                if isinstance(node, ast.Call) and _name(node.func) == "shutil.which" and node.args \
                        and isinstance(node.args[0], ast.Constant):
                    add(node.args[0].value, where)
    return found


def _name(func) -> str:
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return func.id if isinstance(func, ast.Name) else ""


_CALLS = {"subprocess.run", "subprocess.Popen", "subprocess.check_output", "subprocess.check_call",
          "subprocess.call"}


def _is_call_argv(node, tree) -> bool:
    """node is the first argument of a subprocess call"""
    for parent in ast.walk(tree):
        if isinstance(parent, ast.Call) and _name(parent.func) in _CALLS and parent.args \
                and parent.args[0] is node:
            return True
    return False


def modules_in_tests() -> dict[str, str]:
    """Modules the tests import, but those tried under `except ImportError`."""
    local = {p.stem for d in TEST_DIRS for p in d.glob("*.py")}
    found: dict[str, str] = {}
    for directory in TEST_DIRS:
        for path in sorted(directory.glob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            optional = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try)
                        and any("ImportError" in ast.dump(h.type) for h in t.handlers if h.type)
                        for b in t.body for n in ast.walk(b)}
            for node in ast.walk(tree):
                if id(node) in optional:
                    continue
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in local and top != "__future__":
                        found.setdefault(top, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def named_packages() -> set[str]:
    """The package lists of tests/install-deps.sh (its packages= and on_demand= words)."""
    text = (REPO / "tests" / "install-deps.sh").read_text()
    names = set()
    for variable in ("packages", "on_demand"):
        m = re.search(rf'^{variable}="([^"]*)"', text, re.M)
        if not m:
            sys.exit(f"check-deps: no {variable}=\"...\" in tests/install-deps.sh")
        names |= set(m.group(1).replace("\\\n", " ").split())
    return names


def dpkg_field(package: str, field: str) -> str:
    return subprocess.run(["dpkg-query", "-W", "-f", f"${{{field}}}", package], capture_output=True,
                          text=True).stdout.strip()


def with_dependencies(packages: set[str]) -> set[str]:
    """packages and, recursively, what they depend on (installed ones)"""
    seen, todo = set(), list(packages)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        depends = dpkg_field(p, "Depends") + "," + dpkg_field(p, "Pre-Depends")
        for clause in depends.split(","):
            for alternative in clause.split("|"):
                name = alternative.strip().split(" ")[0].split(":")[0]
                if name and dpkg_field(name, "Status").endswith("installed"):
                    todo.append(name)
    return seen


def owner(path: str) -> str | None:
    """The package holding path (tried as given, resolved, and across /usr-merge)."""
    candidates = [path, os.path.realpath(path)]
    for c in list(candidates):
        if c.startswith("/usr/"):
            candidates.append(c[4:])
        else:
            candidates.append("/usr" + c)
    for c in candidates:
        out = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            if out.returncode == 0 and not line.startswith("diversion by"):
                return line.split(":")[0].split(",")[0].strip()
    return None


def main() -> int:
    if not shutil.which("dpkg"):
        print("check-deps: not a Debian system (no dpkg)", file=sys.stderr)
        return 1
    named = named_packages()
    allowed = with_dependencies(named)
    wanted = {p: "Makefile" for p in BUILD_PROGRAMS}
    wanted.update({p: "a test's shell script" for p in SHELL_PROGRAMS})
    wanted.update({p: "tests/e2e/test_serve.py" for p in CONSTANT_PROGRAMS})
    wanted.update(programs_in_tests())
    failures = []
    checked = 0
    for program, where in sorted(wanted.items()):
        if "/" in program and not program.startswith("/"):
            continue  # a path of the build tree, not a program from a package
        path = program if program.startswith("/") else shutil.which(program)
        if program.startswith("/") and not os.path.exists(program):
            continue  # a test's own missing-file case
        if not path:
            if program in ("chromium",):  # installed on demand by its test, through install-deps.sh
                continue
            if program.startswith("no-such"):
                continue
            failures.append(f"{program} ({where}): not installed")
            continue
        package = owner(path)
        checked += 1
        if package is None:
            if path.startswith(str(REPO)):
                continue
            failures.append(f"{program} ({where}): {path} belongs to no Debian package")
        elif package in allowed:
            print(f"check-deps: {program:12} {package}")
        elif dpkg_field(package, "Essential") == "yes" or dpkg_field(package, "Priority") == "required":
            print(f"check-deps: {program:12} {package} (on every Debian system)")
        else:
            failures.append(f"{program} ({where}): package {package} is not in tests/install-deps.sh")
    for module, where in sorted(modules_in_tests().items()):
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin:
            failures.append(f"python module {module} ({where}): not installed for {sys.executable}")
            continue
        package = owner(spec.origin)
        checked += 1
        if package in allowed:
            print(f"check-deps: python3 -m {module:6} {package}")
        else:
            failures.append(f"python module {module} ({where}): {spec.origin} from "
                            f"{package or 'no Debian package'}, not in tests/install-deps.sh")
    for f in failures:
        print(f"check-deps: FAIL {f}", file=sys.stderr)
    print(f"check-deps: {checked} programs and modules resolved, {len(failures)} not installed "
          f"by tests/install-deps.sh")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
