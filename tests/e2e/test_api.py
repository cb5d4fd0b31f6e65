"""Vault's API through python3-hvac against a dev server: KV v2 history and CAS, policies
restricting a token, userpass and approle logins, the token revocation tree, error
envelopes."""

import hvac
import pytest
import requests

from conftest import api


@pytest.fixture
def root(dev_server):
    return hvac.Client(url=dev_server.addr, token="root")


def test_kv_v2_history_cas_and_delete(root):
    kv = root.secrets.kv.v2
    kv.create_or_update_secret(path="hist", secret={"v": "1"})
    kv.create_or_update_secret(path="hist", secret={"v": "2"}, cas=1)
    with pytest.raises(hvac.exceptions.InvalidRequest):
        kv.create_or_update_secret(path="hist", secret={"v": "x"}, cas=1)
    kv.create_or_update_secret(path="hist", secret={"v": "3"})
    assert kv.read_secret_version(path="hist")["data"]["data"] == {"v": "3"}
    assert kv.read_secret_version(path="hist", version=1)["data"]["data"] == {"v": "1"}
    meta = kv.read_secret_metadata(path="hist")["data"]
    assert meta["current_version"] == 3 and sorted(meta["versions"]) == ["1", "2", "3"]
    kv.delete_secret_versions(path="hist", versions=[2])
    with pytest.raises(hvac.exceptions.InvalidPath):
        kv.read_secret_version(path="hist", version=2)
    kv.undelete_secret_versions(path="hist", versions=[2])
    assert kv.read_secret_version(path="hist", version=2)["data"]["data"] == {"v": "2"}
    kv.destroy_secret_versions(path="hist", versions=[1])
    assert kv.read_secret_metadata(path="hist")["data"]["versions"]["1"]["destroyed"] is True
    kv.patch(path="hist", secret={"w": "4"})
    assert kv.read_secret_version(path="hist")["data"]["data"] == {"v": "3", "w": "4"}
    assert "hist" in kv.list_secrets(path="")["data"]["keys"]
    kv.delete_metadata_and_all_versions(path="hist")
    with pytest.raises(hvac.exceptions.InvalidPath):
        kv.read_secret_version(path="hist")


def test_kv_v1_mount(root):
    root.sys.enable_secrets_engine("kv", path="kv1", options={"version": "1"})
    root.secrets.kv.v1.create_or_update_secret(path="a/b", secret={"x": "y"}, mount_point="kv1")
    assert root.secrets.kv.v1.read_secret(path="a/b", mount_point="kv1")["data"] == {"x": "y"}
    assert root.secrets.kv.v1.list_secrets(path="a", mount_point="kv1")["data"]["keys"] == ["b"]
    mounts = root.sys.list_mounted_secrets_engines()["data"]
    assert mounts["kv1/"]["type"] == "kv" and mounts["secret/"]["options"]["version"] == "2"


def test_policy_restricts_token(dev_server, root):
    root.sys.create_or_update_policy(name="app-read", policy="""
path "secret/data/app/*" { capabilities = ["read"] }
path "secret/metadata/app/*" { capabilities = ["list"] }
""")
    assert "app-read" in root.sys.list_policies()["data"]["policies"]
    root.secrets.kv.v2.create_or_update_secret(path="app/config", secret={"k": "v"})
    root.secrets.kv.v2.create_or_update_secret(path="other/x", secret={"k": "v"})
    tok = root.auth.token.create(policies=["app-read"], ttl="1h")["auth"]["client_token"]
    app = hvac.Client(url=dev_server.addr, token=tok)
    assert app.secrets.kv.v2.read_secret_version(path="app/config")["data"]["data"] == {"k": "v"}
    with pytest.raises(hvac.exceptions.Forbidden):
        app.secrets.kv.v2.read_secret_version(path="other/x")
    with pytest.raises(hvac.exceptions.Forbidden):
        app.secrets.kv.v2.create_or_update_secret(path="app/config", secret={"k": "w"})
    caps = api(dev_server, "POST", "sys/capabilities-self", token=tok,
               json={"paths": ["secret/data/app/config", "secret/data/other/x"]}).json()
    assert caps["secret/data/app/config"] == ["read"]
    assert caps["secret/data/other/x"] == ["deny"]
    r = api(dev_server, "GET", "secret/data/other/x", token=tok)
    assert r.status_code == 403 and r.json() == {"errors": ["permission denied"]}


def test_userpass_login(dev_server, root):
    root.sys.enable_auth_method("userpass")
    root.sys.create_or_update_policy(name="dev", policy='path "secret/*" { capabilities = ["read", "list"] }')
    api(dev_server, "POST", "auth/userpass/users/alice", token="root",
        json={"password": "wonderland", "token_policies": "dev", "token_ttl": "1h"}).raise_for_status()
    c = hvac.Client(url=dev_server.addr)
    login = c.auth.userpass.login(username="alice", password="wonderland")
    auth = login["auth"]
    assert auth["client_token"].startswith("hvs.")
    assert auth["policies"] == ["default", "dev"] and auth["lease_duration"] == 3600
    assert auth["metadata"]["username"] == "alice"
    assert c.is_authenticated()
    with pytest.raises(hvac.exceptions.InvalidRequest):
        hvac.Client(url=dev_server.addr).auth.userpass.login(username="alice", password="wrong")


def test_token_revocation_tree(dev_server, root):
    # The default policy does not allow creating tokens (as in Vault); this one does.
    root.sys.create_or_update_policy(name="minter",
                                     policy='path "auth/token/create" { capabilities = ["update"] }')
    parent = root.auth.token.create(policies=["minter"], ttl="1h")["auth"]
    pc = hvac.Client(url=dev_server.addr, token=parent["client_token"])
    child = pc.auth.token.create(policies=["minter"], ttl="1h")["auth"]
    cc = hvac.Client(url=dev_server.addr, token=child["client_token"])
    grandchild = cc.auth.token.create(policies=["default"], ttl="1h")["auth"]
    orphan = root.auth.token.create(policies=["default"], ttl="1h", no_parent=True)["auth"]
    look = root.auth.token.lookup(child["client_token"])["data"]
    assert look["accessor"] == child["accessor"] and look["policies"] == ["default", "minter"]
    root.auth.token.revoke(parent["client_token"])
    for t in (parent, child, grandchild):
        with pytest.raises(hvac.exceptions.Forbidden):
            root.auth.token.lookup(t["client_token"])
    assert root.auth.token.lookup(orphan["client_token"])["data"]["orphan"] is True
    # revoke-orphan keeps the children alive, as orphans.
    p2 = root.auth.token.create(policies=["minter"])["auth"]
    c2 = hvac.Client(url=dev_server.addr, token=p2["client_token"]).auth.token.create(
        policies=["default"])["auth"]
    api(dev_server, "POST", "auth/token/revoke-orphan", token="root",
        json={"token": p2["client_token"]}).raise_for_status()
    assert root.auth.token.lookup(c2["client_token"])["data"]["orphan"] is True
    # by accessor
    root.auth.token.revoke_accessor(orphan["accessor"])
    with pytest.raises(hvac.exceptions.Forbidden):
        root.auth.token.lookup(orphan["client_token"])


def test_error_envelopes_and_verbs(dev_server):
    r = api(dev_server, "GET", "secret/data/nope", token="root")
    assert r.status_code == 404
    r = api(dev_server, "GET", "secret/data/x", token="hvs.notreal")
    assert r.status_code == 403 and r.json() == {"errors": ["permission denied"]}
    r = api(dev_server, "GET", "secret/data/x")
    assert r.status_code == 403
    r = api(dev_server, "POST", "secret/data/x", token="root", data="{not json")
    assert r.status_code == 400 and "errors" in r.json()
    api(dev_server, "POST", "secret/data/list/a", token="root", json={"data": {"a": 1}})
    r = requests.request("LIST", dev_server.addr + "/v1/secret/metadata/list",
                         headers={"Authorization": "Bearer root"})
    assert r.json()["data"]["keys"] == ["a"]
    r = api(dev_server, "GET", "secret/metadata/list?list=true", token="root")
    assert r.json()["data"]["keys"] == ["a"]
    r = api(dev_server, "GET", "sys/mounts", token="root")
    body = r.json()
    for key in ("request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info",
                "warnings", "auth"):
        assert key in body, key
    r = api(dev_server, "PATCH", "secret/data/list/a", token="root", json={"data": {"b": 2}})
    assert r.status_code == 415
    r = api(dev_server, "PATCH", "secret/data/list/a", token="root", json={"data": {"b": 2}},
            headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200


def test_token_ttls_capped_by_system_and_mount_max(workdir):
    from conftest import CofferServer, free_port
    import os
    port = free_port()
    cfg = os.path.join(workdir, "ttl.hcl")
    with open(cfg, "w") as f:
        f.write('storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:%d"\n'
                '  tls_disable = true\n}\ndisable_mlock = true\n'
                'default_lease_ttl = "1h"\nmax_lease_ttl = "2h"\n' % port)
    srv = CofferServer(["-config=" + cfg], "http://127.0.0.1:%d" % port, workdir).start()
    try:
        c = hvac.Client(url=srv.addr)
        init = c.sys.initialize(secret_shares=1, secret_threshold=1)
        c.sys.submit_unseal_key(init["keys"][0])
        c.token = init["root_token"]
        assert c.auth.token.create(policies=["default"], ttl="10h")["auth"]["lease_duration"] == 7200
        assert c.auth.token.create(policies=["default"])["auth"]["lease_duration"] == 3600
        c.sys.tune_auth_method("token", max_lease_ttl="30m")
        assert c.auth.token.create(policies=["default"], ttl="10h")["auth"]["lease_duration"] == 1800
        assert c.auth.token.create(policies=["default"])["auth"]["lease_duration"] == 1800
    finally:
        srv.stop()


def test_approle_login(dev_server, root):
    root.sys.enable_auth_method("approle")
    approle = root.auth.approle
    approle.create_or_update_approle(role_name="Build", token_policies=["dev"], token_ttl="1h",
                                     secret_id_num_uses=2)
    assert approle.list_roles()["data"]["keys"] == ["build"]
    role = approle.read_role(role_name="build")["data"]
    assert role["bind_secret_id"] is True and role["secret_id_num_uses"] == 2
    role_id = approle.read_role_id(role_name="build")["data"]["role_id"]
    generated = approle.generate_secret_id(role_name="build", metadata={"ci": "yes"})["data"]
    assert generated["secret_id_num_uses"] == 2
    accessors = approle.list_secret_id_accessors(role_name="build")["data"]["keys"]
    assert accessors == [generated["secret_id_accessor"]]

    c = hvac.Client(url=dev_server.addr)
    auth = c.auth.approle.login(role_id=role_id, secret_id=generated["secret_id"])["auth"]
    assert auth["policies"] == ["default", "dev"] and auth["lease_duration"] == 3600
    assert auth["metadata"] == {"ci": "yes", "role_name": "build"}
    assert c.is_authenticated()
    c.auth.approle.login(role_id=role_id, secret_id=generated["secret_id"])
    # Two uses, then the secret ID is gone.
    r = api(dev_server, "POST", "auth/approle/login",
            json={"role_id": role_id, "secret_id": generated["secret_id"]})
    assert r.status_code == 400 and r.json() == {"errors": ["invalid role or secret ID"]}
    r = api(dev_server, "POST", "auth/approle/role/build/secret-id-accessor/lookup", token="root",
            json={"secret_id_accessor": generated["secret_id_accessor"]})
    assert r.status_code == 404
    r = api(dev_server, "POST", "auth/approle/role/nope", token="root",
            json={"bind_secret_id": False})
    assert r.status_code == 400
    assert r.json() == {"errors": ["at least one constraint should be enabled on the role"]}
