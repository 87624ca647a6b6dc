"""The S3 test infrastructure itself: versitygw as the tests start it, and the fault proxy, driven by boto3.

The wordviews S3 tests trust these two to behave as an S3 service and a faulty network would; these tests
are why: every fault is seen by an independent client (boto3 with its retries off) as the fault it is, and
what the proxy forwards untouched is exactly what the server stores and serves.
"""
import hashlib
import os

import botocore.exceptions
import pytest

from s3_server import list_keys, open_uploads

MiB = 1024 * 1024


def payload(size, seed=0):
    """SIZE bytes that differ everywhere (a cut or a shifted range cannot go unnoticed)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


@pytest.fixture
def via_proxy(s3_server, s3_proxy):
    """A boto3 client whose requests go through the proxy, retries off."""
    return s3_server.client(endpoint=s3_proxy.endpoint)


def test_server_checks_signatures_and_serves_ranges(s3_server, s3, s3_bucket):
    data = payload(100_000)
    s3.put_object(Bucket=s3_bucket, Key="a/b c+d.bin", Body=data)
    got = s3.get_object(Bucket=s3_bucket, Key="a/b c+d.bin", Range="bytes=10-19")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == data[10:20]
    assert list_keys(s3, s3_bucket) == ["a/b c+d.bin"]

    wrong = s3_server.client()
    wrong._request_signer._credentials.secret_key = "x" * 40  # same key id, wrong secret
    with pytest.raises(botocore.exceptions.ClientError) as err:
        wrong.get_object(Bucket=s3_bucket, Key="a/b c+d.bin")
    assert err.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_proxy_forwards_signed_requests_and_bodies_unchanged(s3_server, s3, s3_bucket, s3_proxy, via_proxy):
    """A signature covers the Host header as the client sent it: were it rewritten, versitygw would
    refuse every request. A multipart upload's parts (with Expect: 100-continue) and a ranged GET go
    through byte for byte."""
    data = payload(11 * MiB, seed=1)
    upload = via_proxy.create_multipart_upload(Bucket=s3_bucket, Key="big.bin")["UploadId"]
    parts = []
    for number, start in enumerate(range(0, len(data), 5 * MiB), start=1):
        etag = via_proxy.upload_part(Bucket=s3_bucket, Key="big.bin", UploadId=upload, PartNumber=number,
                                     Body=data[start:start + 5 * MiB])["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    via_proxy.complete_multipart_upload(Bucket=s3_bucket, Key="big.bin", UploadId=upload,
                                        MultipartUpload={"Parts": parts})

    assert s3.get_object(Bucket=s3_bucket, Key="big.bin")["Body"].read() == data  # read directly
    ranged = via_proxy.get_object(Bucket=s3_bucket, Key="big.bin", Range=f"bytes={6 * MiB}-{7 * MiB - 1}")
    assert ranged["Body"].read() == data[6 * MiB:7 * MiB]
    assert via_proxy.head_object(Bucket=s3_bucket, Key="big.bin")["ContentLength"] == len(data)

    assert [r.method for r in s3_proxy.log(query="uploads")] == ["POST"]
    assert len(s3_proxy.log(method="PUT", query="partNumber")) == 3
    assert s3_proxy.requests == 1 + 3 + 1 + 2 and s3_proxy.faults == 0
    assert all(r.status in (200, 206) for r in s3_proxy.log())
    assert open_uploads(s3, s3_bucket) == []


@pytest.mark.parametrize("status,code", [(503, "SlowDown"), (500, "InternalError"), (429, "TooManyRequests")])
def test_injected_errors_are_s3_errors_and_never_reach_the_server(s3, s3_bucket, s3_proxy, via_proxy,
                                                                  status, code):
    s3_proxy.add("error", method="PUT", key=r"^x\.bin$", status=status)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        via_proxy.put_object(Bucket=s3_bucket, Key="x.bin", Body=payload(2 * MiB))
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert err.value.response["Error"]["Code"] == code
    assert list_keys(s3, s3_bucket) == []  # the server never saw it

    via_proxy.put_object(Bucket=s3_bucket, Key="x.bin", Body=b"second try")  # times=1: it passes now
    assert s3.get_object(Bucket=s3_bucket, Key="x.bin")["Body"].read() == b"second try"
    assert [(r.fault, r.status) for r in s3_proxy.log()] == [("error", status), (None, 200)]


def test_errors_on_head_and_keep_alive_connections(s3, s3_bucket, s3_proxy, via_proxy):
    s3.put_object(Bucket=s3_bucket, Key="h", Body=b"12345")
    s3_proxy.add("error", method="HEAD", status=503)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        via_proxy.head_object(Bucket=s3_bucket, Key="h")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    # The same pooled connection carries the next requests.
    assert via_proxy.head_object(Bucket=s3_bucket, Key="h")["ContentLength"] == 5
    assert via_proxy.get_object(Bucket=s3_bucket, Key="h")["Body"].read() == b"12345"


def test_nth_and_times_choose_which_matching_requests_fail(s3, s3_bucket, s3_proxy, via_proxy):
    s3.put_object(Bucket=s3_bucket, Key="k1", Body=b"one")
    s3.put_object(Bucket=s3_bucket, Key="other", Body=b"two")
    rule = s3_proxy.add("error", method="GET", key=r"^k\d$", nth=2, times=2, status=500)
    outcomes = []
    for key in ["k1", "other", "k1", "k1", "k1", "other"]:
        try:
            via_proxy.get_object(Bucket=s3_bucket, Key=key)["Body"].read()
            outcomes.append("ok")
        except botocore.exceptions.ClientError:
            outcomes.append("fail")
    assert outcomes == ["ok", "ok", "fail", "fail", "ok", "ok"]
    assert (rule.matched, rule.fired) == (4, 2)


def test_query_terms_pick_multipart_requests(s3, s3_bucket, s3_proxy, via_proxy):
    """`partNumber=2` fails the second part's first attempt only; sent again (as wordviews retries a
    part), the upload completes whole. `uploads` matches CreateMultipartUpload and nothing else."""
    failing = s3_proxy.add("error", method="PUT", query="partNumber=2", status=500)
    creates = s3_proxy.add("stall_request", query="uploads", seconds=0, times=None)
    data = payload(10 * MiB + 7, seed=2)
    upload = via_proxy.create_multipart_upload(Bucket=s3_bucket, Key="m")["UploadId"]
    parts = []
    for number, start in enumerate(range(0, len(data), 5 * MiB), start=1):
        body = data[start:start + 5 * MiB]
        try:
            etag = via_proxy.upload_part(Bucket=s3_bucket, Key="m", UploadId=upload, PartNumber=number,
                                         Body=body)["ETag"]
        except botocore.exceptions.ClientError as err:
            assert (number, err.response["Error"]["Code"]) == (2, "InternalError")
            etag = via_proxy.upload_part(Bucket=s3_bucket, Key="m", UploadId=upload, PartNumber=number,
                                         Body=body)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    via_proxy.complete_multipart_upload(Bucket=s3_bucket, Key="m", UploadId=upload,
                                        MultipartUpload={"Parts": parts})
    assert s3.get_object(Bucket=s3_bucket, Key="m")["Body"].read() == data
    assert (failing.matched, failing.fired) == (2, 1)
    assert (creates.matched, creates.fired) == (1, 1)
    numbers = [r.query["partNumber"][0] for r in s3_proxy.log(method="PUT", query="partNumber")]
    assert numbers == ["1", "2", "2", "3"]
    assert open_uploads(s3, s3_bucket) == []


def test_cut_response_is_an_error_for_the_client(s3, s3_bucket, s3_proxy, via_proxy):
    data = payload(3 * MiB, seed=3)
    s3.put_object(Bucket=s3_bucket, Key="c", Body=data)
    s3_proxy.add("cut_response", method="GET", key="^c$", after_bytes=MiB + 13)
    response = via_proxy.get_object(Bucket=s3_bucket, Key="c")
    with pytest.raises((botocore.exceptions.IncompleteReadError,
                        botocore.exceptions.ResponseStreamingError)):
        response["Body"].read()
    # The next GET (on a new connection) is whole.
    assert via_proxy.get_object(Bucket=s3_bucket, Key="c")["Body"].read() == data


def test_cut_response_with_reset_and_cut_before_the_body(s3, s3_bucket, s3_proxy, via_proxy):
    s3.put_object(Bucket=s3_bucket, Key="r", Body=payload(200_000))
    s3_proxy.add("cut_response", method="GET", after_bytes=0, reset=True)
    with pytest.raises((botocore.exceptions.IncompleteReadError, botocore.exceptions.ResponseStreamingError,
                        botocore.exceptions.ConnectionClosedError)):
        via_proxy.get_object(Bucket=s3_bucket, Key="r")["Body"].read()


def test_cut_request_leaves_nothing_on_the_server(s3, s3_bucket, s3_proxy, via_proxy):
    s3_proxy.add("cut_request", method="PUT", after_bytes=1000)
    with pytest.raises((botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError,
                        botocore.exceptions.ClientError)):
        via_proxy.put_object(Bucket=s3_bucket, Key="p", Body=payload(2 * MiB))
    assert list_keys(s3, s3_bucket) == []
    via_proxy.put_object(Bucket=s3_bucket, Key="p", Body=b"whole")
    assert s3.get_object(Bucket=s3_bucket, Key="p")["Body"].read() == b"whole"


def test_drop_closes_without_an_answer(s3, s3_bucket, s3_proxy, via_proxy):
    s3_proxy.add("drop", method="GET")
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        via_proxy.get_object(Bucket=s3_bucket, Key="absent")
    assert [r.status for r in s3_proxy.log()] == [None]


def test_stalls_outlast_a_short_read_timeout(s3_server, s3, s3_bucket, s3_proxy):
    """A response stalled past the client's read timeout is a timeout; the same stall under a
    patient client only delays the answer, which arrives whole."""
    data = payload(300_000, seed=4)
    s3.put_object(Bucket=s3_bucket, Key="s", Body=data)
    impatient = s3_server.client(endpoint=s3_proxy.endpoint, read_timeout=1, connect_timeout=5)
    s3_proxy.add("stall_response", method="GET", after_bytes=None, seconds=3)
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        impatient.get_object(Bucket=s3_bucket, Key="s")["Body"].read()

    patient = s3_server.client(endpoint=s3_proxy.endpoint, read_timeout=30)
    s3_proxy.add("stall_response", method="GET", after_bytes=100_000, seconds=1)
    s3_proxy.add("stall_request", method="HEAD", seconds=1)
    # The first rule's window is spent; the second stalls this GET mid-body.
    assert patient.get_object(Bucket=s3_bucket, Key="s")["Body"].read() == data
    assert patient.head_object(Bucket=s3_bucket, Key="s")["ContentLength"] == len(data)
    assert [r.fault for r in s3_proxy.log()] == ["stall_response", "stall_response", "stall_request"]


def test_proxy_in_front_of_a_stopped_server_closes_connections(s3_server, tmp_path):
    """An unreachable endpoint as a client sees it: the proxy cannot connect upstream and closes."""
    from s3_fault_proxy import FaultProxy
    from s3_server import free_loopback_port

    with FaultProxy("127.0.0.1", free_loopback_port()) as proxy:
        client = s3_server.client(endpoint=proxy.endpoint)
        with pytest.raises((botocore.exceptions.ConnectionClosedError,
                            botocore.exceptions.EndpointConnectionError)):
            client.list_buckets()


def test_wordviews_environment_names_the_server_and_nothing_of_the_callers(s3_server, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "someone-elses")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "stale")
    env = s3_server.wordviews_env(home=tmp_path)
    assert env["AWS_ACCESS_KEY_ID"] == s3_server.access_key
    assert env["AWS_SECRET_ACCESS_KEY"] == s3_server.secret_key
    assert env["AWS_ENDPOINT_URL_S3"] == s3_server.endpoint
    assert "AWS_PROFILE" not in env and "AWS_SESSION_TOKEN" not in env
    assert not os.path.exists(env["AWS_SHARED_CREDENTIALS_FILE"])
