"""Shared pytest fixtures for the end-to-end tests: the wordviews binary and a runner."""
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def wv_bin() -> Path:
    """Path of the wordviews binary (env WV_BIN, else build/bin/wordviews)."""
    path = Path(os.environ.get("WV_BIN", REPO / "build" / "bin" / "wordviews")).resolve()
    if not path.exists():
        pytest.fail(f"wordviews binary not found at {path}; run `make build` or set WV_BIN")
    return path


@pytest.fixture
def run_wv(wv_bin, tmp_path):
    """Runs `wordviews ARGS...` in tmp_path; returns the CompletedProcess (text mode)."""

    def run(*args, check=True, **kwargs):
        proc = subprocess.run([str(wv_bin), *map(str, args)], cwd=tmp_path, capture_output=True,
                              text=True, **kwargs)
        if check and proc.returncode != 0:
            raise AssertionError(f"wordviews {' '.join(map(str, args))} exited "
                                 f"{proc.returncode}: {proc.stderr}")
        return proc

    return run
