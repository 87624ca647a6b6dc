"""The CLI under bad configuration, exhausted resources and hostile text.

Each case runs the real binary and checks the exit code, the one-line
message, and that nothing but the intended output changed (a previous output
survives a failed run, no staging is left behind).
"""
import json
import os
import pathlib
import resource
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import manifest, snapshot

EXIT_USAGE, EXIT_INPUT, EXIT_OUTPUT, EXIT_INTERNAL = 2, 3, 5, 1
HEADER = ("p_recall,timestamp,delta,user_id,learning_language,ui_language,lexeme_id,"
          "lexeme_string,history_seen,history_correct,session_seen,session_correct")


def run(wv_bin, *args, env=None, stdout=subprocess.PIPE, **kwargs):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("WV_") or k == "WV_BIN"}
    full_env.update(env or {})
    return subprocess.run([wv_bin, *map(str, args)], stdout=stdout, stderr=subprocess.PIPE,
                          env=full_env, **kwargs)


@pytest.fixture(scope="module")
def traces(tmp_path_factory, wv_bin):
    d = tmp_path_factory.mktemp("traces")
    path = d / "traces.csv"
    proc = run(wv_bin, "generate", "--rows", 3000, "--seed", 11, "--out", path, "-q")
    assert proc.returncode == 0, proc.stderr
    return path


@pytest.fixture
def work(tmp_path, wv_bin, traces):
    """A folder with a published output `out` (to see it survive) and the traces."""
    proc = run(wv_bin, "run", "--traces", traces, "--out", tmp_path / "out", "--quiet")
    assert proc.returncode == 0, proc.stderr
    return tmp_path


def assert_failed_cleanly(work, before, proc, code, message):
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    assert message in err, err
    assert err.count("\n") == 1 and err.startswith("wordviews: error: "), err
    assert snapshot(work) == before, "a failed command changed the folder"


def write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


# ---- Environment: read and validated for the running subcommand only ----

def test_wv_threads_zero_runs_on_every_core(wv_bin, traces, tmp_path):
    proc = run(wv_bin, "run", "--traces", traces, "--out", tmp_path / "o", "--quiet",
               env={"WV_THREADS": "0"})
    assert proc.returncode == 0, proc.stderr
    assert int(manifest(tmp_path / "o")["options"]["threads"]) == min(os.cpu_count(), 256)


def test_another_subcommands_variables_are_ignored(wv_bin, work, traces):
    proc = run(wv_bin, "run", "--traces", traces, "--out", work / "o2", "--quiet",
               env={"WV_QUERY_THREADS": "banana", "WV_QUERY_FORMAT": "xml",
                    "WV_REPORT_THREADS": "-4"})
    assert proc.returncode == 0, proc.stderr


def test_the_running_subcommands_variable_is_validated(wv_bin, work, traces):
    before = snapshot(work)
    proc = run(wv_bin, "run", "--traces", traces, "--out", work / "out",
               env={"WV_RUN_THREADS": "banana"})
    assert_failed_cleanly(work, before, proc, EXIT_USAGE,
                          "WV_RUN_THREADS: bad value for --threads: expected 0 (all cores)")


def test_shared_wv_threads_is_validated_by_the_running_subcommand(wv_bin, work):
    before = snapshot(work)
    proc = run(wv_bin, "query", work / "out", "pairs", env={"WV_THREADS": "-1"})
    assert_failed_cleanly(work, before, proc, EXIT_USAGE, "WV_THREADS: bad value for --threads")
    ok = run(wv_bin, "query", work / "out", "pairs", env={"WV_THREADS": "0"})
    assert ok.returncode == 0, ok.stderr


def test_query_format_from_the_environment(wv_bin, work):
    proc = run(wv_bin, "query", work / "out", "pairs", env={"WV_QUERY_FORMAT": "json"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["query"] == "pairs"


# ---- The config file: strict, line-aware ----

def config_run(wv_bin, work, traces, text, *extra, env=None):
    cfg = write(work / "wordviews.toml", text)
    before = snapshot(work)
    proc = run(wv_bin, "--config", cfg, "run", "--traces", traces, "--out", work / "out", *extra,
               env=env)
    return proc, before, cfg


def test_config_unknown_key_names_file_line_and_the_likely_key(wv_bin, work, traces):
    proc, before, cfg = config_run(wv_bin, work, traces,
                                   "# gate\n[run]\nmax_bad_ration = 0.2\n")
    assert_failed_cleanly(work, before, proc, EXIT_USAGE,
                          f"{cfg}:3: unknown key 'max_bad_ration' in [run]; "
                          "did you mean 'max_bad_ratio'?")


def test_config_unknown_key_in_another_section_is_still_an_error(wv_bin, work, traces):
    proc, before, cfg = config_run(wv_bin, work, traces, "[run]\n[query]\nformt = json\n")
    assert_failed_cleanly(work, before, proc, EXIT_USAGE,
                          f"{cfg}:3: unknown key 'formt' in [query]; did you mean 'format'?")


def test_config_unknown_section(wv_bin, work, traces):
    proc, before, cfg = config_run(wv_bin, work, traces, "[runn]\nthreads = 2\n")
    assert_failed_cleanly(work, before, proc, EXIT_USAGE,
                          f"{cfg}:1: unknown section [runn]; did you mean [run]?")


def test_config_bad_syntax(wv_bin, work, traces):
    proc, before, cfg = config_run(wv_bin, work, traces, "[run]\nthreads 2\n")
    assert_failed_cleanly(work, before, proc, EXIT_USAGE, f"{cfg}:2: expected '=' after 'threads'")


def test_config_binary_garbage(wv_bin, work, traces):
    proc, before, cfg = config_run(wv_bin, work, traces, b"\x1f\x8b\x08\x00garbage\xff\xfe")
    assert_failed_cleanly(work, before, proc, EXIT_USAGE,
                          f"{cfg}:1: control character 0x1f at column 1; is this a config file?")


def test_config_bad_value_names_its_line(wv_bin, work, traces):
    proc, before, cfg = config_run(wv_bin, work, traces,
                                   "[run]\ncompression = zstd\nmax_bad_ratio = 1.5\n")
    assert_failed_cleanly(work, before, proc, EXIT_USAGE,
                          f"{cfg}:3: bad value for 'max_bad_ratio' in [run]")


def test_config_missing_file(wv_bin, work, traces):
    before = snapshot(work)
    proc = run(wv_bin, "--config", work / "none.toml", "run", "--traces", traces,
               "--out", work / "out")
    assert_failed_cleanly(work, before, proc, EXIT_USAGE, "none.toml: cannot open")


def test_config_values_apply_and_the_aws_section_is_accepted(wv_bin, work, traces):
    # dl.cfg as the original notebook wrote it, plus our sections.
    text = ("[AWS]\nAWS_ACCESS_KEY_ID=AKIAXXXXXXXX\nAWS_SECRET_ACCESS_KEY=abc/def+ghi=\n\n"
            f"[run]\ntraces = ['{traces}']\nout = \"{work / 'o3'}\"\nmax-bad-ratio = 0.25\n"
            "compression = snappy\nquiet = true\n[query]\nformat = \"json\"\n")
    cfg = write(work / "dl.cfg", text)
    proc = run(wv_bin, "--config", cfg, "run")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b""  # quiet = true
    options = manifest(work / "o3")["options"]
    assert options["max_bad_ratio"] == "0.25" and options["compression"] == "snappy"
    q = run(wv_bin, "--config", cfg, "query", work / "o3", "pairs")
    assert json.loads(q.stdout)["query"] == "pairs"
    q = run(wv_bin, "--config", cfg, "query", work / "o3", "pairs", "--format", "csv")
    assert q.stdout.startswith(b"learning_language,")


def test_precedence_flag_then_environment_then_file(wv_bin, work, traces):
    cfg = write(work / "p.toml", "[run]\nthreads = 3\n")

    def threads(*flags, env=None):
        proc = run(wv_bin, "--config", cfg, "run", "--traces", traces, "--out", work / "p",
                   "--quiet", *flags, env=env)
        assert proc.returncode == 0, proc.stderr
        return int(manifest(work / "p")["options"]["threads"])

    assert threads() == 3                                                  # file
    assert threads(env={"WV_THREADS": "2"}) == 2                           # env > file
    assert threads(env={"WV_THREADS": "2", "WV_RUN_THREADS": "1"}) == 1    # specific > shared
    assert threads("--threads", "4", env={"WV_RUN_THREADS": "1"}) == 4     # flag > env


# ---- Thread counts ----

def test_huge_thread_count_is_capped_with_a_note(wv_bin, traces, tmp_path):
    proc = run(wv_bin, "run", "--traces", traces, "--out", tmp_path / "o", "--quiet",
               "--threads", 100000)
    assert proc.returncode == 0, proc.stderr
    assert b"--threads 100000 capped at 256" in proc.stderr
    assert manifest(tmp_path / "o")["options"]["threads"] == "256"


def test_negative_thread_count_is_a_usage_error(wv_bin, work, traces):
    before = snapshot(work)
    proc = run(wv_bin, "run", "--traces", traces, "--out", work / "out", "--threads", -1)
    assert proc.returncode == EXIT_USAGE
    assert b"--threads: expected 0 (all cores) or a number of threads, got '-1'" in proc.stderr
    assert snapshot(work) == before


def test_thread_exhaustion_is_a_clean_error(wv_bin, traces):
    """RLIMIT_NPROC holds for an unprivileged user only: as root, the child
    drops to nobody first (in a folder nobody may use)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run the child as a user of its own (RLIMIT_NPROC is per user)")
    with tempfile.TemporaryDirectory(prefix="wv_nproc_") as name:
        check_thread_exhaustion(wv_bin, traces, pathlib.Path(name))


def check_thread_exhaustion(wv_bin, traces, d):
    os.chmod(d, 0o777)
    shutil.copy(traces, d / "t.csv")
    os.chmod(d / "t.csv", 0o644)

    def drop():
        os.setgid(65534)
        os.setuid(65534)
        resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))  # this process, no thread

    try:
        proc = run(wv_bin, "run", "--traces", d / "t.csv", "--out", d / "out", "--quiet",
                   preexec_fn=drop)
    except (PermissionError, subprocess.SubprocessError) as e:
        pytest.skip(f"the sandbox forbids dropping privileges: {e}")
    err = proc.stderr.decode()
    assert proc.returncode in (0, EXIT_INTERNAL), err
    if proc.returncode == EXIT_INTERNAL:
        assert err.startswith("wordviews: error: ") and "thread" in err, err
    assert not [p for p in d.iterdir() if p.name.startswith(".")], "staging left behind"


# ---- Standard output that cannot take the output ----

@pytest.fixture
def full():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as f:
        yield f


def first_fact_file(out):
    return next(pathlib.Path(out, "fact_wordviews").rglob("*.parquet"))


@pytest.mark.parametrize("what", ["query", "parquet-cat", "check-json", "version"])
def test_full_stdout_is_an_output_error(wv_bin, work, full, what):
    args = {"query": ["query", work / "out", "pairs"],
            "parquet-cat": ["parquet", "cat", first_fact_file(work / "out")],
            "check-json": ["check", work / "out", "--json"],
            "version": ["--version"]}[what]
    before = snapshot(work)
    proc = run(wv_bin, *args, stdout=full)
    assert_failed_cleanly(work, before, proc, EXIT_OUTPUT,
                          "cannot write to standard output: No space left on device")


@pytest.mark.parametrize("what", ["query", "parquet-cat", "check"])
def test_closed_stdout_pipe_ends_quietly(wv_bin, work, what):
    args = {"query": ["query", work / "out", "pairs"],
            "parquet-cat": ["parquet", "cat", first_fact_file(work / "out")],
            "check": ["check", work / "out", "-v"]}[what]
    r, w = os.pipe()
    os.close(r)  # the reader is gone, like `| head -1` once head has exited
    try:
        proc = run(wv_bin, *args, stdout=w)
    finally:
        os.close(w)
    assert proc.returncode == -signal.SIGPIPE
    assert proc.stderr == b""


def test_closed_stdout_pipe_after_a_run_keeps_the_published_output(wv_bin, traces, tmp_path):
    r, w = os.pipe()
    os.close(r)
    try:
        proc = run(wv_bin, "run", "--traces", traces, "--out", tmp_path / "o", stdout=w)
    finally:
        os.close(w)
    # The summary comes after the commit: the output is whole, nothing is left.
    assert proc.returncode == -signal.SIGPIPE
    assert (tmp_path / "o" / "_manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]
    check = run(wv_bin, "check", tmp_path / "o")
    assert check.returncode == 0, check.stderr


def test_memory_exhaustion_ends_cleanly(wv_bin, work, traces):
    """A small address-space limit: no room for a thread's stack (the ingest
    reader cannot start)."""
    before = snapshot(work)

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (20 << 20, 20 << 20))

    proc = run(wv_bin, "run", "--traces", traces, "--out", work / "out", "--quiet",
               preexec_fn=limit)
    err = proc.stderr.decode()
    if proc.returncode == 127:
        pytest.skip(f"20 MiB does not even load the binary here: {err}")
    assert proc.returncode in (EXIT_INTERNAL, EXIT_OUTPUT), err
    assert err.startswith("wordviews: error: ") and err.count("\n") == 1, err
    assert snapshot(work) == before


@pytest.mark.parametrize("megabytes", [30, 100, 200, 400])
def test_memory_exhaustion_deeper_in_a_run(wv_bin, work, tmp_path_factory, megabytes):
    """Larger limits fail later, on the pipeline's own threads, which turn
    std::bad_alloc into an error: the run either succeeds or exits with one
    error line, the previous output intact and no staging left. (30 MiB once
    ended in glibc's "double free or corruption": a hash set destroyed after
    its growth failed, see traces/duplicate_detector.h.)"""
    d = tmp_path_factory.mktemp("bigtraces")
    big = d / "big.csv.gz"
    proc = run(wv_bin, "generate", "--rows", 300000, "--seed", 2, "--out", big, "-q")
    assert proc.returncode == 0, proc.stderr
    before = snapshot(work)

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (megabytes << 20, megabytes << 20))

    proc = run(wv_bin, "run", "--traces", big, "--out", work / "out", "--quiet",
               preexec_fn=limit)
    assert snapshot(work) == before or proc.returncode == 0
    assert proc.returncode in (0, EXIT_INTERNAL, EXIT_OUTPUT), proc.stderr
    if proc.returncode != 0:
        lines = proc.stderr.decode(errors="replace").splitlines()
        assert len(lines) == 1 and lines[0].startswith("wordviews: error: "), lines


# ---- Terminal-safe text ----

def test_control_characters_in_a_file_name_are_escaped(wv_bin, work):
    before = snapshot(work)
    name = work / "evil\x1b]0;pwned\x07\r.csv"
    proc = run(wv_bin, "run", "--traces", name, "--out", work / "out")
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == EXIT_INPUT, err
    assert "\x1b" not in err and "\x07" not in err and "\r" not in err
    assert "evil\\x1b]0;pwned\\x07\\x0d.csv" in err
    assert snapshot(work) == before


def test_control_characters_in_a_header_are_escaped(wv_bin, work):
    bad = write(work / "bad.csv", HEADER.replace("delta", "del\x1b[2Jta") + "\n")
    before = snapshot(work)
    proc = run(wv_bin, "run", "--traces", bad, "--out", work / "out")
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == EXIT_INPUT, err
    assert "\x1b" not in err
    assert "del\\x1b[2Jta" in err, err
    assert snapshot(work) == before


def test_query_table_escapes_control_characters_and_json_keeps_them(wv_bin, tmp_path,
                                                                     monkeypatch):
    import test_query  # the star-schema builder (pyarrow + DuckDB writers)
    evil = "red\x1b[31m\rX\u202eY\xa0"
    monkeypatch.setattr(test_query, "EVIL", evil)
    star = test_query.build_star_schema(tmp_path / "star", rows=6000, evil=True)
    table = run(wv_bin, "query", star, "hardest-words", "--format", "table", "--min-views", 1,
                "--top", 1000)
    assert table.returncode == 0, table.stderr
    text = table.stdout.decode()
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert "red\\x1b[31m\\x0dX\\xe2\\x80\\xaeY\xa0" in text
    js = run(wv_bin, "query", star, "hardest-words", "--format", "json", "--min-views", 1,
             "--top", 1000)
    strings = [row["lexeme_string"] for row in json.loads(js.stdout)["rows"]]
    assert any(s.startswith(evil + "/") for s in strings), strings[:5]
    csv = run(wv_bin, "query", star, "hardest-words", "--format", "csv", "--min-views", 1,
              "--top", 1000)
    assert evil.encode() in csv.stdout  # exact (quoted: it holds a CR)
