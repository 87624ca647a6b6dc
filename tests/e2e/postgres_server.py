"""A real PostgreSQL server for the end-to-end tests, started by the tests themselves.

`initdb` into a temporary folder, the server listening on a unix socket in that folder and on a
free loopback port, password authentication (SCRAM) for every connection, stopped at the end of
the test session. Debian's `postgresql` package provides the binaries (`make setup` installs it).
When they are missing the tests fail under WV_REQUIRE_PG=1 (as `make test` runs them) and are
skipped otherwise.

PostgreSQL refuses to run as root: as root (CI, the development machines), initdb and the server
run as the `postgres` user that Debian's package creates, through runuser.
"""
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile

import pytest

SUPERUSER = "wvadmin"


def _bin_dir():
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0)
    for d in reversed(candidates):
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    found = shutil.which("initdb")
    return os.path.dirname(found) if found else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Settings for tests: speed over durability (the data dies with the test session).
TEST_SETTINGS = {"max_connections": "220", "fsync": "off", "synchronous_commit": "off",
                 "full_page_writes": "off", "shared_buffers": "64MB"}


class PostgresServer:
    """One server: .conninfo(dbname=..., user=..., password=...) builds connection strings.

    `settings` are server options (-c name=value); the benchmark passes durable ones.
    """

    def __init__(self, settings=None):
        bin_dir = _bin_dir()
        if bin_dir is None:
            message = ("PostgreSQL's initdb/pg_ctl not found (Debian package postgresql; "
                       "`make setup` installs it)")
            if os.environ.get("WV_REQUIRE_PG") == "1":
                pytest.fail(message)
            pytest.skip(message)
        self.bin = bin_dir
        self.dir = tempfile.mkdtemp(prefix="wv-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.socket_dir = self.dir
        self.port = free_port()
        self.password = secrets.token_hex(12)
        self.as_user = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        if self.as_user:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        self._run("initdb", "-D", self.data, "-U", SUPERUSER, "--pwfile", pwfile,
                  "--auth=scram-sha-256", "-E", "UTF8", "--no-locale")
        os.unlink(pwfile)
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
        for name, value in (TEST_SETTINGS if settings is None else settings).items():
            options += f" -c {name}={value}"
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"), "-o", options,
                  "-w", "-t", "60", "start")

    def _run(self, tool, *args):
        subprocess.run([*self.as_user, os.path.join(self.bin, tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def conninfo(self, dbname="postgres", user=SUPERUSER, password=None, tcp=False):
        """A libpq connection string (unix socket unless tcp)."""
        host = "127.0.0.1" if tcp else self.socket_dir
        pw = self.password if password is None else password
        parts = [f"host={host}", f"port={self.port}", f"dbname={dbname}", f"user={user}"]
        if pw:
            parts.append(f"password={pw}")
        return " ".join(parts)

    def connect(self, dbname="postgres", **kwargs):
        import psycopg
        return psycopg.connect(self.conninfo(dbname=dbname, **kwargs), autocommit=True)

    def create_database(self, name):
        with self.connect() as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return name

    def stop(self):
        try:
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    server = PostgresServer()
    yield server
    server.stop()
