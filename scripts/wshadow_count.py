#!/usr/bin/env python3
"""Counts the -Wshadow warnings of the project's own C++ files, without a build.

Re-runs every compile command of a gcc build folder (compile_commands.json) as
-fsyntax-only with -Wshadow and without -Werror, two at a time, and prints each
distinct warning (a header's is counted once, whichever file includes it) and
the total. WV_WSHADOW=ON turns -Wshadow on for real once the count is 0.

usage: wshadow_count.py BUILD_DIR [JOBS]
"""
import concurrent.futures
import json
import pathlib
import re
import shlex
import subprocess
import sys

build = pathlib.Path(sys.argv[1]).resolve()
jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
source = build.parent
commands = json.loads((build / "compile_commands.json").read_text())


def check(entry):
    args = shlex.split(entry["command"]) if "command" in entry else entry["arguments"]
    args = [a for a in args if a != "-Werror"]
    if "-o" in args:
        i = args.index("-o")
        del args[i:i + 2]
    # ccache launcher (cmake -E env ... ccache) first: run the compiler itself.
    while args and not re.search(r"(^|/)(c\+\+|g\+\+|gcc|cc|clang\+\+|clang)(-[0-9]+)?$", args[0]):
        args.pop(0)
    args += ["-fsyntax-only", "-Wshadow"]
    proc = subprocess.run(args, cwd=entry["directory"], capture_output=True, text=True)
    return proc.stderr


warnings = set()
with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
    for err in pool.map(check, commands):
        for line in err.splitlines():
            m = re.match(r"^(.*?):(\d+):(\d+): warning: (.*\[-Wshadow.*\])$", line)
            if m:
                path = pathlib.Path(m.group(1))
                path = path if path.is_absolute() else build / path
                try:
                    rel = path.resolve().relative_to(source)
                except ValueError:
                    continue  # a system header
                warnings.add(f"{rel}:{m.group(2)}:{m.group(3)}: {m.group(4)}")

for w in sorted(warnings):
    print(w)
files = {w.split(":")[0] for w in warnings}
print(f"wshadow: {len(warnings)} distinct -Wshadow warnings in {len(files)} files")
