"""The production flow of issue 5 through python3-hvac against the real binary: an
operator creates an AppRole and hands out a response-wrapped secret ID; the application
unwraps it once (a second unwrap fails), logs in, reads a leased secret, renews its token
(capped by token_max_ttl); the token expires and the expiration manager revokes it and
the lease of what it read, with nobody touching the token."""

import time

import hvac
import pytest

from cluster import wait_until
from conftest import api


@pytest.fixture
def server(leased_dev_server):
    return leased_dev_server


def test_wrapped_secret_id_login_renew_expiry(server):
    operator = hvac.Client(url=server.addr, token="root")
    operator.sys.enable_auth_method("approle")
    operator.sys.create_or_update_policy(
        "app", 'path "secret/app/*" { capabilities = ["read"] }')
    operator.secrets.kv.v1.create_or_update_secret(
        "app/db", {"password": "hunter2", "ttl": "1h"}, mount_point="secret")
    operator.auth.approle.create_or_update_approle(
        "web", token_policies=["app"], token_ttl="4s", token_max_ttl="8s",
        secret_id_num_uses=1, secret_id_ttl="10m")
    role_id = operator.auth.approle.read_role_id("web")["data"]["role_id"]

    # The secret ID leaves the operator only response-wrapped.
    r = api(server, "POST", "auth/approle/role/web/secret-id", token="root",
            headers={"X-Vault-Wrap-TTL": "120s"})
    assert r.status_code == 200, r.text
    info = r.json()["wrap_info"]
    assert r.json()["data"] is None and "secret_id" not in r.text
    assert info["creation_path"] == "auth/approle/role/web/secret-id"

    # The application unwraps it once; a second unwrap (say, by an attacker who copied
    # the wrapping token) fails — the operator would notice the first failure.
    app = hvac.Client(url=server.addr, token=info["token"])
    secret_id = app.sys.unwrap()["data"]["secret_id"]
    with pytest.raises((hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden)):
        app.sys.unwrap()
    with pytest.raises(hvac.exceptions.InvalidRequest):
        operator.sys.unwrap(info["token"])

    login = app.auth.approle.login(role_id=role_id, secret_id=secret_id)["auth"]
    assert login["policies"] == ["app", "default"] and login["lease_duration"] == 4
    assert login["metadata"]["role_name"] == "web" and login["renewable"] is True
    app.token = login["client_token"]
    # secret_id_num_uses = 1: the secret ID is spent.
    with pytest.raises(hvac.exceptions.InvalidRequest):
        hvac.Client(url=server.addr).auth.approle.login(role_id=role_id, secret_id=secret_id)

    secret = app.secrets.kv.v1.read_secret("app/db", mount_point="secret")
    assert secret["data"]["password"] == "hunter2"
    lease_id = secret["lease_id"]
    assert operator.sys.read_lease(lease_id)["data"]["id"] == lease_id

    # Renewal: granted, but never past token_max_ttl from the login.
    time.sleep(2)
    renewed = app.auth.token.renew_self(increment="60s")["auth"]
    assert 0 < renewed["lease_duration"] <= 6
    assert app.auth.token.lookup_self()["data"]["ttl"] <= 6

    # Expiry: the token and the lease of the secret it read are revoked by the server.
    def lease_gone():
        r = api(server, "PUT", "sys/leases/lookup", token="root", json={"lease_id": lease_id})
        return r.status_code == 400
    wait_until(lease_gone, timeout=15, what="the lease to be revoked at the token's expiry")
    r = api(server, "POST", "auth/token/lookup-accessor", token="root",
            json={"accessor": login["accessor"]})
    assert r.status_code == 400
    with pytest.raises(hvac.exceptions.Forbidden):
        app.secrets.kv.v1.read_secret("app/db", mount_point="secret")


def test_token_bound_cidrs_of_the_role_are_enforced(server):
    operator = hvac.Client(url=server.addr, token="root")
    operator.sys.enable_auth_method("approle")
    operator.auth.approle.create_or_update_approle(
        "far", token_policies=["default"], token_bound_cidrs=["10.0.0.0/8"])
    operator.auth.approle.create_or_update_approle(
        "near", token_policies=["default"], token_bound_cidrs=["127.0.0.0/8"])
    for role, usable in (("far", False), ("near", True)):
        role_id = operator.auth.approle.read_role_id(role)["data"]["role_id"]
        secret_id = operator.auth.approle.generate_secret_id(role)["data"]["secret_id"]
        token = hvac.Client(url=server.addr).auth.approle.login(
            role_id=role_id, secret_id=secret_id)["auth"]["client_token"]
        r = api(server, "GET", "auth/token/lookup-self", token=token)
        assert (r.status_code == 200) == usable, (role, r.text)
