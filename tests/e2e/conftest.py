"""Fixtures for end-to-end tests: they start the real `coffer` binary on free loopback
ports and drive it over HTTP with real clients (hvac, requests, the coffer CLI).

Against a sanitized binary (cmake -DCOFFER_SANITIZE=ON; scripts/test --sanitize) a test
fails at teardown if, meanwhile, any coffer process (server or CLI) wrote an ASan, UBSan or
LeakSanitizer report to the report directory (log_path below), or a server it started
wrote one to its log (a report from a running server's thread has been seen to go to
stderr despite log_path), or died of SIGABRT (scripts/test sets abort_on_error=1)."""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

COFFER_BIN = os.environ.get(
    "COFFER_BIN",
    os.path.join(os.path.dirname(__file__), "..", "..", "build", "src", "coffer"))


def _links_sanitizer_runtime(path):
    """True if the ELF file at `path` needs GCC's ASan runtime (libasan.so.N)."""
    try:
        r = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "libasan.so" in r.stdout


# scripts/test --sanitize sets COFFER_SANITIZED=1; the readelf check covers a sanitized
# binary named by COFFER_BIN alone.
SANITIZED = os.environ.get("COFFER_SANITIZED") == "1" or _links_sanitizer_runtime(COFFER_BIN)

# Every process started from here inherits these, so sanitizer reports land in files
# named <dir>/report.<pid> even from a process whose stderr the test captured.
SANITIZER_LOG_DIR = tempfile.mkdtemp(prefix="coffer-sanitizer-")
for _var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
    _opts = os.environ.get(_var, "")
    if "log_path=" not in _opts:
        os.environ[_var] = ":".join(
            o for o in (_opts, "log_path=" + os.path.join(SANITIZER_LOG_DIR, "report")) if o)

# The text a sanitizer report starts with, for logs that caught one on stderr.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: UndefinedBehaviorSanitizer")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CofferServer:
    """One `coffer server` process. `addr` is its first listener's URL."""

    started = []  # every server started during the current test (sanitizer_check)

    def __init__(self, args, addr, workdir, ca_cert=None, env=None):
        self.args = args
        self.addr = addr
        self.workdir = workdir
        self.ca_cert = ca_cert
        self.env = dict(os.environ, HOME=workdir, **(env or {}))
        self.proc = None
        self.log_path = os.path.join(workdir, "server-%d.log" % time.monotonic_ns())
        self.root_token = None
        self.unseal_key = None

    @property
    def verify(self):
        return self.ca_cert if self.ca_cert else True

    def start(self, wait=True):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([COFFER_BIN, "server"] + self.args, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=self.env)
        CofferServer.started.append(self)
        if wait:
            self.wait_listening()
        return self

    def wait_listening(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("coffer exited with %s:\n%s" % (self.proc.returncode, self.output()))
            try:
                requests.get(self.addr + "/v1/sys/seal-status", verify=self.verify, timeout=1)
                self._scrape_dev_output()
                return
            except requests.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("coffer did not start listening:\n" + self.output())

    def _scrape_dev_output(self):
        for line in self.output().splitlines():
            if line.startswith("Root Token: "):
                self.root_token = line.split(": ", 1)[1].strip()
            if line.startswith("Unseal Key: "):
                self.unseal_key = line.split(": ", 1)[1].strip()

    def output(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def cli(self, *args, token=None, check=True, stdin=None, env=None):
        """Runs the coffer CLI against this server; returns CompletedProcess."""
        e = dict(self.env, COFFER_ADDR=self.addr)
        if self.ca_cert:
            e["COFFER_CACERT"] = self.ca_cert
        if token is not None:
            e["COFFER_TOKEN"] = token
        e.update(env or {})
        r = subprocess.run([COFFER_BIN] + list(args), capture_output=True, text=True, env=e,
                           input=stdin, timeout=30)
        if check and r.returncode != 0:
            raise AssertionError("coffer %s failed (%d):\nstdout: %s\nstderr: %s" %
                                 (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r


def _sanitizer_failures(servers):
    """What the sanitizers reported during a test, as text; "" when nothing."""
    found = []
    for path in sorted(glob.glob(os.path.join(SANITIZER_LOG_DIR, "report*"))):
        with open(path, "rb") as f:
            found.append("%s:\n%s" % (path, f.read().decode("utf-8", "replace")))
        os.remove(path)
    for srv in servers:
        out = srv.output()
        if any(m in out for m in SANITIZER_MARKERS):
            found.append("server log %s:\n%s" % (srv.log_path, out[-20000:]))
        elif srv.proc.returncode == -signal.SIGABRT:
            found.append("server %s died of SIGABRT:\n%s" % (srv.args, out[-20000:]))
    return "\n".join(found)


def _check_sanitizers():
    """Stops the servers the current test started (LeakSanitizer runs at exit) and fails
    the test if any coffer process reported a sanitizer error meanwhile."""
    servers, CofferServer.started = CofferServer.started, []
    for srv in servers:
        srv.stop()
    failures = _sanitizer_failures(servers)
    if failures:
        pytest.fail("sanitizer report:\n" + failures, pytrace=False)


@pytest.fixture(autouse=True)
def sanitizer_check():
    """Catches reports of coffer processes in tests without a workdir (CLI runs); the
    servers are checked by workdir's teardown, while their logs still exist."""
    CofferServer.started = []
    yield
    _check_sanitizers()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(SANITIZER_LOG_DIR, ignore_errors=True)


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="coffer-e2e-") as d:
        yield d
        # After the fixtures built on workdir (dev_server, production, cluster) stopped
        # their servers, before the servers' logs in d are removed.
        _check_sanitizers()


@pytest.fixture
def dev_server(workdir):
    port = free_port()
    srv = CofferServer(["-dev", "-dev-root-token-id=root", "-dev-listen-address=127.0.0.1:%d" % port],
                       "http://127.0.0.1:%d" % port, workdir)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def leased_dev_server(workdir):
    """A dev server whose K/V mounts (secret/ too, version 1) issue leases, as Vault's
    -dev-leased-kv."""
    port = free_port()
    srv = CofferServer(["-dev", "-dev-root-token-id=root", "-dev-leased-kv",
                        "-dev-listen-address=127.0.0.1:%d" % port],
                       "http://127.0.0.1:%d" % port, workdir)
    srv.start()
    yield srv
    srv.stop()


def make_tls(workdir):
    """A CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI."""
    tls = os.path.join(workdir, "tls")
    os.makedirs(tls, exist_ok=True)
    ca_key, ca_crt = os.path.join(tls, "ca.key"), os.path.join(tls, "ca.crt")
    key, csr, crt = (os.path.join(tls, n) for n in ("server.key", "server.csr", "server.crt"))
    ext = os.path.join(tls, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", ca_key, "-out", ca_crt, "-days", "2", "-subj", "/CN=Coffer Test CA")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
        "-out", crt, "-days", "2", "-extfile", ext)
    return {"ca": ca_crt, "cert": crt, "key": key, "ca_key": ca_key, "dir": tls}


PRODUCTION_CONFIG = """
storage "raft" {{
  path                   = "{data}"
  node_id                = "node1"
  performance_multiplier = 1
  trailing_logs          = 10000
  snapshot_threshold     = 8192
}}

listener "tcp" {{
  address         = "127.0.0.1:{port1}"
  cluster_address = "127.0.0.1:{cport}"
  tls_cert_file   = "{cert}"
  tls_key_file    = "{key}"
  tls_min_version = "tls12"
}}

listener "tcp" {{
  address         = "127.0.0.1:{port2}"
  tls_cert_file   = "{cert}"
  tls_key_file    = "{key}"
  tls_min_version = "tls12"
}}

telemetry {{
  prometheus_retention_time = "30s"
  disable_hostname          = true
}}

api_addr     = "https://127.0.0.1:{port1}"
cluster_addr = "https://127.0.0.1:{cport}"
ui           = true
log_level    = "info"
pid_file     = "{pid}"
"""


class ProductionNode:
    """A TLS server on raft (LMDB) storage with the production configuration."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.tls = make_tls(workdir)
        self.data = os.path.join(workdir, "data")
        os.makedirs(self.data, exist_ok=True)
        self.port1, self.port2, self.cport = free_port(), free_port(), free_port()
        self.config = os.path.join(workdir, "coffer.hcl")
        with open(self.config, "w") as f:
            f.write(PRODUCTION_CONFIG.format(data=self.data, port1=self.port1, port2=self.port2,
                                             cport=self.cport, cert=self.tls["cert"],
                                             key=self.tls["key"],
                                             pid=os.path.join(workdir, "coffer.pid")))
        self.server = None

    def start(self):
        self.server = CofferServer(["-config=" + self.config], "https://127.0.0.1:%d" % self.port1,
                                   self.workdir, ca_cert=self.tls["ca"])
        self.server.start()
        return self.server

    def stop(self, sig=signal.SIGTERM):
        if self.server:
            return self.server.stop(sig)


@pytest.fixture
def production(workdir):
    node = ProductionNode(workdir)
    yield node
    node.stop()


def api(server, method, path, token=None, **kw):
    headers = kw.pop("headers", {})
    if token:
        headers["X-Vault-Token"] = token
    return requests.request(method, server.addr + "/v1/" + path, headers=headers,
                            verify=server.verify, timeout=10, **kw)
