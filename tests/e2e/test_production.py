"""The production configuration (raft storage on LMDB, two TLS listeners) driven with
python3-hvac: init 5/3, unseal, restart, seal, health codes, data encrypted at rest."""

import glob
import os
import ssl
import socket

import hvac
import pytest
import requests

from conftest import api


def client(server, token=None):
    return hvac.Client(url=server.addr, token=token, verify=server.ca_cert)


def health(server, query=""):
    return requests.get(server.addr + "/v1/sys/health" + query, verify=server.verify, timeout=5)


def test_init_unseal_restart_keeps_data(production):
    srv = production.start()
    c = client(srv)
    assert c.sys.is_initialized() is False
    assert health(srv).status_code == 501
    assert health(srv, "?uninitcode=299").status_code == 299

    result = c.sys.initialize(secret_shares=5, secret_threshold=3)
    keys, root = result["keys"], result["root_token"]
    assert len(keys) == 5 and len(result["keys_base64"]) == 5
    assert root.startswith("hvs.") and len(root) == 28
    assert c.sys.is_sealed() is True
    assert health(srv).status_code == 503
    assert health(srv, "?sealedcode=200").status_code == 200

    status = c.sys.submit_unseal_key(keys[0])
    assert status["sealed"] is True and status["progress"] == 1 and status["t"] == 3
    c.sys.submit_unseal_keys(keys[1:3])
    assert c.sys.is_sealed() is False
    h = health(srv)
    assert h.status_code == 200
    body = h.json()
    assert body["initialized"] is True and body["sealed"] is False and body["standby"] is False

    c.token = root
    c.sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})
    c.secrets.kv.v2.create_or_update_secret(path="app/db", secret={"password": "s3cr3t-value"},
                                            mount_point="secret")
    # Encrypted at rest: the plaintext never reaches the storage files.
    for f in glob.glob(os.path.join(production.data, "**"), recursive=True):
        if os.path.isfile(f):
            with open(f, "rb") as fh:
                assert b"s3cr3t-value" not in fh.read(), f

    # The second TLS listener serves the same node.
    second = requests.get("https://127.0.0.1:%d/v1/sys/health" % production.port2,
                          verify=production.tls["ca"], timeout=5)
    assert second.status_code == 200

    assert production.stop() == 0
    srv = production.start()
    c = client(srv)
    assert c.sys.is_initialized() is True
    assert c.sys.is_sealed() is True
    # Sealed: data cannot be read, every API call is refused with 503.
    r = api(srv, "GET", "secret/data/app/db", token=root)
    assert r.status_code == 503
    assert r.json()["errors"] == ["Vault is sealed"]
    c.sys.submit_unseal_keys([keys[4], keys[2], keys[0]])
    c.token = root
    secret = c.secrets.kv.v2.read_secret_version(path="app/db", mount_point="secret")
    assert secret["data"]["data"] == {"password": "s3cr3t-value"}

    c.sys.seal()
    assert c.sys.is_sealed() is True
    assert health(srv).status_code == 503
    # No secret, token or key share in the server log.
    log = srv.output()
    for needle in [root, "s3cr3t-value"] + keys + result["keys_base64"]:
        assert needle not in log


def test_tls_floor_and_health_head(production):
    srv = production.start()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(production.tls["ca"])
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    with socket.create_connection(("127.0.0.1", production.port1)) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.version() == "TLSv1.3"
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    old.minimum_version = ssl.TLSVersion.TLSv1
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
    except ssl.SSLError:
        pass
    with socket.create_connection(("127.0.0.1", production.port1)) as raw:
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            old.wrap_socket(raw, server_hostname="localhost")
    h = requests.head(srv.addr + "/v1/sys/health", verify=srv.verify, timeout=5)
    assert h.status_code == 501 and h.text == ""


def test_every_health_code(dev_server):
    srv = dev_server
    assert health(srv).status_code == 200
    assert health(srv, "?activecode=218").status_code == 218
    assert health(srv, "?standbyok=true").status_code == 200
    body = health(srv).json()
    for key in ("initialized", "sealed", "standby", "performance_standby",
                "replication_performance_mode", "replication_dr_mode", "server_time_utc",
                "version", "cluster_name", "cluster_id"):
        assert key in body, key
    r = api(srv, "PUT", "sys/seal", token="root")
    assert r.status_code == 204
    assert health(srv).status_code == 503
    assert health(srv, "?sealedcode=210").status_code == 210
    key = srv.unseal_key
    r = api(srv, "PUT", "sys/unseal", json={"key": key})
    assert r.json()["sealed"] is False
    assert health(srv).status_code == 200
