"""Server configuration errors name the file, the line and the key; signals behave."""

import json
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


def test_json_server_log_and_level_changed_by_sighup(workdir):
    """log_format = "json": every server log line is one JSON object with hclog's keys; a
    SIGHUP after the file's log_level changed applies the new level without a restart."""
    port = free_port()
    path = os.path.join(workdir, "log.hcl")
    conf = ('storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:%d"\n'
            '  tls_disable = true\n}\ndisable_mlock = true\nlog_format = "json"\n'
            'log_level = "%s"\n')
    with open(path, "w") as f:
        f.write(conf % (port, "warn"))
    srv = CofferServer(["-config=" + path], "http://127.0.0.1:%d" % port, workdir).start()
    requests.put(srv.addr + "/v1/sys/init", json={"secret_shares": 1, "secret_threshold": 1},
                 timeout=10).raise_for_status()
    srv.proc.send_signal(signal.SIGHUP)  # still warn: "caught SIGHUP" (info) is not logged
    time.sleep(0.5)
    with open(path, "w") as f:
        f.write(conf % (port, "info"))
    srv.proc.send_signal(signal.SIGHUP)  # logged at warn, then the level becomes info
    time.sleep(0.5)
    srv.proc.send_signal(signal.SIGHUP)  # now info lines are written
    deadline = time.time() + 10
    while time.time() < deadline and "caught SIGHUP" not in srv.output():
        time.sleep(0.1)
    assert srv.stop() == 0
    lines = [l for l in srv.output().splitlines() if l.strip()]
    # Log lines are JSON; only the start-up banner (as Vault's) is plain text.
    assert not [l for l in lines if any(m in l for m in ("[INFO]", "[WARN]", "[ERROR]"))]
    parsed = [json.loads(l) for l in lines if l.startswith("{")]
    assert parsed
    assert all({"@timestamp", "@level", "@module", "@message"} <= set(p) for p in parsed)
    sighups = [p for p in parsed if p["@message"].startswith("caught SIGHUP")]
    assert len(sighups) == 1 and sighups[0]["@level"] == "info"
    assert not [p for p in parsed if p["@level"] in ("debug", "trace")]
