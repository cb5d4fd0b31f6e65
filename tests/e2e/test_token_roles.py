"""Token roles (auth/token/roles, auth/token/create/<role>) through python3-hvac and plain
HTTP against a dev server, as Vault answers them."""

import hvac
import pytest

from conftest import api


@pytest.fixture
def root(dev_server):
    return hvac.Client(url=dev_server.addr, token="root")


def test_role_crud_and_create_against_role(dev_server, root):
    tok = root.auth.token
    tok.create_or_update_role("ci", allowed_policies=["dev", "ops"], orphan=True,
                              path_suffix="rev1")
    data = tok.read_role("ci")["data"]
    assert data["allowed_policies"] == ["dev", "ops"]
    assert data["orphan"] is True and data["renewable"] is True
    assert data["path_suffix"] == "rev1" and data["token_type"] == "default-service"
    assert data["name"] == "ci"
    assert tok.list_roles()["data"]["keys"] == ["ci"]

    # An ordinary token may create against the role, and get policies it does not hold.
    root.sys.create_or_update_policy(
        name="ci-creator", policy='path "auth/token/create/ci" { capabilities = ["update"] }')
    caller_token = tok.create(policies=["ci-creator"], ttl="1h")["auth"]["client_token"]
    caller = hvac.Client(url=dev_server.addr, token=caller_token)
    made = caller.auth.token.create(role_name="ci", policies=["dev"], ttl="1h")["auth"]
    assert made["policies"] == ["default", "dev"] and made["orphan"] is True
    look = tok.lookup(made["client_token"])["data"]
    assert look["role"] == "ci" and look["path"] == "auth/token/create/ci/rev1"

    r = api(dev_server, "POST", "auth/token/create/ci", token=caller.token,
            json={"policies": ["admin"]})
    assert r.status_code == 400
    assert "must be subset of the role's allowed policies" in r.json()["errors"][0]
    r = api(dev_server, "POST", "auth/token/create/nope", token="root", json={})
    assert r.status_code == 400 and r.json() == {"errors": ["unknown role nope"]}

    tok.delete_role("ci")
    assert api(dev_server, "GET", "auth/token/roles/ci", token="root").status_code == 404
    with pytest.raises(hvac.exceptions.InvalidPath):
        tok.list_roles()


def test_periodic_role_and_renewal(dev_server, root):
    api(dev_server, "POST", "auth/token/roles/periodic", token="root",
        json={"token_period": "1h", "allowed_policies": "default"}).raise_for_status()
    made = root.auth.token.create(role_name="periodic")["auth"]
    assert made["lease_duration"] == 3600 and made["renewable"] is True
    assert root.auth.token.lookup(made["client_token"])["data"]["period"] == 3600
    # The role's current period applies at renewal.
    api(dev_server, "POST", "auth/token/roles/periodic", token="root",
        json={"token_period": "10m"}).raise_for_status()
    renewed = root.auth.token.renew(made["client_token"], increment="2h")["auth"]
    assert renewed["lease_duration"] == 600
