"""A real Spark standalone cluster on loopback for the end-to-end tests, started by the tests themselves.

One master and one worker (`spark-class org.apache.spark.deploy.master.Master` / `...worker.Worker`
from the pip `pyspark` package), both bound to 127.0.0.1 on free ports, their logs, work and scratch
folders in one temporary folder, stopped (the whole process group of each) at the end of the test
session. A session made by `session()` asks for two executors of one core each
(spark.executor.cores=1, spark.cores.max=2): two executor JVMs, so a job really crosses processes.
Driver, executors and Python workers use this interpreter (PYSPARK_PYTHON). Java 17 comes from Debian
(`make setup` installs it and pyspark); when either is missing the tests fail under WV_REQUIRE_SPARK=1
(as `make test` runs them) and are skipped otherwise.

Not thread-safe: one cluster per test session (per pytest-xdist worker; the Spark tests share one
xdist_group so that they run on one worker).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

from postgres_server import free_port

EXECUTORS = 2
WORKER_MEMORY = "2g"
EXECUTOR_MEMORY = "768m"
START_TIMEOUT_S = 180  # a bound on waiting for a daemon that never comes up, not a test time limit
# Short-lived JVMs on a small machine: C1 only (most of a JVM's start-up CPU is C2 compiling) and the
# serial collector (no GC threads per core). For the daemons, the executors and the driver.
JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def _spark_home():
    """The pip pyspark package's folder (its bin/spark-class and jars/), or None without it or Java."""
    try:
        import pyspark
    except ImportError:
        return None, "pyspark is not installed (scripts/requirements-test.txt; `make setup`)"
    if shutil.which("java") is None:
        return None, "java is not on PATH (Debian openjdk-17-jre-headless; `make setup`)"
    return os.path.dirname(pyspark.__file__), None


def require_spark():
    """The Spark home; skips (or fails under WV_REQUIRE_SPARK=1) when pyspark or Java is missing."""
    home, why = _spark_home()
    if home is None:
        if os.environ.get("WV_REQUIRE_SPARK") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return home


def _env(home, root):
    env = dict(os.environ)
    env.update({"SPARK_HOME": home, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOCAL_DIRS": root,
                "SPARK_LOG_DIR": root, "SPARK_NO_DAEMONIZE": "1", "SPARK_DAEMON_JAVA_OPTS": JAVA_OPTS,
                "SPARK_DAEMON_MEMORY": "256m",
                "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable})
    return env


class SparkCluster:
    """A master and a worker: .url (spark://127.0.0.1:P), .session() builds a SparkSession."""

    def __init__(self):
        self.home = require_spark()
        self.root = tempfile.mkdtemp(prefix="wv-spark-")
        self.env = _env(self.home, self.root)
        self.port, self.ui_port, self.worker_ui_port = free_port(), free_port(), free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.procs = []
        self._session = None

    def _daemon(self, name, *args):
        log = open(os.path.join(self.root, f"{name}.log"), "wb")
        proc = subprocess.Popen([os.path.join(self.home, "bin", "spark-class"), *args], env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        log.close()
        self.procs.append((name, proc))
        return proc

    def log(self, name):
        with open(os.path.join(self.root, f"{name}.log"), errors="replace") as f:
            return f.read()[-4000:]

    def _master_state(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as r:
                return json.load(r)
        except (OSError, ValueError):  # not listening yet, or a page served before the JSON is ready
            return None

    def _wait(self, what, ready):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for name, proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"spark {name} exited {proc.returncode}:\n{self.log(name)}")
            state = self._master_state()
            if state is not None and ready(state):
                return
            time.sleep(0.25)
        raise RuntimeError(f"spark {what} did not come up in {START_TIMEOUT_S} s:\n"
                           + "\n".join(self.log(n) for n, _ in self.procs))

    def start(self):
        try:
            self._daemon("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                         "--port", str(self.port), "--webui-port", str(self.ui_port))
            self._wait("master", lambda s: s.get("status") == "ALIVE")
            self._daemon("worker", "org.apache.spark.deploy.worker.Worker", self.url,
                         "--host", "127.0.0.1", "--cores", str(EXECUTORS), "--memory", WORKER_MEMORY,
                         "--webui-port", str(self.worker_ui_port),
                         "--work-dir", os.path.join(self.root, "work"))
            self._wait("worker", lambda s: s.get("aliveworkers", 0) >= 1)
        except BaseException:
            self.stop()
            raise
        return self

    def session(self):
        """The test session's SparkSession on this cluster, waiting for both executors."""
        if self._session is None:
            os.environ.update({k: self.env[k] for k in ("SPARK_LOCAL_IP", "PYSPARK_PYTHON",
                                                        "PYSPARK_DRIVER_PYTHON", "SPARK_HOME")})
            from pyspark.sql import SparkSession

            self._session = (
                SparkSession.builder.master(self.url).appName("wordviews-e2e")
                .config("spark.executor.cores", "1").config("spark.cores.max", str(EXECUTORS))
                .config("spark.executor.memory", EXECUTOR_MEMORY)
                .config("spark.executor.extraJavaOptions", JAVA_OPTS)
                .config("spark.driver.extraJavaOptions", JAVA_OPTS)
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .config("spark.scheduler.maxRegisteredResourcesWaitingTime", f"{START_TIMEOUT_S}s")
                .getOrCreate())
        return self._session

    def executor_count(self):
        """Executors registered with the driver (the driver's own block manager not counted)."""
        sc = self.session().sparkContext
        return sc._jsc.sc().getExecutorMemoryStatus().size() - 1

    def stop(self):
        if self._session is not None:
            self._session.stop()
            self._session = None
        # Both daemons at once (the worker takes its executors down with it), then wait for each.
        for _, proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs = []
        shutil.rmtree(self.root, ignore_errors=True)
