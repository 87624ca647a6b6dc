"""Shared fixtures for the end-to-end tests: the wordviews binary and ways to run it,
and helpers the test files share (import them: `from conftest import snapshot`)."""
import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
REPO_ROOT = REPO


@pytest.fixture(scope="session")
def wv_bin():
    """Path of the wordviews binary: $WV_BIN, else build/bin/wordviews."""
    path = pathlib.Path(os.environ.get("WV_BIN", REPO / "build" / "bin" / "wordviews")).resolve()
    if not path.exists():
        pytest.fail(f"wordviews binary not found at {path}; run `make build` or set WV_BIN")
    return str(path)


def _runner(wv_bin, text):
    def run(*args, check=True, **kwargs):
        proc = subprocess.run([wv_bin, *map(str, args)], capture_output=True, text=text, **kwargs)
        if check and proc.returncode != 0:
            out, err = proc.stdout, proc.stderr
            if not text:
                out, err = out.decode(errors="replace"), err.decode(errors="replace")
            raise AssertionError(f"wordviews {' '.join(map(str, args))} exited "
                                 f"{proc.returncode}\nstdout: {out}\nstderr: {err}")
        return proc

    return run


@pytest.fixture(scope="session")
def run_wv(wv_bin):
    """run_wv(*args, check=True) runs the binary; returns the CompletedProcess (text mode)."""
    return _runner(wv_bin, text=True)


@pytest.fixture(scope="session")
def wv(wv_bin):
    """wv(*args, check=True) runs the binary; returns the CompletedProcess (bytes)."""
    return _runner(wv_bin, text=False)


def manifest(out):
    """The parsed _manifest.json of output folder `out`."""
    return json.loads((pathlib.Path(out) / "_manifest.json").read_text())


def snapshot(root):
    """Every entry under `root` (not following links): what a command that must
    not change the folder is compared against. A file by size and mtime, a folder
    by mtime (an entry added or removed, even briefly), a link by its target."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir", st.st_mtime_ns)
            else:
                out[rel] = ("file", st.st_size, st.st_mtime_ns)
    return out
