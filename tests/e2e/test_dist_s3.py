"""spark/wordviews_spark.py with its inputs and its output on the real S3 server (versitygw on loopback)
and the loopback Spark standalone cluster: the shard tasks read their s3:// objects themselves, merge
stages the output locally and publishes it as one S3 version whose manifest is the commit point.

The oracle is independent of wordviews' S3 code: boto3 downloads exactly the objects each output's
_manifest.json lists, and DuckDB compares the distributed output with a single-machine `wordviews run`
over the same s3:// inputs into another prefix, value by value (dist_support.assert_same_output).

Credentials follow the AWS conventions and are never given to Spark: the keys are in a shared
credentials file (mode 600) that AWS_SHARED_CREDENTIALS_FILE names; the driver forwards only that path,
the endpoint and the region to its tasks (wordviews_spark.FORWARDED_AWS_SETTINGS), and the test checks
that no output or log of the job contains the secret."""
import json
import os
import pathlib
import subprocess
import zlib

import pytest

from conftest import manifest
from dist_support import assert_same_output, make_inputs, wordviews_spark as ws
from s3_server import list_keys, open_uploads

pytestmark = pytest.mark.xdist_group("spark")


@pytest.fixture
def aws_files(s3_server, tmp_path, monkeypatch):
    """This process's AWS environment (inherited by the driver's binaries) pointing at the test server
    through a shared credentials file; nothing of the caller's own AWS setup."""
    creds = tmp_path / "aws-credentials"
    creds.touch(mode=0o600)
    creds.write_text(f"[default]\naws_access_key_id = {s3_server.access_key}\n"
                     f"aws_secret_access_key = {s3_server.secret_key}\n")
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.endpoint)
    monkeypatch.setenv("AWS_REGION", s3_server.region)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return creds


def download(s3, url, dest):
    """Every object the output's _manifest.json lists (and that manifest) into folder `dest`, under
    its published name: an ordinary local tree for DuckDB. Returns the manifest's keys."""
    bucket, prefix = url[5:].split("/", 1)
    text = s3.get_object(Bucket=bucket, Key=f"{prefix}/_manifest.json")["Body"].read()
    m = json.loads(text)
    dest = pathlib.Path(dest)
    dest.mkdir()
    (dest / "_manifest.json").write_bytes(text)
    listed = []
    for table in m["tables"].values():
        for f in table["files"]:
            (dest / f["path"]).parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, f"{prefix}/{f['path']}", str(dest / f["path"]))
            listed.append(f"{prefix}/{f['path']}")
    return listed


def test_spark_job_on_s3_equals_one_run(spark, s3, s3_bucket, s3_server, aws_files, wv_bin, run_wv,
                                        tmp_path, capsys):
    local = make_inputs(run_wv, tmp_path, rows=(4000, 3000, 2000))
    inputs = []
    for i, path in enumerate(local):
        key = f"in/{i}-{os.path.basename(path)}"
        s3.upload_file(path, s3_bucket, key)
        inputs.append(f"s3://{s3_bucket}/{key}")
    single_url, dist_url = f"s3://{s3_bucket}/single", f"s3://{s3_bucket}/dist"
    run_wv("run", "--traces", *inputs, "--out", single_url, "--quiet")

    work = tmp_path / "work"
    work.mkdir()
    args = ws.parse_args(["--traces", *inputs, "--out", dist_url, "--work-dir", str(work),
                          "--wordviews", wv_bin, "--buckets", "3"])
    assert ws.run_job(spark, args) == 0
    printed = capsys.readouterr()
    assert '"splits_with_losers": 2' in printed.out
    assert os.listdir(work) == [], "the work folder is removed"

    single, dist = tmp_path / "single", tmp_path / "dist"
    download(s3, single_url, single)
    listed = download(s3, dist_url, dist)
    assert_same_output(single, dist)
    assert [i["path"] for i in manifest(dist)["inputs"]] == inputs
    # Under the prefix: exactly the listed objects, the manifest and one Redshift manifest per table;
    # no upload left open.
    keys = list_keys(s3, s3_bucket, "dist/")
    redshift = [k for k in keys if k.endswith(".manifest")]
    assert sorted(listed + redshift + ["dist/_manifest.json"]) == keys
    assert len(redshift) == 6
    assert open_uploads(s3, s3_bucket, "dist/") == []
    run_wv("check", dist_url)
    assert s3_server.secret_key not in printed.out + printed.err


def test_failed_merge_leaves_nothing_on_s3(spark, s3, s3_bucket, aws_files, wv_bin, run_wv, tmp_path):
    """The quality gate fails at merge (--max-bad-ratio 0 on dirty inputs): exit 4, and under the
    output prefix nothing at all, no object and no open upload; the work folder is removed."""
    local = make_inputs(run_wv, tmp_path, rows=(1500, 1000, 800))
    inputs = []
    for i, path in enumerate(local):
        s3.upload_file(path, s3_bucket, f"in/{i}")
        inputs.append(f"s3://{s3_bucket}/in/{i}")
    work = tmp_path / "work"
    work.mkdir()
    args = ws.parse_args(["--traces", *inputs, "--out", f"s3://{s3_bucket}/out", "--work-dir", str(work),
                          "--wordviews", wv_bin, "--max-bad-ratio", "0"])
    assert ws.run_job(spark, args) == 4
    assert list_keys(s3, s3_bucket, "out") == []
    assert open_uploads(s3, s3_bucket, "out") == []
    assert os.listdir(work) == []


def test_s3_out_needs_a_work_dir(spark, s3_bucket, aws_files, wv_bin):
    args = ws.parse_args(["--traces", "s3://x/y", "--out", f"s3://{s3_bucket}/out", "--wordviews", wv_bin])
    with pytest.raises(SystemExit, match="--work-dir"):
        ws.run_job(spark, args)


def test_only_settings_are_forwarded_never_keys():
    env = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_SESSION_TOKEN": "t",
           "AWS_REGION": "eu-west-1", "AWS_SHARED_CREDENTIALS_FILE": "/etc/aws/creds", "HOME": "/root"}
    assert ws.forwarded_aws_settings(env) == {"AWS_REGION": "eu-west-1",
                                              "AWS_SHARED_CREDENTIALS_FILE": "/etc/aws/creds"}


def upload_inputs(s3, bucket, local):
    inputs = []
    for i, path in enumerate(local):
        key = f"in/{i}-{os.path.basename(path)}"
        s3.upload_file(path, bucket, key)
        inputs.append(f"s3://{bucket}/{key}")
    return inputs


def assert_only_published_and_inputs(s3, bucket, prefixes):
    """Nothing in the bucket but the inputs and each output prefix's listed objects, its manifest and
    its Redshift manifests; no open upload anywhere (the work prefix and every attempt are gone)."""
    allowed = [k for k in list_keys(s3, bucket) if k.startswith("in/")]
    for prefix in prefixes:
        m = json.loads(s3.get_object(Bucket=bucket, Key=f"{prefix}/_manifest.json")["Body"].read())
        allowed += [f"{prefix}/{f['path']}" for t in m["tables"].values() for f in t["files"]]
        allowed += [f"{prefix}/_manifest.json"]
        allowed += [k for k in list_keys(s3, bucket, f"{prefix}/") if k.endswith(".manifest")]
    assert list_keys(s3, bucket) == sorted(allowed)
    assert open_uploads(s3, bucket) == []


def test_spark_job_all_on_s3_with_a_retried_shard(spark, s3, s3_bucket, s3_server, aws_files, wv_bin, run_wv,
                                                  tmp_path, capsys):
    """Inputs, work prefix and output all on S3 (no shared file system: what EMR has), on dirty data with
    cross-split duplicates; one shard attempt is SIGKILLed after it put its objects (before it reported),
    so Spark retries that task into a new attempt prefix. The output equals a single run value by value,
    and afterwards the bucket holds only the inputs and the two outputs: no attempt object (the killed
    one's included), no open upload, nothing outside the work prefix was touched."""
    inputs = upload_inputs(s3, s3_bucket, make_inputs(run_wv, tmp_path, rows=(4000, 3000, 2000)))
    single_url, dist_url = f"s3://{s3_bucket}/single", f"s3://{s3_bucket}/dist"
    run_wv("run", "--traces", *inputs, "--out", single_url, "--quiet")
    # The executors run this wrapper: the first first-step attempt of split 1 runs the binary to the end
    # (its objects are all put) and is then killed; every other command runs the binary as it is.
    marker = tmp_path / "killed-once"
    wrapper = tmp_path / "wordviews-killed-once"
    wrapper.write_text(f"""#!/bin/bash
case "$*" in
  *"--attempt-dir "*"/first/split-00001/"*)
    if mkdir {marker} 2>/dev/null; then
      {wv_bin} "$@" >/dev/null
      kill -9 $$
    fi;;
esac
exec {wv_bin} "$@"
""")
    wrapper.chmod(0o755)
    work = f"s3://{s3_bucket}/work"
    args = ws.parse_args(["--traces", *inputs, "--out", dist_url, "--work-dir", work, "--wordviews", str(wrapper),
                          "--driver-wordviews", wv_bin, "--buckets", "3"])
    assert ws.run_job(spark, args) == 0
    printed = capsys.readouterr()
    assert marker.exists(), "the shard was not killed"
    assert '"splits_with_losers": 2' in printed.out

    single, dist = tmp_path / "single", tmp_path / "dist"
    download(s3, single_url, single)
    download(s3, dist_url, dist)
    assert_same_output(single, dist)
    assert [i["path"] for i in manifest(dist)["inputs"]] == inputs
    assert_only_published_and_inputs(s3, s3_bucket, ["single", "dist"])
    run_wv("check", dist_url)
    assert s3_server.secret_key not in printed.out + printed.err


def loop_on_s3(wv_bin, inputs, work, run_id, tmp_path):
    """The shell-loop scheduler with its work on an s3:// prefix: the chosen reports."""
    splits = ws.plan_splits(inputs)
    first = [ws.run_shard(wv_bin, work, run_id, s, "0") for s in splits]
    blocks = [b for r in first for _, b in ws.fingerprint_blocks(1, wv_bin)(r)]
    losers = ws.losers_by_split(ws.losers_in_bucket(blocks))
    chosen = list(first)
    for split, loser in losers.items():
        path = tmp_path / f"losers-{split}.tsv"
        path.write_text(ws.losers_text(loser, splits))
        chosen[split] = ws.run_shard(wv_bin, work, run_id, splits[split], "0", str(path))
    return chosen, losers


def test_attempts_on_s3_checked_by_merge(s3, s3_bucket, aws_files, wv_bin, run_wv, tmp_path):
    """Attempts written as S3 objects by `shard --attempt-dir s3://...` (no Spark): each report lists
    every object with its size, CRC-32 and ETag (boto3's own listing agrees); an attempt prefix already
    used is refused (exit 5); merge of the reports into a local OUT equals one run; an attempt object
    changed after its report (a fact file, then dims.bin, which merge streams) refuses the merge
    (exit 3, the object named), OUT untouched; `shard --remove-work` removes exactly the work prefix."""
    local = make_inputs(run_wv, tmp_path, rows=(1500, 1000, 800))
    inputs = upload_inputs(s3, s3_bucket, local)
    s3.put_object(Bucket=s3_bucket, Key="work/.wv-dist-x-r1-neighbour", Body=b"not ours")
    work = f"s3://{s3_bucket}/work/.wv-dist-x-r1"
    chosen, losers = loop_on_s3(wv_bin, inputs, work, "r1", tmp_path)
    assert set(losers) == {1, 3}
    for r in chosen:
        prefix = r["attempt_dir"][len(f"s3://{s3_bucket}/"):] + "/"
        listed = {o["Key"][len(prefix):]: o for o in s3.list_objects_v2(Bucket=s3_bucket, Prefix=prefix)["Contents"]}
        assert sorted(listed) == [f["path"] for f in r["files"]]
        for f in r["files"]:
            assert listed[f["path"]]["Size"] == f["bytes"] and listed[f["path"]]["ETag"] == f["etag"]
        body = s3.get_object(Bucket=s3_bucket, Key=prefix + "dims.bin")["Body"].read()
        assert zlib.crc32(body) == next(f["crc32"] for f in r["files"] if f["path"] == "dims.bin")
    with pytest.raises(RuntimeError, match="exit 5"):
        ws.run_shard(wv_bin, work, "r1", ws.plan_splits(inputs)[0], "0")

    single = tmp_path / "single"
    run_wv("run", "--traces", *inputs, "--out", single, "--quiet")
    out = tmp_path / "dist"
    merged = ws.run_merge(wv_bin, str(out), "r1", chosen)
    assert merged.returncode == 0, merged.stderr
    assert_same_output(single, out)

    for victim in (next(f["path"] for f in chosen[2]["files"] if f["path"].startswith("out/fact_wordviews/")),
                   "dims.bin"):
        key = chosen[2]["attempt_dir"][len(f"s3://{s3_bucket}/"):] + "/" + victim
        original = s3.get_object(Bucket=s3_bucket, Key=key)["Body"].read()
        s3.put_object(Bucket=s3_bucket, Key=key, Body=original[:-1] + bytes([original[-1] ^ 1]))
        refused = tmp_path / f"refused-{victim.replace('/', '_')}"
        merged = ws.run_merge(wv_bin, str(refused), "r1", chosen)
        assert merged.returncode == 3, merged.stderr
        assert f"{chosen[2]['attempt_dir']}/{victim} differs from its attempt's report" in merged.stderr
        assert not refused.exists()
        s3.put_object(Bucket=s3_bucket, Key=key, Body=original)
    assert [p.name for p in tmp_path.iterdir() if ".wv-spill-" in p.name] == []

    proc = subprocess.run([wv_bin, "shard", "--remove-work", f"s3://{s3_bucket}/work"], capture_output=True, text=True)
    assert proc.returncode == 2 and "not a distributed run's work prefix" in proc.stderr
    proc = subprocess.run([wv_bin, "shard", "--remove-work", work], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert list_keys(s3, s3_bucket, "work/") == ["work/.wv-dist-x-r1-neighbour"]
