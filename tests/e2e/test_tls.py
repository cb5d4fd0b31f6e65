"""TLS listener behaviour: client certificates verified only when required, certificates
reloaded on SIGHUP, memory locked when mlock is on."""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest
import requests

from conftest import SANITIZED, CofferServer, free_port, make_tls


def write_config(workdir, port, tls, extra=""):
    path = os.path.join(workdir, "tls.hcl")
    with open(path, "w") as f:
        f.write('storage "inmem" {}\n'
                'listener "tcp" {\n  address = "127.0.0.1:%d"\n  tls_cert_file = "%s"\n'
                '  tls_key_file = "%s"\n%s}\n' % (port, tls["cert"], tls["key"], extra))
    return path


def peer_cert_der(port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            return s.getpeercert(binary_form=True)


def test_client_cert_required_and_verified(workdir):
    tls = make_tls(workdir)
    port = free_port()
    cfg = write_config(workdir, port, tls, '  tls_client_ca_file = "%s"\n'
                       '  tls_require_and_verify_client_cert = true\n' % tls["ca"])
    srv = CofferServer(["-config=" + cfg], "https://127.0.0.1:%d" % port, workdir,
                       ca_cert=tls["ca"]).start(wait=False)
    try:
        deadline = time.time() + 15
        while True:
            try:
                r = requests.get(srv.addr + "/v1/sys/health", verify=tls["ca"],
                                 cert=(tls["cert"], tls["key"]), timeout=2)
                break
            except requests.exceptions.ConnectionError:
                assert time.time() < deadline, srv.output()
                time.sleep(0.1)
        assert r.status_code == 501
        with pytest.raises(requests.exceptions.RequestException):
            requests.get(srv.addr + "/v1/sys/health", verify=tls["ca"], timeout=2)
    finally:
        srv.stop()


def test_client_cert_not_required_by_default(workdir):
    tls = make_tls(workdir)
    port = free_port()
    cfg = write_config(workdir, port, tls)
    srv = CofferServer(["-config=" + cfg], "https://127.0.0.1:%d" % port, workdir,
                       ca_cert=tls["ca"]).start()
    try:
        assert requests.get(srv.addr + "/v1/sys/health", verify=tls["ca"], timeout=2).status_code == 501
    finally:
        srv.stop()


def test_sighup_reloads_certificate(workdir):
    tls = make_tls(workdir)
    port = free_port()
    cfg = write_config(workdir, port, tls)
    srv = CofferServer(["-config=" + cfg], "https://127.0.0.1:%d" % port, workdir,
                       ca_cert=tls["ca"]).start()
    try:
        before = peer_cert_der(port, tls["ca"])
        # Re-issue the leaf from the same CA so clients keep trusting it.
        subprocess.run(["openssl", "x509", "-req", "-in", os.path.join(tls["dir"], "server.csr"),
                        "-CA", tls["ca"], "-CAkey", tls["ca_key"], "-CAcreateserial",
                        "-out", tls["cert"] + ".new", "-days", "3",
                        "-extfile", os.path.join(tls["dir"], "ext.cnf")],
                       check=True, capture_output=True)
        shutil.move(tls["cert"] + ".new", tls["cert"])
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while peer_cert_der(port, tls["ca"]) == before:
            assert time.time() < deadline, "certificate not reloaded:\n" + srv.output()
            time.sleep(0.1)
        # A broken certificate file on reload keeps the old one serving.
        with open(tls["cert"], "w") as f:
            f.write("garbage")
        srv.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert srv.proc.poll() is None
        assert requests.get(srv.addr + "/v1/sys/health", verify=tls["ca"], timeout=2).status_code == 501
        assert "failed to reload TLS" in srv.output()
    finally:
        srv.stop()


@pytest.mark.skipif(SANITIZED, reason="sanitized build: ASan's shadow memory makes mlockall "
                    "impractical, and its mlockall interceptor does nothing, so VmLck stays 0")
def test_memory_is_locked_unless_disabled(production):
    srv = production.start()
    with open("/proc/%d/status" % srv.proc.pid) as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    if os.geteuid() != 0:
        pytest.skip("mlockall needs root or CAP_IPC_LOCK")
    assert int(status["VmLck"].split()[0]) > 0
