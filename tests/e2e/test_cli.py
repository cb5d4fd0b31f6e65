"""The coffer CLI against real servers: status, operator init/unseal/seal, login, kv,
policies, tokens, secrets/auth management; Vault's exit codes."""

import json
import os

import pytest


def test_status_and_kv_roundtrip(dev_server):
    srv = dev_server
    r = srv.cli("status", "-format=json")
    st = json.loads(r.stdout)
    assert st["sealed"] is False and st["initialized"] is True
    srv.cli("kv", "put", "secret/app", "user=admin", "pass=hunter2", token="root")
    r = srv.cli("kv", "get", "-format=json", "secret/app", token="root")
    assert json.loads(r.stdout)["data"]["data"] == {"user": "admin", "pass": "hunter2"}
    r = srv.cli("kv", "get", "-field=pass", "secret/app", token="root")
    assert r.stdout.strip() == "hunter2"
    srv.cli("kv", "put", "secret/app", "user=admin2", token="root")
    r = srv.cli("kv", "get", "-version=1", "-field=user", "secret/app", token="root")
    assert r.stdout.strip() == "admin"
    srv.cli("kv", "patch", "secret/app", "extra=1", token="root")
    r = srv.cli("kv", "get", "-format=json", "secret/app", token="root")
    assert json.loads(r.stdout)["data"]["data"] == {"user": "admin2", "extra": "1"}
    r = srv.cli("kv", "list", "-format=json", "secret/", token="root")
    assert json.loads(r.stdout) == ["app"]
    srv.cli("kv", "delete", "secret/app", token="root")
    srv.cli("kv", "undelete", "-versions=3", "secret/app", token="root")
    srv.cli("kv", "destroy", "-versions=1", "secret/app", token="root")
    r = srv.cli("kv", "metadata", "get", "-format=json", "secret/app", token="root")
    assert json.loads(r.stdout)["data"]["versions"]["1"]["destroyed"] is True
    r = srv.cli("kv", "get", "secret/missing", token="root", check=False)
    assert r.returncode == 2 and "No value found" in (r.stdout + r.stderr)


def test_exit_codes(dev_server):
    r = dev_server.cli("kv", "get", "secret/x", token="bad-token", check=False)
    assert r.returncode == 2 or r.returncode == 1
    assert "permission denied" in r.stderr
    r = dev_server.cli("kv", "get", "-no-such-flag", "secret/x", check=False)
    assert r.returncode == 1 or r.returncode == 2
    r = dev_server.cli("no-such-command", check=False)
    assert r.returncode != 0


def test_policy_token_login_and_mounts(dev_server, workdir):
    srv = dev_server
    pol = os.path.join(workdir, "p.hcl")
    with open(pol, "w") as f:
        f.write('path "secret/data/ro/*" {\n  capabilities = ["read"]\n}\n')
    srv.cli("policy", "write", "ro", pol, token="root")
    r = srv.cli("policy", "list", "-format=json", token="root")
    assert "ro" in json.loads(r.stdout)
    r = srv.cli("policy", "read", "ro", token="root")
    assert "secret/data/ro/*" in r.stdout
    r = srv.cli("token", "create", "-policy=ro", "-ttl=1h", "-format=json", token="root")
    tok = json.loads(r.stdout)["auth"]["client_token"]
    r = srv.cli("token", "capabilities", tok, "secret/data/ro/x", token="root")
    assert r.stdout.strip() == "read"
    r = srv.cli("token", "lookup", "-format=json", tok, token="root")
    assert json.loads(r.stdout)["data"]["policies"] == ["default", "ro"]
    # login stores the token in the token helper file; later commands use it.
    srv.cli("login", tok)
    assert open(os.path.join(workdir, ".coffer-token")).read().strip() == tok
    r = srv.cli("token", "lookup", "-format=json")
    assert json.loads(r.stdout)["data"]["accessor"]
    srv.cli("token", "revoke", tok, token="root")
    r = srv.cli("token", "lookup", tok, token="root", check=False)
    assert r.returncode != 0

    srv.cli("secrets", "enable", "-path=kv1", "-version=1", "kv", token="root")
    r = srv.cli("secrets", "list", "-format=json", token="root")
    assert "kv1/" in json.loads(r.stdout)
    srv.cli("secrets", "tune", "-max-lease-ttl=2h", "kv1", token="root")
    srv.cli("secrets", "move", "kv1", "kv2", token="root")
    r = srv.cli("secrets", "list", "-format=json", token="root")
    mounts = json.loads(r.stdout)
    assert "kv2/" in mounts and "kv1/" not in mounts
    assert mounts["kv2/"]["config"]["max_lease_ttl"] == 7200
    srv.cli("secrets", "disable", "kv2", token="root")
    srv.cli("auth", "enable", "userpass", token="root")
    srv.cli("write", "auth/userpass/users/bob", "password=builder", "token_policies=ro", token="root")
    r = srv.cli("login", "-method=userpass", "-format=json", "username=bob", "password=builder")
    assert json.loads(r.stdout)["auth"]["policies"] == ["default", "ro"]
    r = srv.cli("auth", "list", "-format=json", token="root")
    assert "userpass/" in json.loads(r.stdout)


def test_operator_init_unseal_seal(production):
    srv = production.start()
    r = srv.cli("status", check=False)
    assert r.returncode == 2  # sealed/uninitialised, as vault status
    r = srv.cli("operator", "init", "-key-shares=3", "-key-threshold=2", "-format=json")
    init = json.loads(r.stdout)
    assert len(init["unseal_keys_b64"]) == 3 and init["root_token"].startswith("hvs.")
    srv.cli("operator", "unseal", init["unseal_keys_b64"][0])
    r = srv.cli("operator", "unseal", "-format=json", init["unseal_keys_hex"][2])
    assert json.loads(r.stdout)["sealed"] is False
    r = srv.cli("status")
    assert r.returncode == 0
    r = srv.cli("operator", "key-status", "-format=json", token=init["root_token"])
    assert json.loads(r.stdout)["term"] == 1
    srv.cli("operator", "seal", token=init["root_token"])
    r = srv.cli("status", check=False)
    assert r.returncode == 2


def test_tls_flags(production):
    srv = production.start()
    env = {"COFFER_CACERT": ""}
    r = srv.cli("status", "-format=json", "-ca-cert=" + production.tls["ca"], check=False, env=env)
    assert json.loads(r.stdout)["initialized"] is False
    r = srv.cli("status", "-format=json", "-tls-skip-verify", check=False,
                env={"COFFER_CACERT": "", "VAULT_CACERT": ""})
    assert json.loads(r.stdout)["initialized"] is False
    # Without a CA the server's certificate is not trusted: an error, not an answer.
    r = srv.cli("status", check=False, env={"COFFER_CACERT": "", "VAULT_CACERT": ""})
    assert r.returncode == 1 and "certificate" in r.stderr.lower()
