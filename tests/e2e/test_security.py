"""What an attacker would try, against the real binary: path tricks past a narrow policy,
dead or exhausted tokens, requests to sealed and leaderless nodes, oversized and slow
requests, old TLS versions, strangers on the cluster port, and secrets leaking into logs
or error messages. Every check has a positive control beside it, so it can fail."""

import http.client
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest
import requests

from cluster import Cluster, wait_until
from conftest import CofferServer, free_port, make_tls

SECRET = "Zq7-CANARY-secret-value-4f1d"      # written to KV; must never show up in a log
PASSWORD = "Zq7-CANARY-password-91ab"        # a userpass password
BAD_TOKEN = "hvs.Zq7CANARYbogusTokenValue55"  # a token that does not exist


# ---------------------------------------------------------------------------- helpers

def raw_http(port, method, target, headers=None, body=b"", timeout=5):
    """One request with the target sent byte for byte (requests/urllib3 would normalise
    dot segments and re-encode escapes). Returns (status, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def port_of(server):
    return int(server.addr.rsplit(":", 1)[1])


def v1(server, method, path, token=None, **kw):
    headers = kw.pop("headers", {})
    if token:
        headers["X-Vault-Token"] = token
    return requests.request(method, server.addr + "/v1/" + path, headers=headers,
                            verify=server.verify, timeout=kw.pop("timeout", 10), **kw)


def read_until_closed(sock, timeout):
    """Reads until the peer closes; returns (bytes, seconds taken) or raises on timeout."""
    start = time.monotonic()
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not chunk:
            break
        data += chunk
    return data, time.monotonic() - start


def plain_config(workdir, port, extra=""):
    path = os.path.join(workdir, "sec-%d.hcl" % port)
    with open(path, "w") as f:
        f.write('storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:%d"\n'
                '  tls_disable = true\n%s}\ndisable_mlock = true\n' % (port, extra))
    return path


@pytest.fixture(scope="module")
def dev():
    """One dev server (trace logging) shared by the request-level checks; its log is
    grepped for secrets at the end."""
    with tempfile.TemporaryDirectory(prefix="coffer-sec-") as d:
        port = free_port()
        srv = CofferServer(["-dev", "-dev-root-token-id=root", "-log-level=trace",
                            "-dev-listen-address=127.0.0.1:%d" % port],
                           "http://127.0.0.1:%d" % port, d)
        srv.start()
        srv.error_bodies = []  # every error response the checks saw, grepped at the end
        yield srv
        srv.stop()


@pytest.fixture(scope="module")
def app_token(dev):
    """A token whose only grant is read on secret/data/app/*, and a secret beside it."""
    r = v1(dev, "PUT", "sys/policies/acl/app-read", token="root",
           json={"policy": 'path "secret/data/app/*" { capabilities = ["read"] }'})
    assert r.status_code == 204, r.text
    r = v1(dev, "POST", "secret/data/app/config", token="root", json={"data": {"v": "app-ok"}})
    assert r.status_code == 200, r.text
    r = v1(dev, "POST", "secret/data/other", token="root", json={"data": {"v": SECRET}})
    assert r.status_code == 200, r.text
    r = v1(dev, "POST", "auth/token/create", token="root",
           json={"policies": ["app-read"], "ttl": "1h"})
    assert r.status_code == 200, r.text
    return r.json()["auth"]["client_token"]


# ---------------------------------------------------------------------- 1. path tricks

ESCAPES_TO_OTHER = [
    "/v1/secret/data/app/../other",
    "/v1/secret/data/app/%2e%2e/other",
    "/v1/secret/data/app/%2E%2E/other",
    "/v1/secret/data/app/.%2e/other",
    "/v1/secret/data/app%2F..%2Fother",
    "/v1/secret/data/app%2f..%2fother",
    "/v1/secret/data/app/..%2Fother",
    "/v1/secret/data/app%2f%2e%2e%2fother",
    "/v1/secret/data/app/x/../../other",
    "/v1/secret/data/app/./../other",
    "/v1/secret/data/app//../other",
    "/v1/secret/data/app/%252e%252e/other",
    "/v1/secret/data/app/..;/other",
    "/v1/secret/data/app/..%5cother",
    "/v1/secret/data/app\\..\\other",
    "/v1/secret/data/app/%00/../other",
    "/v1/secret/data/app/x%00/../../other",
    "/v1/secret/data//other",
    "/v1/secret//data/other",
    "/v1//secret/data/other",
    "/v1/./secret/data/other",
    "/v1/secret/./data/other",
    "/v1/secret/data/other.",
    "/v1/secret/data/other/",
    "/v1/secret/data/other%2F",
    "/v1/secret/data/OTHER",
    "/v1/Secret/data/other",
    "/v1/SECRET/data/other",
    "/v1/secret/Data/other",
    "/v1/secret/data/app/x?/../../other",
    "/v1/secret/data/app/x/..%00/../other",
    "/v1/secret%2Fdata%2Fother",
    "/v1/%73ecret/data/other",
]

SYS_TRICKS = [
    ("GET", "/v1/sys/policies/acl/app-read"),
    ("GET", "/v1/sys/mounts"),
    ("GET", "/v1/SYS/mounts"),
    ("GET", "/v1/Sys/mounts"),
    ("GET", "/v1/sys//mounts"),
    ("GET", "/v1/sys/mounts/"),
    ("GET", "/v1/sys%2Fmounts"),
    ("GET", "/v1/sys%2fmounts"),
    ("GET", "/v1/secret/data/app/../../../sys/mounts"),
    ("GET", "/v1/secret/data/app/%2e%2e/%2e%2e/%2e%2e/sys/mounts"),
    ("GET", "/v1/secret/data/app%2f..%2f..%2f..%2fsys%2fmounts"),
    ("GET", "/v1/sys/raw/sys/token/id"),
    ("GET", "/v1/sys/auth"),
    ("PUT", "/v1/sys/seal"),
    ("PUT", "/v1/sys//seal"),
    ("PUT", "/v1/sys/seal/"),
    ("PUT", "/v1/SYS/seal"),
    ("PUT", "/v1/sys%2Fseal"),
    ("PUT", "/v1/sys/./seal"),
    ("PUT", "/v1/sys/step-down"),
    ("PUT", "/v1/sys/step-down/"),
    ("PUT", "/v1/sys/Step-Down"),
    ("POST", "/v1/sys/generate-root/attempt"),
    ("POST", "/v1/sys/rekey/init"),
    ("PUT", "/v1/sys/policies/acl/app-read"),
    ("POST", "/v1/sys/mounts/evil"),
    ("POST", "/v1/auth/token/create"),
    ("POST", "/v1/auth/token/create-orphan"),
]


def test_app_token_reads_its_own_path(dev, app_token):
    status, body = raw_http(port_of(dev), "GET", "/v1/secret/data/app/config",
                            {"X-Vault-Token": app_token})
    assert status == 200 and "app-ok" in body
    status, body = raw_http(port_of(dev), "GET", "/v1/secret/data/other",
                            {"X-Vault-Token": app_token})
    assert status == 403 and SECRET not in body


@pytest.mark.parametrize("target", ESCAPES_TO_OTHER)
def test_path_tricks_do_not_escape_the_policy(dev, app_token, target):
    for method in ("GET", "LIST"):
        status, body = raw_http(port_of(dev), method, target, {"X-Vault-Token": app_token})
        assert status in (400, 403, 404, 405), (method, target, status, body)
        assert SECRET not in body, (method, target, body)
        dev.error_bodies.append(body)


def test_help_on_a_denied_path_carries_no_data(dev, app_token):
    # As in Vault, help is allowed to any valid token; it must describe, never read.
    status, body = raw_http(port_of(dev), "GET", "/v1/secret/data/other?help=1",
                            {"X-Vault-Token": app_token})
    assert status in (200, 403) and SECRET not in body, body
    status, body = raw_http(port_of(dev), "GET", "/v1/secret/data/other?help=1")
    assert status == 403 and SECRET not in body, body


@pytest.mark.parametrize("method,target", SYS_TRICKS)
def test_sys_tricks_are_denied(dev, app_token, method, target):
    status, body = raw_http(port_of(dev), method, target, {"X-Vault-Token": app_token},
                            body=b'{"policy":"path \\"*\\" {capabilities=[\\"sudo\\"]}","type":"kv"}')
    assert status in (400, 403, 404, 405), (method, target, status, body)
    dev.error_bodies.append(body)
    # Nothing took effect: still unsealed, the policy unchanged, no new mount.
    assert v1(dev, "GET", "sys/seal-status").json()["sealed"] is False
    pol = v1(dev, "GET", "sys/policies/acl/app-read", token="root").json()["data"]["policy"]
    assert "sudo" not in pol
    assert "evil/" not in v1(dev, "GET", "sys/mounts", token="root").json()["data"]


# --------------------------------------------------------------------------- 2. tokens

def make_token(dev, token="root", **body):
    r = v1(dev, "POST", "auth/token/create", token=token, json=body)
    assert r.status_code == 200, r.text
    return r.json()["auth"]


def can_read(dev, token):
    r = v1(dev, "GET", "secret/data/app/config", token=token)
    assert r.status_code in (200, 403), r.text
    if r.status_code == 403:
        dev.error_bodies.append(r.text)
    return r.status_code == 200


def test_revoked_token_is_refused(dev, app_token):
    tok = make_token(dev, policies=["app-read"])["client_token"]
    assert can_read(dev, tok)
    assert v1(dev, "POST", "auth/token/revoke", token="root",
              json={"token": tok}).status_code == 204
    assert not can_read(dev, tok)
    assert v1(dev, "GET", "auth/token/lookup-self", token=tok).status_code == 403


def test_expired_token_is_refused(dev, app_token):
    tok = make_token(dev, policies=["app-read"], ttl="2s")["client_token"]
    assert can_read(dev, tok)
    time.sleep(2.5)
    assert not can_read(dev, tok)
    assert v1(dev, "POST", "auth/token/renew-self", token=tok).status_code == 403


def test_token_use_limit(dev, app_token):
    tok = make_token(dev, policies=["app-read"], num_uses=2)["client_token"]
    assert can_read(dev, tok)
    assert can_read(dev, tok)
    assert not can_read(dev, tok)
    assert v1(dev, "GET", "auth/token/lookup-self", token=tok).status_code == 403


@pytest.fixture(scope="module")
def minter_policy(dev, app_token):
    """The policy "minter": may create tokens and read secret/data/app/*."""
    r = v1(dev, "PUT", "sys/policies/acl/minter", token="root",
           json={"policy": 'path "auth/token/create" { capabilities = ["update"] }\n'
                           'path "secret/data/app/*" { capabilities = ["read"] }'})
    assert r.status_code == 204, r.text


def test_children_die_with_their_parent(dev, minter_policy):
    parent = make_token(dev, policies=["minter"])["client_token"]
    child = make_token(dev, token=parent, policies=["minter"])["client_token"]
    grandchild = make_token(dev, token=child, policies=["minter"])["client_token"]
    assert can_read(dev, grandchild)
    assert v1(dev, "POST", "auth/token/revoke", token="root",
              json={"token": parent}).status_code == 204
    for t in (parent, child, grandchild):
        assert not can_read(dev, t)
    # A revoked parent's token cannot mint new children either.
    r = v1(dev, "POST", "auth/token/create", token=parent, json={"policies": ["minter"]})
    assert r.status_code == 403


def test_no_privilege_escalation_through_child_tokens(dev, minter_policy):
    minter = make_token(dev, policies=["minter"])["client_token"]
    for body in ({"policies": ["root"]}, {"policies": ["app-read"]},
                 {"policies": ["minter", "admin"]}, {"no_parent": True}):
        r = v1(dev, "POST", "auth/token/create", token=minter, json=body)
        assert r.status_code in (400, 403), (body, r.text)
        dev.error_bodies.append(r.text)
    r = v1(dev, "POST", "auth/token/create-orphan", token=minter, json={})
    assert r.status_code == 403
    # Control: a child with the parent's own policies is fine, and is not an orphan.
    child = make_token(dev, token=minter, policies=["minter"])
    assert child["policies"] == ["default", "minter"] and child["orphan"] is False


def test_batch_tokens_cannot_mint_renew_or_be_revoked(dev, minter_policy):
    batch = make_token(dev, policies=["minter"], type="batch", ttl="1h")
    tok = batch["client_token"]
    assert batch["token_type"] == "batch" and tok.startswith("hvb.") and not batch["accessor"]
    assert can_read(dev, tok)
    # Vault: batch tokens cannot create child tokens, cannot be renewed, are not revocable
    # by themselves, and take no num_uses/period/explicit_max_ttl.
    r = v1(dev, "POST", "auth/token/create", token=tok, json={"policies": ["minter"]})
    assert r.status_code in (400, 403), r.text
    r = v1(dev, "POST", "auth/token/renew-self", token=tok, json={})
    assert r.status_code in (400, 403), r.text
    r = v1(dev, "POST", "auth/token/revoke-self", token=tok, json={})
    assert r.status_code in (400, 403), r.text
    for bad in ({"num_uses": 3}, {"period": "1h"}, {"explicit_max_ttl": "2h"}):
        r = v1(dev, "POST", "auth/token/create", token="root",
               json=dict(bad, type="batch", policies=["minter"]))
        assert r.status_code == 400, (bad, r.text)
    assert can_read(dev, tok)
    # A batch token dies with its (service) parent.
    parent = make_token(dev, policies=["minter"])["client_token"]
    child = make_token(dev, token=parent, policies=["minter"], type="batch")["client_token"]
    assert can_read(dev, child)
    assert v1(dev, "POST", "auth/token/revoke", token="root",
              json={"token": parent}).status_code == 204
    assert not can_read(dev, child)


def test_token_lookalikes_are_refused(dev, app_token):
    acc = make_token(dev, policies=["app-read"])["accessor"]
    # (Whitespace around a header value is not part of it in HTTP: " root" is "root".)
    for t in ("ROOT", "Root", "root.", "roo", "rootroot", acc, BAD_TOKEN, app_token.upper(),
              app_token[:-1], app_token + "x", app_token.replace("hvs.", "hvb.")):
        r = v1(dev, "GET", "secret/data/other", token=t)
        assert r.status_code == 403, (t, r.status_code)
        dev.error_bodies.append(r.text)
    r = v1(dev, "GET", "secret/data/other", headers={"Authorization": "Bearer " + BAD_TOKEN})
    assert r.status_code == 403
    dev.error_bodies.append(r.text)


# --------------------------------------------------------- 3. sealed nodes and standbys

def test_sealed_node_serves_only_the_unauthenticated_sys_endpoints(workdir):
    port = free_port()
    srv = CofferServer(["-dev", "-dev-root-token-id=root", "-dev-listen-address=127.0.0.1:%d" % port],
                       "http://127.0.0.1:%d" % port, workdir).start()
    try:
        assert v1(srv, "POST", "secret/data/x", token="root",
                  json={"data": {"v": SECRET}}).status_code == 200
        assert v1(srv, "PUT", "sys/seal", token="root").status_code == 204
        for method, path, token in [("GET", "secret/data/x", "root"), ("GET", "secret/data/x", None),
                                    ("GET", "sys/mounts", "root"), ("GET", "sys/policies/acl", "root"),
                                    ("GET", "auth/token/lookup-self", "root"),
                                    ("POST", "auth/token/create", "root"),
                                    ("GET", "nonexistent/path", None), ("LIST", "secret/metadata/", "root"),
                                    ("PUT", "sys/unseal/", None), ("GET", "sys//seal-status", None)]:
            r = v1(srv, method, path, token=token)
            assert r.status_code in (400, 503) if "//" in path else r.status_code == 503, (path, r.text)
            assert SECRET not in r.text
        # A wrong unseal key is refused without being echoed.
        for body in ({"key": SECRET}, {"key": srv.unseal_key[:-4] + "AAA="}):
            r = v1(srv, "PUT", "sys/unseal", json=body)
            assert r.status_code == 400 and body["key"] not in r.text, r.text
        st = v1(srv, "GET", "sys/seal-status")
        assert st.status_code == 200 and st.json()["sealed"] is True
        assert v1(srv, "GET", "sys/health").status_code == 503
        # Unseal again: the data was only hidden, and now it is served.
        r = v1(srv, "PUT", "sys/unseal", json={"key": srv.unseal_key})
        assert r.status_code == 200 and r.json()["sealed"] is False
        r = v1(srv, "GET", "secret/data/x", token="root")
        assert r.status_code == 200 and SECRET in r.text
    finally:
        srv.stop()
    assert SECRET not in srv.output()
    assert srv.output().count(srv.unseal_key) == 1  # only dev mode's banner


@pytest.fixture(scope="module")
def cluster3():
    with tempfile.TemporaryDirectory(prefix="coffer-sec-cluster-") as d:
        c = Cluster(d)
        try:
            c.form(3)
            yield c
        finally:
            for n in c.nodes:
                if n.alive():
                    n.server.proc.send_signal(signal.SIGCONT)
            c.stop()


def tls_probe(port, cert=None, key=None):
    """Connects to a cluster port as a stranger: TLS without the cluster certificate
    (optionally with another one). Returns (application bytes received, the TLS error
    that ended the connection or None)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        try:
            with ctx.wrap_socket(raw) as s:
                s.sendall(b"GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n")
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        return got, None
                    got += chunk
        except socket.timeout:
            raise AssertionError("the cluster port kept a stranger's connection open")
        except (ssl.SSLError, ConnectionResetError) as e:
            return got, e


def test_cluster_port_refuses_strangers(cluster3):
    node = cluster3.nodes[0]
    tls = cluster3.tls
    silent = socket.create_connection(("127.0.0.1", node.cport))  # never says a word
    # Plain TCP: no data.
    with socket.create_connection(("127.0.0.1", node.cport), timeout=5) as s:
        s.sendall(b"GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n")
        data, _ = read_until_closed(s, 5)
        assert data == b"" or data.startswith(b"\x15"), data  # nothing, or a TLS alert
    # TLS with no client certificate, with a self-signed one, with the API's CA-signed one.
    selfsigned = os.path.join(cluster3.workdir, "stranger")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", selfsigned + ".key", "-out",
                    selfsigned + ".crt", "-days", "1", "-subj", "/CN=coffer-cluster"],
                   check=True, capture_output=True)
    for cert, key in [(None, None), (selfsigned + ".crt", selfsigned + ".key"),
                      (tls["cert"], tls["key"])]:
        got, err = tls_probe(node.cport, cert, key)
        # Refused in the handshake: the server's alert ends it, no byte of data came back.
        assert got == b"" and isinstance(err, ssl.SSLError), (cert, got, err)
        assert "CERTIFICATE" in str(err).upper() or "ALERT" in str(err).upper(), err
    # A connection that never starts its handshake is dropped (handshake_timeout, 10 s).
    with silent:
        data, took = read_until_closed(silent, 20)
    assert data == b"" and took < 15, took
    # The cluster still works for its members.
    assert cluster3.active().health() == 200


def test_standby_without_an_active_node_does_not_answer(cluster3):
    active = cluster3.active()
    r = active.req("POST", "sys/mounts/kv", token=cluster3.root_token, json={"type": "kv"})
    assert r.status_code == 204, r.text
    r = active.req("PUT", "kv/ha", token=cluster3.root_token, json={"v": SECRET})
    assert r.status_code == 204, r.text
    standby = [n for n in cluster3.nodes if n is not active][0]
    other = [n for n in cluster3.nodes if n is not active and n is not standby][0]
    # Control: through the standby (forwarded to the active node) the value is there.
    r = wait_until(lambda: standby.req("GET", "kv/ha", token=cluster3.root_token),
                   what="a forwarded read")
    assert r.status_code == 200 and SECRET in r.text
    # Freeze the active node and the other standby: no quorum, no active node anywhere.
    for n in (active, other):
        n.server.proc.send_signal(signal.SIGSTOP)
    try:
        deadline = time.time() + 8
        answers = []
        while time.time() < deadline:
            try:
                r = standby.req("GET", "kv/ha", token=cluster3.root_token, timeout=3)
                answers.append(r.status_code)
                assert r.status_code != 200 and SECRET not in r.text, r.text
            except requests.exceptions.RequestException:
                answers.append("timeout")
            time.sleep(0.5)
        assert answers  # each was a refusal or no answer; none served the value
        print("standby answers without an active node:", answers)
    finally:
        for n in (active, other):
            n.server.proc.send_signal(signal.SIGCONT)
    r = wait_until(lambda: (lambda x: x if x.status_code == 200 else None)(
        standby.req("GET", "kv/ha", token=cluster3.root_token, timeout=3)),
        timeout=20, what="the cluster serving again")
    assert SECRET in r.text


# ------------------------------------------------------------- 4. oversized requests

def send_raw(port, data, read_timeout=5):
    """Sends bytes (tolerating a server that stops reading) and returns what comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out, _ = read_until_closed(s, read_timeout)
        return out


def status_of(response_bytes):
    line = response_bytes.split(b"\r\n", 1)[0].split(b" ")
    return int(line[1]) if len(line) > 1 and line[0].startswith(b"HTTP/") else None


def test_oversized_body_declared(dev):
    port = port_of(dev)
    head = ("POST /v1/secret/data/big HTTP/1.1\r\nHost: x\r\nX-Vault-Token: root\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (32 * 1024 * 1024 + 1))
    start = time.monotonic()
    out = send_raw(port, head.encode() + b'{"data": {"x": "' + b"a" * 65536)
    assert status_of(out) == 413, out[:200]
    assert b"request body too large" in out
    assert time.monotonic() - start < 4
    assert v1(dev, "GET", "sys/health").status_code == 200
    r = v1(dev, "GET", "secret/data/big", token="root")
    assert r.status_code == 404


def test_oversized_body_chunked_and_duplicate_lengths(workdir):
    port = free_port()
    srv = CofferServer(["-config=" + plain_config(workdir, port, "  max_request_size = 4096\n")],
                       "http://127.0.0.1:%d" % port, workdir).start()
    try:
        def chunked(n):
            body = b'{"key": "' + b"a" * n + b'"}'
            return ("PUT /v1/sys/unseal HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    "Connection: close\r\n\r\n").encode() + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        assert status_of(send_raw(port, chunked(8000))) == 413
        assert status_of(send_raw(port, chunked(100))) == 400  # under the limit: parsed, bad key
        dup = (b"PUT /v1/sys/unseal HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
               b"Content-Length: 40\r\n\r\n{}")
        assert status_of(send_raw(port, dup)) == 400
        assert requests.get(srv.addr + "/v1/sys/seal-status", timeout=2).status_code == 200
    finally:
        srv.stop()


def test_huge_and_many_headers(dev):
    port = port_of(dev)
    big = b"GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1024 * 1024 + 65536) + b"\r\n\r\n"
    start = time.monotonic()
    out = send_raw(port, big)
    assert status_of(out) in (400, 431), out[:200]
    assert time.monotonic() - start < 4  # and the connection was closed (send_raw read EOF)
    many = b"GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + b"".join(
        b"X-H%d: v\r\n" % i for i in range(20000)) + b"\r\n"
    start = time.monotonic()
    out = send_raw(port, many)
    assert status_of(out) in (200, 400, 431), out[:200]
    assert time.monotonic() - start < 4
    t0 = time.monotonic()
    assert v1(dev, "GET", "sys/health").status_code == 200
    assert time.monotonic() - t0 < 1


# ------------------------------------------------------------------- 5. slow clients

@pytest.fixture
def slow_server(workdir):
    port = free_port()
    cfg = plain_config(workdir, port, '  http_read_header_timeout = "2s"\n'
                       '  http_read_timeout = "3s"\n  http_idle_timeout = "2s"\n')
    srv = CofferServer(["-config=" + cfg], "http://127.0.0.1:%d" % port, workdir).start()
    yield srv
    srv.stop()


def dribble_until_closed(sock, data, interval, limit):
    """Sends `data` one byte per `interval` until the server closes; returns seconds."""
    start = time.monotonic()
    for b in data:
        try:
            sock.sendall(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - start
        sock.settimeout(interval)
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - start
        except socket.timeout:
            pass
        except ConnectionResetError:
            return time.monotonic() - start
        if time.monotonic() - start > limit:
            break
    raise AssertionError("the server kept a dribbling connection open for %.1fs" % limit)


def test_slow_header_is_cut_off(slow_server):
    port = port_of(slow_server)
    with socket.create_connection(("127.0.0.1", port)) as s:
        took = dribble_until_closed(s, b"GET /v1/sys/seal-status HTTP/1.1\r\nX-Slow: " + b"a" * 100,
                                    0.5, limit=8)
    assert 1.5 < took < 4.5, took


def test_slow_body_is_cut_off(slow_server):
    port = port_of(slow_server)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"PUT /v1/sys/unseal HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n")
        took = dribble_until_closed(s, b'{"key": "' + b"a" * 190, 0.5, limit=10)
    # http_read_timeout (3 s) bounds the whole request, not max_request_duration (90 s).
    assert 2.5 < took < 5.5, took


def test_idle_keepalive_is_closed(slow_server):
    port = port_of(slow_server)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET /v1/sys/seal-status HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        first = s.recv(65536)
        assert status_of(first) == 200
        data, took = read_until_closed(s, 6)
    assert 1.5 < took < 4, took


def test_many_slow_clients_do_not_starve_others(slow_server):
    port = port_of(slow_server)
    slow = []
    try:
        for i in range(200):  # more than the worker threads (64) and io threads
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"PUT /v1/sys/unseal HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            slow.append(s)
        for _ in range(20):
            t0 = time.monotonic()
            r = requests.get(slow_server.addr + "/v1/sys/seal-status", timeout=2)
            assert r.status_code == 200
            assert time.monotonic() - t0 < 0.5
        time.sleep(4)  # past http_read_timeout: all slow connections closed by the server
        for s in slow:
            s.settimeout(2)
            try:
                assert s.recv(4096) == b""
            except ConnectionResetError:
                pass
    finally:
        for s in slow:
            s.close()


# --------------------------------------------------------------------------- 6. TLS

def tls_server(workdir, extra=""):
    tls = make_tls(workdir)
    port = free_port()
    path = os.path.join(workdir, "tls-%d.hcl" % port)
    with open(path, "w") as f:
        f.write('storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:%d"\n'
                '  tls_cert_file = "%s"\n  tls_key_file = "%s"\n%s}\ndisable_mlock = true\n'
                % (port, tls["cert"], tls["key"], extra))
    srv = CofferServer(["-config=" + path], "https://127.0.0.1:%d" % port, workdir,
                       ca_cert=tls["ca"]).start()
    return srv, port, tls


def handshake(port, ca, version):
    """A TLS handshake offering exactly `version`; the client itself allows old versions
    (security level 0), so a failure is the server's refusal. Returns the version or the
    error text."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = version
    ctx.maximum_version = version
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"GET /v1/sys/seal-status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = s.recv(100)
                assert data.startswith(b"HTTP/1.1 200"), data
                return s.version()
    except (ssl.SSLError, ConnectionResetError) as e:
        return "refused: %s" % e


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_tls_below_1_2_is_refused(workdir):
    srv, port, tls = tls_server(workdir)
    try:
        for v in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            got = handshake(port, tls["ca"], v)
            assert got.startswith("refused") and "PROTOCOL_VERSION" in got.upper(), got
        assert handshake(port, tls["ca"], ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
        assert handshake(port, tls["ca"], ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
        r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_1",
                            "-cipher", "DEFAULT@SECLEVEL=0"], input="", capture_output=True,
                           text=True, timeout=10)
        assert r.returncode != 0 and "protocol version" in (r.stdout + r.stderr).lower(), r.stderr
    finally:
        srv.stop()


def test_tls_min_version_is_honoured(workdir):
    srv, port, tls = tls_server(workdir, '  tls_min_version = "tls13"\n')
    try:
        got = handshake(port, tls["ca"], ssl.TLSVersion.TLSv1_2)
        assert got.startswith("refused") and "PROTOCOL_VERSION" in got.upper(), got
        assert handshake(port, tls["ca"], ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
    finally:
        srv.stop()


# --------------------------------------------------- 8. nothing secret in logs or errors

def test_secrets_stay_out_of_logs_and_errors(dev, app_token):
    errors = list(dev.error_bodies)
    tok = make_token(dev, policies=["app-read"])
    token = tok["client_token"]
    assert v1(dev, "POST", "secret/data/canary", token="root",
              json={"data": {"password": SECRET}}).status_code == 200
    assert SECRET in v1(dev, "GET", "secret/data/canary", token="root").text
    assert v1(dev, "POST", "sys/auth/userpass", token="root", json={"type": "userpass"}).status_code == 204
    assert v1(dev, "POST", "auth/userpass/users/eve", token="root",
              json={"password": PASSWORD, "token_policies": "app-read"}).status_code == 204
    login = v1(dev, "POST", "auth/userpass/login/eve", json={"password": PASSWORD})
    assert login.status_code == 200
    login_token = login.json()["auth"]["client_token"]
    # Requests that fail with the secret in the body, the path, the query or the token.
    failing = [
        v1(dev, "POST", "secret/data/canary", token="root", data='{"data": {"password": "%s"' % SECRET),
        v1(dev, "POST", "secret/data/canary", token="root", data='{"data": %s}' % SECRET),
        v1(dev, "POST", "secret/data/canary", token="root", json={"data": SECRET}),
        v1(dev, "POST", "secret/data/canary", token="root", json={"data": {"p": SECRET}, "options": SECRET}),
        v1(dev, "POST", "secret/data/canary", token="root", json={"data": {"p": SECRET},
                                                               "options": {"cas": SECRET}}),
        v1(dev, "POST", "auth/userpass/login/eve", json={"password": PASSWORD + "x"}),
        v1(dev, "POST", "auth/userpass/login/eve", data='{"password": %s}' % PASSWORD),
        v1(dev, "POST", "auth/userpass/users/eve", token=token, json={"password": PASSWORD}),
        v1(dev, "POST", "auth/token/lookup", token="root", json={"token": BAD_TOKEN}),
        v1(dev, "POST", "auth/token/lookup", token=token, json={"token": login_token}),
        v1(dev, "POST", "auth/token/revoke", token=token, json={"token": login_token}),
        v1(dev, "POST", "auth/token/renew", token="root", json={"token": BAD_TOKEN}),
        v1(dev, "GET", "secret/data/canary", token=BAD_TOKEN),
        v1(dev, "GET", "secret/data/canary", token=token),
        v1(dev, "GET", "secret/data/canary", token=login_token),
        v1(dev, "POST", "sys/wrapping/unwrap", token=token, json={"token": BAD_TOKEN}),
    ]
    for r in failing:
        assert r.status_code >= 400, (r.request.url, r.status_code, r.text)
        errors.append(r.text)
    assert errors
    for body in errors:
        for s in (SECRET, PASSWORD, BAD_TOKEN, token, login_token, app_token):
            assert s not in body, (s, body)
    log = dev.output()
    assert "Coffer server started" in log  # the right log, and it is being written
    for s in (SECRET, PASSWORD, BAD_TOKEN, token, login_token, app_token):
        assert s not in log, "%s found in the server log" % s
