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


failed = []


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
    if proc.returncode != 0:
        failed.append(entry["file"])
    return proc.stderr


def relative(name):
    path = pathlib.Path(name)
    path = path if path.is_absolute() else build / path
    try:
        return str(path.resolve().relative_to(source))
    except ValueError:
        return None  # a system header


# A warning is keyed by where it is, and, for one inside a macro, by the line
# that expanded the macro (the first "in expansion of macro" note after it).
warnings = set()
with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
    for err in pool.map(check, commands):
        current = None
        for line in err.splitlines() + [""]:
            w = re.match(r"^(.*?):(\d+):(\d+): warning: (.*\[-Wshadow.*\])$", line)
            n = re.match(r"^(.*?):(\d+):(\d+):\s+note: in expansion of macro", line)
            if n and current and current[1] is None:
                rel = relative(n.group(1))
                current = (current[0], f"{rel}:{n.group(2)}" if rel else "?")
                continue
            if w or not line.startswith(" ") and not n:
                if current:
                    warnings.add(current[0] + (f" (expanded at {current[1]})" if current[1] else ""))
                current = None
            if w:
                rel = relative(w.group(1))
                if rel:
                    current = (f"{rel}:{w.group(2)}:{w.group(3)}: {w.group(4)}", None)

for w in sorted(warnings):
    print(w)
files = {w.split(":")[0] for w in warnings}
if failed:
    print(f"wshadow: {len(failed)} files did not compile, so were not counted:", *failed)
    sys.exit(1)
print(f"wshadow: {len(commands)} files; {len(warnings)} distinct -Wshadow warnings (a macro's counted per expansion)")
