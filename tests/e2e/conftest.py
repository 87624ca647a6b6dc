"""Shared fixtures for the end-to-end tests: the wordviews binary and a runner."""
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def wv_bin():
    path = os.environ.get("WV_BIN", str(REPO / "build" / "bin" / "wordviews"))
    if not os.path.exists(path):
        pytest.fail(f"wordviews binary not found at {path}; build it or set WV_BIN")
    return path


@pytest.fixture(scope="session")
def wv(wv_bin):
    """wv(*args, check=True) runs the binary and returns the CompletedProcess."""

    def run(*args, check=True, **kwargs):
        proc = subprocess.run([wv_bin, *map(str, args)], capture_output=True, **kwargs)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"wordviews {' '.join(map(str, args))} exited {proc.returncode}\n"
                f"stdout: {proc.stdout.decode(errors='replace')}\n"
                f"stderr: {proc.stderr.decode(errors='replace')}")
        return proc

    return run
