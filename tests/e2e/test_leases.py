"""Leases and response wrapping against the real binary, through python3-hvac and plain
HTTP: leased K/V reads (-dev-leased-kv, as Vault's dev mode offers), sys/leases/* with
Vault's shapes and TTL caps, expiry revoking tokens and their leases without any lookup,
revocation with parents, and sys/wrapping/* (single use, lookup, rewrap, wrap TTL), and a
token lease revoked by a new active node after the old one was killed."""

import time

import hvac
import pytest

from cluster import Cluster, wait_until
from conftest import api

READER_POLICY = """
path "secret/*" { capabilities = ["read", "create", "update"] }
path "auth/token/create" { capabilities = ["update"] }
"""


@pytest.fixture
def leased(leased_dev_server):
    return leased_dev_server


@pytest.fixture
def root(leased):
    return hvac.Client(url=leased.addr, token="root")


def lookup(server, lease_id, token="root"):
    return api(server, "PUT", "sys/leases/lookup", token=token, json={"lease_id": lease_id})


def lease_count(server):
    r = api(server, "GET", "sys/leases/count", token="root")
    assert r.status_code == 200, r.text
    return r.json()["data"]["lease_count"]


def test_leased_read_lookup_list_renew_revoke(leased, root):
    root.secrets.kv.v1.create_or_update_secret("app/db", {"password": "pw", "ttl": "1h"},
                                               mount_point="secret")
    read = root.secrets.kv.v1.read_secret("app/db", mount_point="secret")
    lease_id = read["lease_id"]
    assert lease_id.startswith("secret/app/db/") and read["lease_duration"] == 3600
    assert read["renewable"] is True and read["data"]["password"] == "pw"

    data = root.sys.read_lease(lease_id)["data"]
    assert data["id"] == lease_id and data["renewable"] is True
    assert 3590 <= data["ttl"] <= 3600 and data["last_renewal"] is None
    assert root.sys.list_leases("secret/app/db/")["data"]["keys"] == [lease_id.split("/")[-1]]

    renewed = root.sys.renew_lease(lease_id, increment=7200)
    assert renewed["lease_id"] == lease_id and renewed["lease_duration"] == 7200
    assert root.sys.read_lease(lease_id)["data"]["last_renewal"] is not None
    assert lease_count(leased) == 1

    root.sys.revoke_lease(lease_id)
    r = lookup(leased, lease_id)
    assert r.status_code == 400 and r.json()["errors"] == ["invalid lease"]
    assert lease_count(leased) == 0
    # The KV store itself keeps the secret: a lease is the reader's, not the data's.
    assert root.secrets.kv.v1.read_secret("app/db", mount_point="secret")["data"]["password"] == "pw"


def test_renew_is_capped_by_the_mounts_max_ttl(leased, root):
    root.sys.tune_mount_configuration("secret", max_lease_ttl="20s")
    root.secrets.kv.v1.create_or_update_secret("capped", {"v": "1", "ttl": "10s"},
                                               mount_point="secret")
    lease_id = root.secrets.kv.v1.read_secret("capped", mount_point="secret")["lease_id"]
    renewed = root.sys.renew_lease(lease_id, increment=3600)
    assert 18 <= renewed["lease_duration"] <= 20
    r = api(leased, "PUT", "sys/leases/renew", token="root", json={"lease_id": "secret/nope/x"})
    assert r.status_code == 400 and r.json()["errors"] == ["lease not found"]


def test_expired_lease_is_revoked_by_the_server(leased, root):
    root.secrets.kv.v1.create_or_update_secret("short", {"v": "1", "ttl": "2s"},
                                               mount_point="secret")
    lease_id = root.secrets.kv.v1.read_secret("short", mount_point="secret")["lease_id"]
    assert lookup(leased, lease_id).status_code == 200
    wait_until(lambda: lookup(leased, lease_id).status_code == 400, timeout=10,
               what="the expired lease to be revoked")
    assert lease_count(leased) == 0


def test_token_expiry_revokes_the_token_and_its_leases(leased, root):
    root.sys.create_or_update_policy("reader", READER_POLICY)
    root.secrets.kv.v1.create_or_update_secret("app/cfg", {"v": "1", "ttl": "1h"},
                                               mount_point="secret")
    tok = root.auth.token.create(policies=["reader"], ttl="3s")["auth"]
    app = hvac.Client(url=leased.addr, token=tok["client_token"])
    lease_id = app.secrets.kv.v1.read_secret("app/cfg", mount_point="secret")["lease_id"]
    token_lease = "auth/token/create/"
    keys = root.sys.list_leases(token_lease)["data"]["keys"]
    assert len(keys) >= 1
    # Nobody touches the token again: the expiration manager revokes it and, with it,
    # the lease of the secret it read.
    wait_until(lambda: lookup(leased, lease_id).status_code == 400, timeout=10,
               what="the token's lease to be revoked with it")
    r = api(leased, "POST", "auth/token/lookup-accessor", token="root",
            json={"accessor": tok["accessor"]})
    assert r.status_code == 400


def test_revoking_a_parent_revokes_the_leases_of_its_children(leased, root):
    root.sys.create_or_update_policy("reader", READER_POLICY)
    root.secrets.kv.v1.create_or_update_secret("tree", {"v": "1", "ttl": "1h"},
                                               mount_point="secret")
    parent = root.auth.token.create(policies=["reader"], ttl="1h")["auth"]
    p = hvac.Client(url=leased.addr, token=parent["client_token"])
    child = p.auth.token.create(policies=["reader"], ttl="1h")["auth"]
    c = hvac.Client(url=leased.addr, token=child["client_token"])
    child_lease = c.secrets.kv.v1.read_secret("tree", mount_point="secret")["lease_id"]
    root_lease = root.secrets.kv.v1.read_secret("tree", mount_point="secret")["lease_id"]
    root.auth.token.revoke(parent["client_token"])
    assert lookup(leased, child_lease).status_code == 400
    assert lookup(leased, root_lease).status_code == 200


def test_leases_of_a_root_token_go_with_it(leased, root):
    root.secrets.kv.v1.create_or_update_secret("r", {"v": "1"}, mount_point="secret")
    second = root.auth.token.create(policies=["root"])["auth"]["client_token"]
    c = hvac.Client(url=leased.addr, token=second)
    lease_id = c.secrets.kv.v1.read_secret("r", mount_point="secret")["lease_id"]
    root.auth.token.revoke(second)
    assert lookup(leased, lease_id).status_code == 400


def test_revoke_prefix_needs_sudo_and_revokes_everything_under_it(leased, root):
    root.secrets.kv.v1.create_or_update_secret("p/a", {"v": "1"}, mount_point="secret")
    ids = [root.secrets.kv.v1.read_secret("p/a", mount_point="secret")["lease_id"]
           for _ in range(3)]
    root.sys.create_or_update_policy(
        "lease-admin", 'path "sys/leases/revoke-prefix/*" { capabilities = ["update"] }')
    weak = root.auth.token.create(policies=["lease-admin"], ttl="1h")["auth"]["client_token"]
    r = api(leased, "PUT", "sys/leases/revoke-prefix/secret/p/", token=weak)
    assert r.status_code == 403
    root.sys.revoke_prefix("secret/p/")
    assert all(lookup(leased, i).status_code == 400 for i in ids)
    r = api(leased, "GET", "sys/leases", token="root", params={"type": "irrevocable"})
    assert r.status_code == 200 and r.json()["data"]["lease_count"] == 0


def test_lease_lookup_of_another_tokens_lease_needs_the_policy(leased, root):
    root.secrets.kv.v1.create_or_update_secret("x", {"v": "1"}, mount_point="secret")
    lease_id = root.secrets.kv.v1.read_secret("x", mount_point="secret")["lease_id"]
    nobody = root.auth.token.create(policies=["default"], ttl="1h")["auth"]["client_token"]
    # The default policy allows sys/leases/lookup (Vault's does too); renew and revoke not.
    assert lookup(leased, lease_id, token=nobody).status_code == 200
    r = api(leased, "PUT", "sys/leases/revoke", token=nobody, json={"lease_id": lease_id})
    assert r.status_code == 403


# --- response wrapping ---

def test_wrapped_read_unwraps_once(leased, root):
    root.secrets.kv.v1.create_or_update_secret("w", {"secret": "s3cr3t"}, mount_point="secret")
    r = api(leased, "GET", "secret/w", token="root", headers={"X-Vault-Wrap-TTL": "60s"})
    assert r.status_code == 200
    body = r.json()
    assert body["data"] is None and body["lease_id"] == ""
    info = body["wrap_info"]
    assert info["ttl"] == 60 and info["creation_path"] == "secret/w"
    assert info["token"].startswith("hvs.") and "s3cr3t" not in r.text

    look = api(leased, "POST", "sys/wrapping/lookup", json={"token": info["token"]})
    assert look.status_code == 200
    assert look.json()["data"]["creation_ttl"] == 60
    assert look.json()["data"]["creation_path"] == "secret/w"

    unwrapped = root.sys.unwrap(info["token"])
    assert unwrapped["data"]["secret"] == "s3cr3t"
    with pytest.raises(hvac.exceptions.InvalidRequest):
        root.sys.unwrap(info["token"])
    look = api(leased, "POST", "sys/wrapping/lookup", json={"token": info["token"]})
    assert look.status_code == 400


def test_unwrap_with_the_wrapping_token_itself(leased, root):
    r = api(leased, "POST", "sys/wrapping/wrap", token="root",
            headers={"X-Vault-Wrap-TTL": "5m"}, json={"k": "v"})
    wrap_token = r.json()["wrap_info"]["token"]
    holder = hvac.Client(url=leased.addr, token=wrap_token)
    assert holder.sys.unwrap()["data"] == {"k": "v"}
    r = api(leased, "POST", "sys/wrapping/unwrap", token=wrap_token)
    assert r.status_code in (400, 403)
    r = api(leased, "POST", "sys/wrapping/wrap", token="root", json={"k": "v"})
    assert r.status_code == 400
    assert r.json()["errors"] == ["endpoint requires response wrapping to be used"]


def test_wrapped_token_create_and_rewrap(leased, root):
    r = api(leased, "POST", "auth/token/create", token="root",
            headers={"X-Vault-Wrap-TTL": "120"}, json={"policies": ["default"], "ttl": "1h"})
    info = r.json()["wrap_info"]
    assert info["wrapped_accessor"] and info["creation_path"] == "auth/token/create"
    rewrapped = api(leased, "POST", "sys/wrapping/rewrap", token="root",
                    json={"token": info["token"]}).json()["wrap_info"]
    assert rewrapped["token"] != info["token"] and rewrapped["ttl"] == 120
    assert rewrapped["creation_path"] == "auth/token/create"
    with pytest.raises(hvac.exceptions.InvalidRequest):
        root.sys.unwrap(info["token"])
    auth = root.sys.unwrap(rewrapped["token"])["auth"]
    assert auth["accessor"] == info["wrapped_accessor"]
    me = hvac.Client(url=leased.addr, token=auth["client_token"]).auth.token.lookup_self()
    assert me["data"]["policies"] == ["default"]


def test_wrapping_token_expires(leased, root):
    r = api(leased, "POST", "sys/wrapping/wrap", token="root",
            headers={"X-Vault-Wrap-TTL": "2s"}, json={"k": "v"})
    wrap_token = r.json()["wrap_info"]["token"]
    time.sleep(3)
    with pytest.raises(hvac.exceptions.InvalidRequest):
        root.sys.unwrap(wrap_token)


def test_last_use_of_a_token_still_answers_its_request(leased, root):
    tok = root.auth.token.create(policies=["default"], ttl="1h", num_uses=1)["auth"]
    c = hvac.Client(url=leased.addr, token=tok["client_token"])
    assert c.auth.token.lookup_self()["data"]["accessor"] == tok["accessor"]
    with pytest.raises(hvac.exceptions.Forbidden):
        c.auth.token.lookup_self()


def test_a_new_active_node_revokes_what_the_old_one_issued(workdir):
    c = Cluster(workdir)
    try:
        c.form(3)
        leader = c.active()
        r = leader.req("POST", "auth/token/create", token=c.root_token,
                       json={"policies": ["default"], "ttl": "8s"})
        assert r.status_code == 200, r.text
        accessor = r.json()["auth"]["accessor"]
        leader.kill()
        new = c.active(timeout=30)
        assert new is not leader

        def token_leases():
            r = new.req("LIST", "sys/leases/lookup/auth/token/create/", token=c.root_token)
            assert r.status_code in (200, 404), r.text
            return r.json()["data"]["keys"] if r.status_code == 200 else []
        # Still there right after the failover, gone after its TTL without any lookup of
        # the token: the new active node's expiration manager found the lease in the
        # replicated storage.
        assert len(token_leases()) == 1
        wait_until(lambda: not token_leases(), timeout=20,
                   what="the token lease to be revoked by the new leader")
        r = new.req("POST", "auth/token/lookup-accessor", token=c.root_token,
                    json={"accessor": accessor})
        assert r.status_code == 400
        r = new.req("GET", "sys/leases/count", token=c.root_token)
        assert r.status_code == 200 and r.json()["data"]["lease_count"] == 0, r.text
    finally:
        c.stop()


def test_batch_token_leases_end_with_it_and_belong_to_its_parent(leased, root):
    root.sys.create_or_update_policy("reader", READER_POLICY)
    root.secrets.kv.v1.create_or_update_secret("b", {"v": "1", "ttl": "1h"}, mount_point="secret")
    parent = root.auth.token.create(policies=["reader"], ttl="1h")["auth"]
    p = hvac.Client(url=leased.addr, token=parent["client_token"])
    batch = p.auth.token.create(policies=["reader"], ttl="30s", type="batch")["auth"]
    assert batch["client_token"].startswith("hvb.")
    b = hvac.Client(url=leased.addr, token=batch["client_token"])
    read = b.secrets.kv.v1.read_secret("b", mount_point="secret")
    assert 0 < read["lease_duration"] <= 30, "capped by the batch token's remaining TTL"
    root.auth.token.revoke(parent["client_token"])
    assert lookup(leased, read["lease_id"]).status_code == 400


def test_cli_wraps_unwraps_and_manages_leases(leased, root):
    root.sys.enable_auth_method("approle")
    root.auth.approle.create_or_update_approle("cli", token_policies=["default"])
    wrap = leased.cli("write", "-f", "-wrap-ttl=120s", "-field=wrapping_token",
                      "auth/approle/role/cli/secret-id", token="root").stdout.strip()
    assert wrap.startswith("hvs.")
    secret_id = leased.cli("unwrap", "-field=secret_id", token=wrap).stdout.strip()
    assert len(secret_id) == 36
    again = leased.cli("unwrap", wrap, token="root", check=False)
    assert again.returncode != 0 and "wrapping token is not valid" in again.stderr

    root.secrets.kv.v1.create_or_update_secret("c", {"v": "1", "ttl": "1h"}, mount_point="secret")
    lease_id = root.secrets.kv.v1.read_secret("c", mount_point="secret")["lease_id"]
    out = leased.cli("lease", "lookup", lease_id, token="root").stdout
    assert lease_id in out and "renewable" in out
    out = leased.cli("lease", "renew", "-increment=2h", lease_id, token="root").stdout
    assert "7200" in out or "2h" in out
    leased.cli("lease", "revoke", "-sync", lease_id, token="root")
    assert lookup(leased, lease_id).status_code == 400
    ids = [root.secrets.kv.v1.read_secret("c", mount_point="secret")["lease_id"] for _ in range(2)]
    leased.cli("lease", "revoke", "-prefix", "-sync", "secret/c", token="root")
    assert all(lookup(leased, i).status_code == 400 for i in ids)
