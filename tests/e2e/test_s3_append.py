"""`run --append` onto an S3 output (issue 12): the same batches appended to s3:// and to a local
DIR give the same tables value by value (and those of one run over all the inputs); the earlier
batches' objects are listed again, never rewritten; appending an input again is a no-op; a failed
or killed append leaves the previous version readable by `check` and `query`; of two concurrent
appends one wins and the other fails cleanly (exit 5), the output equal to the winner's append.

Oracles: boto3 reads the objects the manifest lists into a folder, DuckDB reads that folder and the
local outputs (test_append's helpers); nothing of the project reads the tables being compared."""
import json
import random
import signal
import subprocess
import time

import pytest

from conftest import manifest
from s3_server import list_keys, open_uploads
from test_append import assert_same_tables, write_batches

STATE = ("_state/courses", "_state/lexemes_with_several_strings", "_state/recount")


@pytest.fixture(scope="module")
def batches(tmp_path_factory, wv_bin):
    """Three dirty batches over four days: days span two batches, rows repeat earlier batches'."""
    folder = tmp_path_factory.mktemp("s3append")
    src = folder / "all.csv"
    subprocess.run([wv_bin, "generate", "--rows", "30000", "--seed", "11", "--days", "4",
                    "--dirty-rate", "0.03", "--out", str(src), "--quiet"], check=True)
    n = len(src.read_bytes().splitlines()) - 1
    rng = random.Random(5)
    copies = {1: rng.sample(range(0, n // 3), 30), 2: rng.sample(range(0, 2 * n // 3), 40)}
    return write_batches(src, folder, [n // 3, 2 * n // 3], copies)


def wordviews(wv_bin, env, *args):
    return subprocess.run([wv_bin, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=600)


def append(wv_bin, env, batch, url, *extra):
    return wordviews(wv_bin, env, "run", "--traces", batch, "--out", url, "--append", "--quiet",
                     *extra)


def s3_manifest(s3, bucket, prefix="out"):
    return json.loads(s3.get_object(Bucket=bucket, Key=f"{prefix}/_manifest.json")["Body"].read())


def download(s3, bucket, folder, prefix="out"):
    """The current version's listed objects (boto3), at their paths under `folder`."""
    m = s3_manifest(s3, bucket, prefix)
    for record in m["tables"].values():
        for f in record["files"]:
            body = s3.get_object(Bucket=bucket, Key=f"{prefix}/{f['path']}")["Body"].read()
            assert len(body) == f["bytes"], f["path"]
            (folder / f["path"]).parent.mkdir(parents=True, exist_ok=True)
            (folder / f["path"]).write_bytes(body)
    return folder


def version_keys(s3, bucket, prefix="out"):
    """The keys the current version owns: manifest, listed files and state, Redshift manifests."""
    m = s3_manifest(s3, bucket, prefix)
    keys = {f"{prefix}/_manifest.json"}
    for table, record in m["tables"].items():
        keys.update(f"{prefix}/{f['path']}" for f in record["files"])
        keys.add(f"{prefix}/{table}-{m['run_id']}.manifest")
    keys.update(f"{prefix}/{f['path']}" for f in m["state"]["files"])
    return keys


def assert_check_and_query(wv_bin, env, url, local):
    check = wordviews(wv_bin, env, "check", url)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr
    for query in ("pair-views", "daily-totals"):
        remote = wordviews(wv_bin, env, "query", url, query, "--format", "csv")
        here = wordviews(wv_bin, env, "query", local, query, "--format", "csv")
        assert remote.returncode == 0, remote.stderr
        assert remote.stdout == here.stdout and remote.stdout.count("\n") > 2


def test_s3_appends_equal_local_appends_and_one_run(wv_bin, s3, s3_bucket, s3_env, batches, tmp_path):
    url, local, one = f"s3://{s3_bucket}/out", tmp_path / "local", tmp_path / "one"
    subprocess.run([wv_bin, "run", "--traces", *batches, "--out", one, "--quiet"], check=True)
    listed = []
    for b in batches:
        proc = append(wv_bin, s3_env, b, url, "--s3-grace", "0")
        assert proc.returncode == 0, proc.stderr
        subprocess.run([wv_bin, "run", "--traces", b, "--out", local, "--append", "--quiet"],
                       check=True)
        m = s3_manifest(s3, s3_bucket)
        listed.append({f["path"]: f for t in ("fact_wordviews", "quarantine")
                       for f in m["tables"][t]["files"]})
        # Grace 0: the superseded objects are gone, the current version's are all there.
        assert set(list_keys(s3, s3_bucket)) == version_keys(s3, s3_bucket)
        assert open_uploads(s3, s3_bucket) == []
    # Earlier batches' objects are listed again by every later version, never rewritten.
    for earlier, later in zip(listed, listed[1:]):
        assert set(earlier) < set(later)
        assert all(later[p] == f for p, f in earlier.items())
    m = s3_manifest(s3, s3_bucket)
    assert [b["inputs"][0]["path"] for b in m["batches"]] == [str(b) for b in batches]
    assert all(any(f["path"].startswith(s + "-") for f in m["state"]["files"]) for s in STATE)
    # The Redshift COPY manifest lists every fact object of the version, kept ones included.
    redshift = json.loads(s3.get_object(Bucket=s3_bucket,
                                        Key=f"out/fact_wordviews-{m['run_id']}.manifest")["Body"].read())
    assert sorted(e["url"] for e in redshift["entries"]) == sorted(
        f"s3://{s3_bucket}/out/{f['path']}" for f in m["tables"]["fact_wordviews"]["files"])

    copy = download(s3, s3_bucket, tmp_path / "copy")
    assert_same_tables(local, copy)
    assert_same_tables(one, copy)
    strip = lambda checks: sorted((c["name"], c["observed"], c["passed"]) for c in checks)
    assert strip(m["quality_checks"]) == strip(manifest(local)["quality_checks"])
    for key in ("input", "accepted", "rejected"):
        assert m["rows"][key] == manifest(one)["rows"][key]
    assert_check_and_query(wv_bin, s3_env, url, local)

    # Appending the last batch again: a no-op that says so; nothing on S3 changes.
    before = {k: s3.head_object(Bucket=s3_bucket, Key=k)["ETag"] for k in list_keys(s3, s3_bucket)}
    again = wordviews(wv_bin, s3_env, "run", "--traces", batches[-1], "--out", url, "--append")
    assert again.returncode == 0, again.stderr
    assert "nothing to append" in again.stdout
    assert {k: s3.head_object(Bucket=s3_bucket, Key=k)["ETag"]
            for k in list_keys(s3, s3_bucket)} == before


def test_a_plain_s3_output_is_refused_untouched_and_appendable_rebuilds_it(wv_bin, s3, s3_bucket,
                                                                           s3_env, batches, tmp_path):
    url = f"s3://{s3_bucket}/out"
    assert wordviews(wv_bin, s3_env, "run", "--traces", batches[0], "--out", url,
                     "--quiet").returncode == 0
    before = set(list_keys(s3, s3_bucket))
    proc = append(wv_bin, s3_env, batches[1], url)
    assert proc.returncode == 3, proc.stderr
    assert "--appendable" in proc.stderr and ".wv-spill" not in proc.stderr
    assert set(list_keys(s3, s3_bucket)) == before
    assert open_uploads(s3, s3_bucket) == []
    # The rebuild the message names: a plain run over the first batch that keeps the state.
    rebuilt = wordviews(wv_bin, s3_env, "run", "--traces", batches[0], "--out", url, "--appendable",
                        "--quiet")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert append(wv_bin, s3_env, batches[1], url).returncode == 0
    one = tmp_path / "one"
    subprocess.run([wv_bin, "run", "--traces", *batches[:2], "--out", one, "--quiet"], check=True)
    assert_same_tables(one, download(s3, s3_bucket, tmp_path / "copy"))


@pytest.mark.parametrize("how", ["manifest write fails", "killed before the commit",
                                 "terminated while uploading"])
def test_a_failed_append_leaves_the_previous_version(how, wv_bin, s3_server, s3, s3_bucket, s3_env,
                                                     s3_proxy, batches, tmp_path):
    url, local = f"s3://{s3_bucket}/out", tmp_path / "local"
    for b in batches[:2]:
        assert append(wv_bin, s3_env, b, url).returncode == 0
        subprocess.run([wv_bin, "run", "--traces", b, "--out", local, "--append", "--quiet"],
                       check=True)
    before, keys_before = s3_manifest(s3, s3_bucket), set(list_keys(s3, s3_bucket))
    env = s3_server.wordviews_env(endpoint=s3_proxy.endpoint, home=tmp_path)
    work = tmp_path / "work"  # where the copy and the staged version go ($TMPDIR)
    work.mkdir()
    env["TMPDIR"] = str(work)
    cmd = [wv_bin, "run", "--traces", batches[2], "--out", url, "--append", "--quiet"]
    if how == "manifest write fails":
        s3_proxy.add("error", method="PUT", key=r"^out/_manifest\.json$", status=403,
                     code="AccessDenied", times=None)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode != 0
    else:
        killed = how.startswith("killed")
        held = s3_proxy.add("stall_request", method="PUT",
                            key=r"^out/_manifest\.json$" if killed else r"^out/dim_users/",
                            query=None if killed else "partNumber", seconds=30)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        while held.matched == 0 and proc.poll() is None:
            time.sleep(0.05)
        assert held.matched == 1
        proc.send_signal(signal.SIGKILL if killed else signal.SIGTERM)
        assert proc.wait() == (-signal.SIGKILL if killed else -signal.SIGTERM)
        if not killed:  # the work folder went with the run
            assert list(work.iterdir()) == []
    assert s3_manifest(s3, s3_bucket) == before
    if how != "killed before the commit":  # the run removed its own objects, and only those
        assert set(list_keys(s3, s3_bucket)) == keys_before
        assert open_uploads(s3, s3_bucket) == []
    assert_check_and_query(wv_bin, s3_env, url, local)
    assert_same_tables(local, download(s3, s3_bucket, tmp_path / "copy"))
    # The next append completes the job as if nothing had happened (and removes a killed run's
    # work folder).
    next_env = dict(s3_env, TMPDIR=str(work))
    proc = append(wv_bin, next_env, batches[2], url)
    assert proc.returncode == 0, proc.stderr
    assert list(work.iterdir()) == []
    subprocess.run([wv_bin, "run", "--traces", batches[2], "--out", local, "--append", "--quiet"],
                   check=True)
    assert_same_tables(local, download(s3, s3_bucket, tmp_path / "copy2"))
    assert_check_and_query(wv_bin, s3_env, url, local)


def test_concurrent_appends_one_wins_the_other_fails_cleanly(wv_bin, s3_server, s3, s3_bucket, s3_env,
                                                             s3_proxy, batches, tmp_path):
    """A holds its manifest write (the proxy stalls it) while B appends another batch and commits:
    A's write (If-Match the ETag it started from) is refused, A removes its own objects and exits 5;
    the output is the previous version with B's batch appended."""
    url = f"s3://{s3_bucket}/out"
    assert append(wv_bin, s3_env, batches[0], url).returncode == 0
    version0 = version_keys(s3, s3_bucket)
    held = s3_proxy.add("stall_request", method="PUT", key=r"^out/_manifest\.json$", seconds=4)
    writer_a = subprocess.Popen(
        [wv_bin, "run", "--traces", batches[1], "--out", url, "--append", "--quiet"],
        env=s3_server.wordviews_env(endpoint=s3_proxy.endpoint, home=tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while held.matched == 0 and writer_a.poll() is None:
        time.sleep(0.05)
    assert held.matched == 1
    writer_b = append(wv_bin, s3_env, batches[2], url)
    assert writer_b.returncode == 0, writer_b.stderr
    _, err = writer_a.communicate(timeout=600)
    assert writer_a.returncode == 5, err
    assert "another run published" in err
    # B's version and version 0's superseded objects (grace period); nothing of A's.
    assert set(list_keys(s3, s3_bucket)) == version_keys(s3, s3_bucket) | version0
    assert open_uploads(s3, s3_bucket) == []
    local = tmp_path / "local"
    for b in (batches[0], batches[2]):
        subprocess.run([wv_bin, "run", "--traces", b, "--out", local, "--append", "--quiet"],
                       check=True)
    assert_same_tables(local, download(s3, s3_bucket, tmp_path / "copy"))
    assert_check_and_query(wv_bin, s3_env, url, local)


def test_a_manifest_listing_a_path_outside_the_output_is_refused(wv_bin, s3, s3_bucket, s3_env,
                                                                 batches, tmp_path):
    """The copy is moved to names without version: a listed path that leaves the copy must never
    move (or name) a file outside it."""
    url = f"s3://{s3_bucket}/out"
    assert append(wv_bin, s3_env, batches[0], url).returncode == 0
    m = s3_manifest(s3, s3_bucket)
    victim = tmp_path / f"victim-{m['run_id']}.tsv"  # a name the version would be stripped from
    victim.write_text("someone else's\n")
    m["state"]["files"][0]["path"] = "_state/" + "../" * 40 + str(victim).lstrip("/")
    s3.put_object(Bucket=s3_bucket, Key="out/_manifest.json", Body=json.dumps(m).encode())
    proc = append(wv_bin, dict(s3_env, TMPDIR=str(tmp_path)), batches[1], url)
    assert proc.returncode == 3, proc.stderr
    assert "not a path of ours" in proc.stderr
    assert victim.read_text() == "someone else's\n"
    assert s3_manifest(s3, s3_bucket) == m


@pytest.fixture(scope="module")
def day_batches(tmp_path_factory, wv_bin):
    """Three batches over three days: the first day; most of the second; the rest of the second
    and the third. Returns the batch paths and the three days (YYYY-MM-DD, UTC as partitioned)."""
    folder = tmp_path_factory.mktemp("s3days")
    src = folder / "all.csv"
    subprocess.run([wv_bin, "generate", "--rows", "30000", "--seed", "12", "--days", "3",
                    "--out", str(src), "--quiet"], check=True)
    days = [int(line.split(b",")[1]) // 86400 for line in src.read_bytes().splitlines()[1:]]
    assert days == sorted(days) and len(set(days)) == 3
    second = days.index(days[0] + 1)
    cut = second + (days.index(days[0] + 2) - second) * 4 // 5
    dates = [time.strftime("%Y-%m-%d", time.gmtime(d * 86400)) for d in sorted(set(days))]
    return write_batches(src, folder, [second, cut], {}), dates


def test_an_s3_append_downloads_what_it_reads_not_what_it_keeps(wv_bin, s3_server, s3, s3_bucket,
                                                                s3_env, s3_proxy, day_batches,
                                                                tmp_path):
    """Issue 12: an append onto S3 costs the batch, not the history. The proxy logs every GET of
    the third append: the dimensions, the state and the second day's facts and fingerprints (the
    day it shares with the second batch: rule 7 and the sessions read them) are fetched; the first
    day's fact and fingerprint objects and the kept quarantine files never are. The output is
    still one run's, value by value."""
    (batches, (first, second, _)), url = day_batches, f"s3://{s3_bucket}/out"
    for b in batches[:2]:
        assert append(wv_bin, s3_env, b, url).returncode == 0
    m = s3_manifest(s3, s3_bucket)
    tables, state = m["tables"], m["state"]["files"]
    keys = lambda files, part: {f"out/{f['path']}" for f in files if part in f["path"]}
    facts = lambda day: keys(tables["fact_wordviews"]["files"], f"/date={day}/")
    prints = lambda day: keys(state, f"_state/dedup/date={day}/")
    dims = set().union(*(keys(tables[t]["files"], "") for t in
                         ("dim_users", "dim_times", "dim_langs", "dim_words")))
    quarantine = keys(tables["quarantine"]["files"], "")
    assert facts(first) and prints(first) and facts(second) and prints(second) and quarantine

    proc = append(wv_bin, s3_server.wordviews_env(endpoint=s3_proxy.endpoint, home=tmp_path),
                  batches[2], url)
    assert proc.returncode == 0, proc.stderr
    got = {r.key for r in s3_proxy.log(method="GET")}
    assert not got & (facts(first) | prints(first) | quarantine)
    assert facts(second) | prints(second) | dims <= got
    assert "out/_manifest.json" in got

    one = tmp_path / "one"
    subprocess.run([wv_bin, "run", "--traces", *batches, "--out", one, "--quiet"], check=True)
    assert_same_tables(one, download(s3, s3_bucket, tmp_path / "copy"))
    check = wordviews(wv_bin, s3_env, "check", url)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr


def test_an_object_read_back_unlike_its_manifest_entry_fails_the_append(wv_bin, s3, s3_bucket,
                                                                        s3_env, day_batches):
    """What the append fetches is checked against the manifest (size, CRC-32): a kept fact object
    of the shared day altered in place fails the append (exit 3) and leaves the version as it was."""
    (batches, (_, second, _)), url = day_batches, f"s3://{s3_bucket}/out"
    for b in batches[:2]:
        assert append(wv_bin, s3_env, b, url).returncode == 0
    m = s3_manifest(s3, s3_bucket)
    victim = next(f for f in m["tables"]["fact_wordviews"]["files"] if f"/date={second}/" in f["path"])
    body = bytearray(s3.get_object(Bucket=s3_bucket, Key=f"out/{victim['path']}")["Body"].read())
    body[len(body) // 2] ^= 0xFF
    s3.put_object(Bucket=s3_bucket, Key=f"out/{victim['path']}", Body=bytes(body))
    keys_before = set(list_keys(s3, s3_bucket))
    proc = append(wv_bin, s3_env, batches[2], url)
    assert proc.returncode == 3, proc.stderr
    assert victim["path"] in proc.stderr and "CRC-32" in proc.stderr
    assert s3_manifest(s3, s3_bucket) == m
    assert set(list_keys(s3, s3_bucket)) == keys_before
    assert open_uploads(s3, s3_bucket) == []


def test_an_output_without_its_recount_record_has_every_kept_file_fetched_and_verified(
        wv_bin, s3_server, s3, s3_bucket, s3_env, s3_proxy, day_batches, tmp_path):
    """An output made before the recount record (its manifest lists no _state/recount): the staged
    verification must read every kept partition and quarantine file, so each is fetched and linked
    into the staged version when read (run::AbsentKeptFiles), and the append still gives one run's
    output."""
    (batches, (first, _, _)), url = day_batches, f"s3://{s3_bucket}/out"
    for b in batches[:2]:
        assert append(wv_bin, s3_env, b, url).returncode == 0
    m = s3_manifest(s3, s3_bucket)
    m["state"]["files"] = [f for f in m["state"]["files"] if not f["path"].startswith("_state/recount")]
    s3.put_object(Bucket=s3_bucket, Key="out/_manifest.json", Body=json.dumps(m).encode())
    kept = {f"out/{f['path']}" for t in ("fact_wordviews", "quarantine") for f in m["tables"][t]["files"]}
    proc = append(wv_bin, s3_server.wordviews_env(endpoint=s3_proxy.endpoint, home=tmp_path),
                  batches[2], url)
    assert proc.returncode == 0, proc.stderr
    assert kept <= {r.key for r in s3_proxy.log(method="GET")}
    one = tmp_path / "one"
    subprocess.run([wv_bin, "run", "--traces", *batches, "--out", one, "--quiet"], check=True)
    assert_same_tables(one, download(s3, s3_bucket, tmp_path / "copy"))
    check = wordviews(wv_bin, s3_env, "check", url)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr
