"""Audit devices end to end: a file device and a syslog device (Debian's rsyslog as the
receiver, on a loopback UDP port) enabled through hvac; secrets written and read; both logs
must hold request and response entries whose HMACs sys/audit-hash reproduces, and no
plaintext secret may appear in either log or in the server log. A file device that cannot
be written makes the server refuse requests with nothing written (fail closed)."""

import json
import os
import shutil
import signal
import subprocess
import time

import hvac
import pytest

from cluster import wait_until
from conftest import api, free_port

SECRET = "plaintext-S3cr3t-value-7f3a"
RSYSLOGD = "/usr/sbin/rsyslogd"


def entries(path):
    """The JSON audit entries of a file device (one per line)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def syslog_entries(path):
    """The JSON audit entries rsyslog wrote: the message follows the tag ("coffer: {...}")."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            i = line.find("{")
            if i >= 0:
                out.append(json.loads(line[i:]))
    return out


@pytest.fixture
def rsyslog(workdir):
    """rsyslogd in the foreground with a UDP input on a free loopback port, writing
    everything it receives to <workdir>/syslog/messages."""
    d = os.path.join(workdir, "syslog")
    os.makedirs(d)
    port = free_port()
    conf = os.path.join(d, "rsyslog.conf")
    out = os.path.join(d, "messages")
    with open(conf, "w") as f:
        f.write('global(workDirectory="%s" maxMessageSize="64k")\n' % d)
        f.write('module(load="imudp")\n')
        f.write('input(type="imudp" address="127.0.0.1" port="%d")\n' % port)
        f.write('*.* action(type="omfile" file="%s" template="RSYSLOG_FileFormat")\n' % out)
    proc = subprocess.Popen([RSYSLOGD, "-n", "-f", conf, "-i", os.path.join(d, "pid")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # rsyslog has started its UDP input when it answers a probe: send until one lands.
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        def probe():
            s.sendto(b"<13>probe: rsyslog-ready", ("127.0.0.1", port))
            time.sleep(0.1)
            return os.path.exists(out) and "rsyslog-ready" in open(out).read()
        wait_until(probe, timeout=20, what="rsyslogd listening")
    yield {"port": port, "messages": out}
    proc.terminate()
    proc.wait(timeout=10)


def hashes_in(obj):
    """Every "hmac-sha256:..." string anywhere in a JSON value."""
    if isinstance(obj, str):
        return {obj} if obj.startswith("hmac-sha256:") else set()
    if isinstance(obj, dict):
        return set().union(*(hashes_in(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(hashes_in(v) for v in obj)) if obj else set()
    return set()


def test_file_and_syslog_devices_hash_what_they_log(dev_server, workdir, rsyslog):
    audit_log = os.path.join(workdir, "audit.log")
    client = hvac.Client(url=dev_server.addr, token="root")
    client.sys.enable_audit_device("file", options={"file_path": audit_log})
    client.sys.enable_audit_device(
        "syslog", options={"tag": "coffer", "facility": "LOCAL0",
                           "address": "127.0.0.1:%d" % rsyslog["port"]})
    devices = client.sys.list_enabled_audit_devices()["data"]
    assert devices["file/"]["type"] == "file"
    assert devices["file/"]["options"]["file_path"] == audit_log
    assert devices["syslog/"]["type"] == "syslog"

    client.secrets.kv.v2.create_or_update_secret(path="app/db", secret={"password": SECRET})
    read = client.secrets.kv.v2.read_secret_version(path="app/db")
    assert read["data"]["data"]["password"] == SECRET
    # A token created through the API: its id is a secret too.
    child = client.auth.token.create(policies=["default"], ttl="1h")["auth"]["client_token"]

    file_hash = client.sys.calculate_hash("file", SECRET)["data"]["hash"]
    syslog_hash = client.sys.calculate_hash("syslog", SECRET)["data"]["hash"]
    assert file_hash.startswith("hmac-sha256:") and syslog_hash.startswith("hmac-sha256:")
    assert file_hash != syslog_hash  # a salt per device
    root_hash = client.sys.calculate_hash("file", "root")["data"]["hash"]
    child_hash = client.sys.calculate_hash("file", child)["data"]["hash"]

    def both_logged():
        f = entries(audit_log)
        s = syslog_entries(rsyslog["messages"])
        return (any(e["type"] == "response" and e["request"]["path"] == "sys/audit-hash/file"
                    for e in f) and
                any(e["type"] == "response" and e["request"]["path"] == "secret/data/app/db" and
                    e["request"]["operation"] == "read" for e in s))
    wait_until(both_logged, timeout=20, what="entries in both logs")

    for log_entries, secret_hash in ((entries(audit_log), file_hash),
                                     (syslog_entries(rsyslog["messages"]), syslog_hash)):
        writes = [e for e in log_entries if e["request"]["path"] == "secret/data/app/db" and
                  e["request"]["operation"] in ("create", "update")]
        assert {e["type"] for e in writes} == {"request", "response"}
        req = [e for e in writes if e["type"] == "request"][0]
        # The secret in the request body is logged as its HMAC, which sys/audit-hash gives.
        assert req["request"]["data"]["data"]["password"] == secret_hash
        reads = [e for e in log_entries if e["type"] == "response" and
                 e["request"]["path"] == "secret/data/app/db" and
                 e["request"]["operation"] == "read"]
        assert reads[0]["response"]["data"]["data"]["password"] == secret_hash
        assert reads[0]["request"]["mount_type"] == "kv"
        assert reads[0]["auth"]["policies"] == ["root"]
        # Every entry names its request, and request ids pair requests with responses
        # (except the enabling of a device: its request came before the device existed).
        ids = {}
        for e in log_entries:
            if not e["request"]["path"].startswith("sys/audit/"):
                ids.setdefault(e["request"]["id"], set()).add(e["type"])
        assert all(v == {"request", "response"} for v in ids.values()), ids
    file_entries = entries(audit_log)
    assert file_entries[-1]["auth"]["client_token"] == root_hash
    created = [e for e in file_entries if e["type"] == "response" and
               e["request"]["path"] == "auth/token/create"]
    assert created[0]["response"]["auth"]["client_token"] == child_hash
    assert root_hash in hashes_in(file_entries)

    # No plaintext secret anywhere: both logs and the server's own log.
    with open(audit_log) as f:
        file_text = f.read()
    with open(rsyslog["messages"]) as f:
        syslog_text = f.read()
    for text in (file_text, syslog_text, dev_server.output()):
        assert SECRET not in text
        assert child not in text
    # The dev root token's id is "root": never written as a token.
    for e in file_entries:
        assert e.get("auth", {}).get("client_token") != "root"
        assert e["request"].get("client_token") != "root"

    # Requests Vault does not audit are not audited here either.
    for path in ("sys/health", "sys/seal-status", "sys/leader"):
        assert api(dev_server, "GET", path).status_code == 200
    assert not [e for e in entries(audit_log)
                if e["request"]["path"] in ("sys/health", "sys/seal-status", "sys/leader")]

    client.sys.disable_audit_device("syslog")
    assert list(client.sys.list_enabled_audit_devices()["data"]) == ["file/"]


def test_unwritable_file_device_refuses_requests(dev_server, workdir):
    audit_log = os.path.join(workdir, "audit.log")
    client = hvac.Client(url=dev_server.addr, token="root")
    client.sys.enable_audit_device("file", options={"file_path": audit_log})
    client.secrets.kv.v2.create_or_update_secret(path="before", secret={"v": "1"})

    # Rotation that goes wrong: the log is moved away and its path becomes a directory, so
    # the reopen on SIGHUP fails and the device can write nothing.
    os.rename(audit_log, audit_log + ".1")
    os.mkdir(audit_log)
    dev_server.proc.send_signal(signal.SIGHUP)
    def refused():
        r = api(dev_server, "POST", "secret/data/during", token="root",
                json={"data": {"v": SECRET}})
        return [r] if r.status_code == 500 else None  # a 500 Response is falsy
    r = wait_until(refused, timeout=10, what="requests refused")[0]
    assert "errors" in r.json()
    assert api(dev_server, "GET", "secret/data/before", token="root").status_code == 500
    r = api(dev_server, "POST", "auth/token/create", token="root", json={"ttl": "1h"})
    assert r.status_code == 500 and "auth" not in r.json()

    # The directory is removed and the device reopened: requests work again, and the write
    # refused while the device was down never happened.
    os.rmdir(audit_log)
    dev_server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: api(dev_server, "GET", "secret/data/before", token="root").status_code == 200,
               timeout=10, what="requests served again")
    assert api(dev_server, "GET", "secret/data/during", token="root").status_code == 404
    assert SECRET not in open(audit_log + ".1").read()


def test_sighup_reopens_file_device_for_log_rotation(dev_server, workdir):
    audit_log = os.path.join(workdir, "audit.log")
    client = hvac.Client(url=dev_server.addr, token="root")
    client.sys.enable_audit_device("file", options={"file_path": audit_log, "mode": "0640"})
    assert oct(os.stat(audit_log).st_mode & 0o777) == "0o640"
    client.secrets.kv.v2.create_or_update_secret(path="one", secret={"v": "1"})
    os.rename(audit_log, audit_log + ".1")
    dev_server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: os.path.exists(audit_log), timeout=10, what="reopened log")
    client.secrets.kv.v2.create_or_update_secret(path="two", secret={"v": "2"})
    old = [e["request"]["path"] for e in entries(audit_log + ".1")]
    new = [e["request"]["path"] for e in entries(audit_log)]
    assert "secret/data/one" in old and "secret/data/two" not in old
    assert "secret/data/two" in new


def test_audit_cli_and_options(dev_server, workdir):
    audit_log = os.path.join(workdir, "cli-audit.log")
    out = dev_server.cli("audit", "enable", "-path=cli", "-description=from the CLI", "file",
                         "file_path=" + audit_log, "hmac_accessor=false", "prefix=COFFER ",
                         token="root")
    assert "Success! Enabled the file audit device at: cli/" in out.stdout
    listed = dev_server.cli("audit", "list", "-detailed", token="root").stdout
    assert "cli/" in listed and "from the CLI" in listed and "file_path=" + audit_log in listed
    r = api(dev_server, "POST", "auth/token/create", token="root", json={"ttl": "1h"})
    accessor = r.json()["auth"]["accessor"]
    with open(audit_log) as f:
        lines = f.read().splitlines()
    assert lines and all(line.startswith("COFFER {") for line in lines)
    parsed = [json.loads(line[len("COFFER "):]) for line in lines]
    # hmac_accessor=false: accessors are written as they are, tokens still hashed.
    resp = [e for e in parsed if e["type"] == "response" and
            e["request"]["path"] == "auth/token/create"][0]
    assert resp["response"]["auth"]["accessor"] == accessor
    assert resp["response"]["auth"]["client_token"].startswith("hmac-sha256:")
    # Enabling the same path twice and an unknown type are refused with Vault's 400.
    assert api(dev_server, "PUT", "sys/audit/cli", token="root",
               json={"type": "file", "options": {"file_path": audit_log}}).status_code == 400
    assert api(dev_server, "PUT", "sys/audit/x", token="root",
               json={"type": "nope"}).status_code == 400
    # Listing the devices needs sudo: a default-policy token is refused.
    child = api(dev_server, "POST", "auth/token/create", token="root",
                json={"policies": ["default"]}).json()["auth"]["client_token"]
    assert api(dev_server, "GET", "sys/audit", token=child).status_code == 403
    out = dev_server.cli("audit", "disable", "cli", token="root")
    assert "Success! Disabled audit device (if it was enabled) at: cli/" in out.stdout
    assert "No audit devices are enabled." in dev_server.cli("audit", "list",
                                                            token="root").stdout


def test_socket_device_and_a_device_that_cannot_write(dev_server):
    import socket
    import threading
    received = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def accept():
        conn, _ = server.accept()
        with conn:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                received.append(chunk)
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    client = hvac.Client(url=dev_server.addr, token="root")
    client.sys.enable_audit_device("socket", options={"address": "127.0.0.1:%d" % port,
                                                      "socket_type": "tcp"})
    client.secrets.kv.v2.create_or_update_secret(path="sock", secret={"v": SECRET})
    hashed = client.sys.calculate_hash("socket", SECRET)["data"]["hash"]

    def logged():
        lines = b"".join(received).decode().splitlines()
        return [json.loads(l) for l in lines if '"secret/data/sock"' in l]
    sock_entries = wait_until(logged, timeout=10, what="entries on the socket")
    assert sock_entries[0]["request"]["data"]["data"]["v"] == hashed
    assert SECRET not in b"".join(received).decode()

    # Nobody listens on this port: the test entry fails, so the device is not enabled and
    # requests keep working (as Vault).
    closed = free_port()
    r = api(dev_server, "PUT", "sys/audit/dead", token="root",
            json={"type": "socket", "options": {"address": "127.0.0.1:%d" % closed}})
    assert r.status_code == 400 and "failed test message" in r.json()["errors"][0]
    assert "dead/" not in client.sys.list_enabled_audit_devices()["data"]
    assert api(dev_server, "GET", "secret/data/sock", token="root").status_code == 200
    client.sys.disable_audit_device("socket")
    server.close()


def test_new_active_node_keeps_auditing_with_the_same_salt(workdir):
    """The audit table and the device salts live in Raft storage: after the active node is
    killed, the node that takes over audits with the same device and the same HMACs."""
    from cluster import Cluster
    c = Cluster(workdir)
    try:
        c.form(3)
        active = c.active()
        token = c.root_token
        audit_log = os.path.join(workdir, "cluster-audit.log")
        r = active.req("PUT", "sys/audit/file", token=token,
                       json={"type": "file", "options": {"file_path": audit_log}})
        assert r.status_code == 204, r.text
        r = active.req("POST", "sys/mounts/secret", token=token,
                       json={"type": "kv", "options": {"version": "2"}})
        assert r.status_code == 204, r.text
        before = active.req("POST", "sys/audit-hash/file", token=token,
                            json={"input": SECRET}).json()["data"]["hash"]
        active.kill()
        new = c.active(timeout=30)
        assert new is not active
        after = new.req("POST", "sys/audit-hash/file", token=token,
                        json={"input": SECRET}).json()["data"]["hash"]
        assert after == before
        r = new.req("POST", "secret/data/after-failover", token=token,
                    json={"data": {"v": SECRET}})
        assert r.status_code == 200, r.text
        written = [e for e in entries(audit_log) if e["type"] == "request" and
                   e["request"]["path"] == "secret/data/after-failover"]
        assert written and written[0]["request"]["data"]["data"]["v"] == before
        assert SECRET not in open(audit_log).read()
    finally:
        c.stop()
