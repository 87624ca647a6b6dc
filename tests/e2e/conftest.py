"""Shared fixtures for the end-to-end tests (pytest)."""
import os
import pathlib
import subprocess

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def wv_bin():
    """Path of the wordviews binary: $WV_BIN, else build/bin/wordviews."""
    path = pathlib.Path(os.environ.get("WV_BIN", REPO_ROOT / "build" / "bin" / "wordviews"))
    if not path.exists():
        pytest.fail(f"wordviews binary not found at {path}; build it or set WV_BIN")
    return str(path)


@pytest.fixture
def run_wv(wv_bin):
    """Runs `wordviews ARGS...`; returns the CompletedProcess (text mode)."""

    def run(*args, check=True, **kwargs):
        proc = subprocess.run([wv_bin, *map(str, args)], capture_output=True, text=True, **kwargs)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"wordviews {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
        return proc

    return run
