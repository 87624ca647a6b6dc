"""A real S3 server for the end-to-end tests: versitygw on loopback, started and stopped by the tests.

versitygw checks SigV4 signatures and body hashes as AWS does, and supports multipart uploads, ranges,
ListObjectsV2 with continuation tokens and conditional writes (facts in shared/docs/S3_TESTING.md).
`scripts/setup.sh` builds it once per machine into the tools cache; `WV_VERSITYGW` names another binary.
"""
import os
import pathlib
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request

VERSITYGW_VERSION = "v1.8.0"
REGION = "us-east-1"


def versitygw_path():
    """The versitygw binary the tests use: $WV_VERSITYGW, else the one setup.sh builds."""
    override = os.environ.get("WV_VERSITYGW")
    if override:
        return pathlib.Path(override)
    tools = pathlib.Path(os.environ.get("WV_TOOLS", pathlib.Path.home() / ".cache" / "wordviews" / "tools"))
    return tools / f"versitygw-{VERSITYGW_VERSION}" / "versitygw"


def free_loopback_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (versitygw cannot report a port it chose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    """One versitygw process serving DATA_DIR on a loopback port, with random root credentials.

    Not thread-safe to start or stop; its attributes are read-only once started.
    """

    def __init__(self, binary, data_dir, log_path):
        self.binary = pathlib.Path(binary)
        self.data_dir = pathlib.Path(data_dir)
        self.log_path = pathlib.Path(log_path)
        # AWS-shaped keys (20 upper-case characters, 40 of base64-ish text), random per session so a
        # test that finds the secret in wordviews' output has found a leak, not a constant.
        self.access_key = "AKIA" + secrets.token_hex(8).upper()
        self.secret_key = secrets.token_urlsafe(30)[:40]
        self.region = REGION
        self.port = None
        self.process = None

    @property
    def wrong_secret_key(self):
        """The secret with its first character changed: always different from it (the secret is
        random, so a fixed replacement character would equal it one time in 64)."""
        first = "y" if self.secret_key[0] == "x" else "x"
        return first + self.secret_key[1:]

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, attempts=5):
        """Starts the server on a free port and waits until it answers HTTP; retries when the port was
        taken between choosing and binding it. Raises RuntimeError with the server's log otherwise."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(attempts):
            self.port = free_loopback_port()
            env = dict(os.environ, ROOT_ACCESS_KEY=self.access_key, ROOT_SECRET_KEY=self.secret_key)
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    [str(self.binary), "--port", f"127.0.0.1:{self.port}", "--quiet", "posix",
                     str(self.data_dir)],
                    env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            if self._wait_ready(timeout=30):
                return self
            self.stop()
        raise RuntimeError(f"versitygw did not start; its log ({self.log_path}):\n"
                           + self.log_path.read_text(errors="replace")[-4000:])

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                urllib.request.urlopen(self.endpoint + "/", timeout=2).close()
                return True
            except urllib.error.HTTPError:
                return True  # any HTTP answer (an anonymous request gets 403) means it is serving
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self, endpoint=None, attempts=1, **config):
        """A boto3 S3 client with path-style addressing (glibc here does not resolve bucket.localhost),
        retries off by default (a test sees every fault), and checksums only where S3 requires them."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3", endpoint_url=endpoint or self.endpoint, region_name=self.region,
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"},
                          retries={"total_max_attempts": attempts, "mode": "standard"},
                          request_checksum_calculation="when_required",
                          response_checksum_validation="when_required", **config))

    def wordviews_env(self, endpoint=None, home=None):
        """The environment a `wordviews` subprocess needs to reach this server (or a proxy in front of
        it): the credentials, the endpoint and the region, and nothing of the caller's own AWS setup."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=self.access_key, AWS_SECRET_ACCESS_KEY=self.secret_key,
                   AWS_ENDPOINT_URL_S3=endpoint or self.endpoint, AWS_REGION=self.region,
                   AWS_DEFAULT_REGION=self.region, AWS_EC2_METADATA_DISABLED="true")
        if home is not None:
            # No ~/.aws of the user's: the shared files are named and absent.
            env.update(AWS_SHARED_CREDENTIALS_FILE=str(pathlib.Path(home) / "no-aws-credentials"),
                       AWS_CONFIG_FILE=str(pathlib.Path(home) / "no-aws-config"))
        return env


def empty_bucket(client, bucket):
    """Removes every object and open multipart upload of BUCKET, then the bucket (best effort)."""
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in page.get("Uploads", []):
            client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=obj["Key"])
    client.delete_bucket(Bucket=bucket)


def list_keys(client, bucket, prefix=""):
    """Every key under PREFIX, sorted (ListObjectsV2, all pages)."""
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(obj["Key"] for obj in page.get("Contents", []))
    return sorted(keys)


def open_uploads(client, bucket, prefix=""):
    """The multipart uploads still open under PREFIX, as (key, upload id) pairs."""
    uploads = []
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=prefix):
        uploads.extend((u["Key"], u["UploadId"]) for u in page.get("Uploads", []))
    return uploads
