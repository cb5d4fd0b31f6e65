"""Integrated storage clusters of real processes on loopback (issue 3): forming by
retry_join, health codes, standby forwarding, failover under load, rejoin by log and by
snapshot, an isolated follower, remove-peer and autopilot, snapshot save and restore."""

import os
import random
import signal
import threading
import time

import hvac
import pytest

from cluster import Cluster, wait_until


@pytest.fixture
def cluster(workdir):
    c = Cluster(workdir)
    yield c
    c.stop()


def kv_put(node, token, key, value, timeout=5):
    return node.req("POST", "secret/data/" + key, token=token, json={"data": {"v": value}},
                    timeout=timeout)


def kv_get(node, token, key):
    r = node.req("GET", "secret/data/" + key, token=token)
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return r.json()["data"]["data"]["v"]


def mount_kv(cluster):
    r = cluster.active().req("POST", "sys/mounts/secret", token=cluster.root_token,
                             json={"type": "kv", "options": {"version": "2"}})
    assert r.status_code == 204, r.text


def test_three_nodes_health_forwarding_and_cli(cluster):
    cluster.form(3)
    mount_kv(cluster)
    active = cluster.active()
    standbys = cluster.standbys()
    assert len(standbys) == 2
    # Load balancer codes: 200 active, 429 standby (200 with standbyok).
    assert standbys[0].req("GET", "sys/health?standbyok=true").status_code == 200
    leader = standbys[0].req("GET", "sys/leader").json()
    assert leader["ha_enabled"] is True and leader["is_self"] is False
    assert leader["leader_address"] == active.addr
    assert leader["raft_committed_index"] > 0
    # A write through one standby is readable through the other (both forward) and
    # through hvac on the active node.
    assert kv_put(standbys[0], cluster.root_token, "fwd", "through-standby").status_code == 200
    assert kv_get(standbys[1], cluster.root_token, "fwd") == "through-standby"
    client = hvac.Client(url=active.addr, token=cluster.root_token, verify=cluster.tls["ca"])
    assert client.secrets.kv.v2.read_secret_version(path="fwd")["data"]["data"] == {
        "v": "through-standby"}
    # Unauthenticated requests are still refused after forwarding.
    assert standbys[0].req("GET", "secret/data/fwd").status_code == 403

    peers = standbys[1].cli("operator", "raft", "list-peers").stdout
    for n in cluster.nodes:
        assert n.name in peers
    assert "leader" in peers
    members = active.cli("operator", "members", "-format=json").stdout
    for n in cluster.nodes:
        assert n.addr in members
    state = active.req("GET", "sys/storage/raft/autopilot/state", token=cluster.root_token).json()
    assert state["data"]["healthy"] is True
    assert state["data"]["failure_tolerance"] == 1
    # Every node holds the data in its own storage (applied up to the active's commit),
    # encrypted: the plaintext is in no node's files.
    target = active.req("GET", "sys/leader").json()["raft_committed_index"]
    for n in cluster.nodes:
        wait_until(lambda: n.req("GET", "sys/leader").json()["raft_applied_index"] >= target,
                   what="%s applied" % n.name)
        for root, _, files in os.walk(n.data):
            for f in files:
                assert b"through-standby" not in open(os.path.join(root, f), "rb").read()


def test_cli_join_non_voter_and_step_down(cluster):
    cluster.form(2)
    mount_kv(cluster)
    # A node without retry_join joins with the CLI, as a non-voter: autopilot leaves it so.
    node = cluster.add_node(retry_join=False).start()
    out = node.server.cli("operator", "raft", "join", "-non-voter",
                          "-leader-ca-cert=@" + cluster.tls["ca"], cluster.nodes[0].addr).stdout
    assert "true" in out
    node.unseal()
    wait_until(lambda: node.health() == 429, what="non-voter standby")
    time.sleep(2.5)  # past server_stabilization_time (1s)
    voters = {s["node_id"]: s["voter"] for s in cluster.servers()}
    assert voters == {"node1": True, "node2": True, "node3": False}
    assert kv_put(node, cluster.root_token, "via-non-voter", "ok").status_code == 200
    # step-down (sent to a standby, forwarded) hands leadership to the other voter.
    old = cluster.active()
    standby = [n for n in cluster.nodes if n is not old and n.name != "node3"][0]
    node.cli("operator", "step-down")
    wait_until(lambda: standby.health() == 200, what="the other voter to become active")
    assert old.health() == 429
    assert kv_get(old, cluster.root_token, "via-non-voter") == "ok"


def test_kill_active_under_write_load_loses_nothing(cluster):
    cluster.form(3)
    mount_kv(cluster)
    acked = {}
    stop = threading.Event()
    lock = threading.Lock()

    def writer(wid):
        i = 0
        while not stop.is_set():
            key = "w%d-%d" % (wid, i)
            node = random.choice([n for n in cluster.nodes if n.alive()])
            try:
                r = kv_put(node, cluster.root_token, key, key, timeout=5)
                if r.status_code == 200:
                    with lock:
                        acked[key] = key
            except Exception:
                pass
            i += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(2)
    old = cluster.active()
    before = len(acked)
    old.kill()
    killed_at = time.time()
    new = cluster.active(timeout=20)
    assert new is not old
    # Writes succeed again through the new active node.
    wait_until(lambda: kv_put(new, cluster.root_token, "after-failover", "x").status_code == 200,
               timeout=10, what="a write after failover")
    failover = time.time() - killed_at
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) > before
    print("failover to first successful write: %.2fs; %d acknowledged writes" %
          (failover, len(acked)))
    for key in acked:
        assert kv_get(new, cluster.root_token, key) == key, key
    # The killed node restarts, is unsealed and catches up by log.
    old.start()
    old.unseal()
    wait_until(lambda: old.health() == 429, what="restarted node standby")
    target = new.req("GET", "sys/leader").json()["raft_committed_index"]
    wait_until(lambda: old.req("GET", "sys/leader").json()["raft_applied_index"] >= target,
               what="restarted node caught up")
    assert kv_get(old, cluster.root_token, "after-failover") == "x"


def test_five_nodes_survive_two_failures(cluster):
    cluster.form(5)
    mount_kv(cluster)
    active = cluster.active()
    for n in [n for n in cluster.nodes if n is not active][:2]:
        n.kill()
    assert kv_put(active, cluster.root_token, "five", "ok").status_code == 200
    standby = cluster.standbys()[0]
    assert kv_get(standby, cluster.root_token, "five") == "ok"


def test_isolated_follower_does_not_unseat_leader(cluster):
    cluster.form(3)
    mount_kv(cluster)
    active = cluster.active()
    follower = cluster.standbys()[0]
    follower.server.proc.send_signal(signal.SIGSTOP)
    try:
        for i in range(20):
            assert kv_put(active, cluster.root_token, "iso%d" % i, "v").status_code == 200
        time.sleep(3)  # well past the follower's election timeout
    finally:
        follower.server.proc.send_signal(signal.SIGCONT)
    time.sleep(3)
    assert active.health() == 200, "the healed follower unseated a healthy leader"
    target = active.req("GET", "sys/leader").json()["raft_committed_index"]
    wait_until(lambda: follower.req("GET", "sys/leader").json()["raft_applied_index"] >= target,
               what="healed follower caught up")


def test_restarted_node_catches_up_by_snapshot(workdir):
    c = Cluster(workdir, snapshot_threshold=64, trailing_logs=16)
    try:
        c.form(3)
        mount_kv(c)
        lagging = c.standbys()[0]
        lagging.stop()
        active = c.active()
        for i in range(300):
            assert kv_put(active, c.root_token, "s%d" % i, str(i)).status_code == 200
        lagging.start()
        lagging.unseal()
        target = active.req("GET", "sys/leader").json()["raft_committed_index"]
        wait_until(lambda: lagging.req("GET", "sys/leader").json()["raft_applied_index"] >= target,
                   what="lagging node caught up")
        assert "snapshot" in lagging.log().lower()
        # Promote it and read through it.
        assert kv_get(lagging, c.root_token, "s299") == "299"
    finally:
        c.stop()


def test_replace_a_node_with_remove_peer_and_autopilot_cleanup(cluster):
    cluster.form(3)
    mount_kv(cluster)
    active = cluster.active()
    r = active.req("POST", "sys/storage/raft/autopilot/configuration", token=cluster.root_token,
                   json={"cleanup_dead_servers": True, "dead_server_last_contact_threshold": "2s",
                         "min_quorum": 3})
    assert r.status_code == 204, r.text
    # The auto scaling group case: an instance dies; a replacement joins; autopilot
    # removes the dead server and quorum holds throughout.
    dead = [n for n in cluster.nodes if n is not active][0]
    dead.kill()
    assert kv_put(active, cluster.root_token, "during", "1").status_code == 200
    cluster.join_new_node()
    wait_until(lambda: sorted(s["node_id"] for s in cluster.servers()) ==
               sorted(n.name for n in cluster.nodes if n is not dead), timeout=30,
               what="autopilot to remove %s" % dead.name)
    cluster.wait_voters(3)
    # remove-peer by hand: take out a standby, the cluster keeps serving.
    standby = cluster.standbys()[0]
    active.cli("operator", "raft", "remove-peer", standby.name)
    standby.stop()
    assert standby.name not in [s["node_id"] for s in cluster.servers()]
    assert kv_put(cluster.active(), cluster.root_token, "after-remove", "1").status_code == 200


def test_snapshot_save_restore_into_new_cluster(workdir):
    os.makedirs(os.path.join(workdir, "a"))
    a = Cluster(os.path.join(workdir, "a"))
    b = None
    try:
        a.form(3)
        mount_kv(a)
        for i in range(200):
            assert kv_put(a.active(), a.root_token, "k%d" % i, "v%d" % i).status_code == 200
        snap = os.path.join(workdir, "backup.snap")
        # Saved on a loaded cluster: writes to other keys go on meanwhile.
        stop = threading.Event()

        def load():
            i = 0
            while not stop.is_set():
                kv_put(a.active(), a.root_token, "load%d" % (i % 50), str(i))
                i += 1

        loader = threading.Thread(target=load)
        loader.start()
        try:
            a.standbys()[0].cli("operator", "raft", "snapshot", "save", snap)
        finally:
            stop.set()
            loader.join()
        assert os.path.getsize(snap) > 0

        # A corrupted or truncated snapshot is refused and changes nothing.
        data = open(snap, "rb").read()
        bad = bytearray(data)
        bad[len(bad) // 2] ^= 0xFF
        for name, blob in (("flipped", bytes(bad)), ("truncated", data[:len(data) // 2])):
            path = os.path.join(workdir, name + ".snap")
            open(path, "wb").write(blob)
            r = a.active().cli("operator", "raft", "snapshot", "restore", path, check=False)
            assert r.returncode != 0, name
        assert kv_get(a.active(), a.root_token, "k7") == "v7"

        # Restore into a brand-new cluster: it takes on A's data and keys.
        os.makedirs(os.path.join(workdir, "b"))
        b = Cluster(os.path.join(workdir, "b"))
        b.form(1, shares=1, threshold=1)
        refused = b.nodes[0].cli("operator", "raft", "snapshot", "restore", snap, check=False)
        assert refused.returncode == 2 and "different unseal keys" in refused.stderr, refused.stderr
        r = b.nodes[0].cli("operator", "raft", "snapshot", "restore", "-force", snap, check=False)
        b.root_token = a.root_token
        b.keys, b.threshold = a.keys, a.threshold
        assert r.returncode == 0, r.stderr
        node = b.nodes[0]
        if node.req("GET", "sys/seal-status").json()["sealed"]:
            node.unseal()
        wait_until(lambda: node.health() == 200, what="restored node active")
        for i in range(200):
            assert kv_get(node, a.root_token, "k%d" % i) == "v%d" % i
    finally:
        a.stop()
        if b:
            b.stop()
