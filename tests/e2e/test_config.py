"""Server configuration errors name the file, the line and the key; signals behave."""

import os
import signal
import subprocess
import time

import requests

from conftest import COFFER_BIN, CofferServer, free_port


def run_server(config_text, workdir, name="bad.hcl"):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write(config_text)
    r = subprocess.run([COFFER_BIN, "server", "-config=" + path], capture_output=True, text=True,
                       timeout=20)
    return r, path


def test_unknown_key_names_file_and_line(workdir):
    r, path = run_server('storage "inmem" {}\nlistener "tcp" {\n  adress = "127.0.0.1:1"\n}\n', workdir)
    assert r.returncode != 0
    assert "bad.hcl:3" in r.stderr and "adress" in r.stderr


def test_bad_duration_and_type(workdir):
    r, _ = run_server('storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n'
                      'default_lease_ttl = "forever"\n', workdir)
    assert r.returncode != 0 and "bad.hcl:3" in r.stderr and "default_lease_ttl" in r.stderr
    r, _ = run_server('storage "inmem" {}\nlistener "tcp" { tls_disable = true }\nui = [1]\n', workdir)
    assert r.returncode != 0 and "bad.hcl:3" in r.stderr and "ui" in r.stderr


def test_missing_files(workdir):
    r = subprocess.run([COFFER_BIN, "server", "-config=" + os.path.join(workdir, "nope.hcl")],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0 and "nope.hcl" in r.stderr
    r, _ = run_server('storage "inmem" {}\nlistener "tcp" {\n  tls_cert_file = "/nonexistent.crt"\n'
                      '  tls_key_file = "/nonexistent.key"\n}\n', workdir)
    assert r.returncode != 0 and "/nonexistent.crt" in r.stderr


def test_unsupported_seal_is_refused_clearly(workdir):
    r, _ = run_server('storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n'
                      'seal "awskms" {\n  region = "us-east-1"\n  kms_key_id = "x"\n}\n', workdir)
    assert r.returncode != 0 and "not yet supported" in r.stderr and "bad.hcl:3" in r.stderr


def test_json_config_and_sigterm(workdir):
    port = free_port()
    path = os.path.join(workdir, "c.json")
    with open(path, "w") as f:
        f.write('{"storage": {"inmem": {}}, "listener": [{"tcp": {"address": "127.0.0.1:%d", '
                '"tls_disable": true}}], "disable_mlock": true}' % port)
    srv = CofferServer(["-config=" + path], "http://127.0.0.1:%d" % port, workdir).start()
    assert requests.get(srv.addr + "/v1/sys/health", timeout=5).status_code == 501
    srv.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    assert srv.proc.poll() is None
    assert requests.get(srv.addr + "/v1/sys/health", timeout=5).status_code == 501
    assert srv.stop(signal.SIGINT) == 0
