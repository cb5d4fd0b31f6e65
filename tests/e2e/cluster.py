"""A Coffer cluster of real processes on loopback for the end-to-end tests: every node
on storage "raft" with TLS listeners, nodes 2..n joining node 1 through retry_join,
Shamir keys from node 1's init."""

import os
import signal
import time

import requests

from conftest import CofferServer, free_port, make_tls

NODE_CONFIG = """
storage "raft" {{
  path                   = "{data}"
  node_id                = "{name}"
  performance_multiplier = 1
  snapshot_threshold     = {snapshot_threshold}
  trailing_logs          = {trailing_logs}
{retry_join}
}}

listener "tcp" {{
  address         = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{cport}"
  tls_cert_file   = "{cert}"
  tls_key_file    = "{key}"
{listener_extra}
}}
{extra}
api_addr     = "https://127.0.0.1:{port}"
cluster_addr = "https://127.0.0.1:{cport}"
disable_mlock = true
log_level    = "debug"
"""

RETRY_JOIN = """
  retry_join {{
    leader_api_addr     = "{leader}"
    leader_ca_cert_file = "{ca}"
  }}
"""


def wait_until(fn, timeout=30, interval=0.1, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fn()
            if last:
                return last
        except (requests.exceptions.RequestException, KeyError, ValueError) as e:
            last = e
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


class Node:
    def __init__(self, cluster, name, leader_addr=None):
        self.cluster = cluster
        self.name = name
        self.dir = os.path.join(cluster.workdir, name)
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data, exist_ok=True)
        self.port, self.cport = free_port(), free_port()
        self.addr = "https://127.0.0.1:%d" % self.port
        self.config = os.path.join(self.dir, "coffer.hcl")
        tls = cluster.tls
        retry = RETRY_JOIN.format(leader=leader_addr, ca=tls["ca"]) if leader_addr else ""
        with open(self.config, "w") as f:
            f.write(NODE_CONFIG.format(data=self.data, name=name, port=self.port, cport=self.cport,
                                       cert=tls["cert"], key=tls["key"], retry_join=retry,
                                       snapshot_threshold=cluster.snapshot_threshold,
                                       trailing_logs=cluster.trailing_logs,
                                       extra=cluster.extra_config,
                                       listener_extra=cluster.listener_extra))
        self.server = None

    def start(self):
        self.server = CofferServer(["-config=" + self.config], self.addr, self.dir,
                                   ca_cert=self.cluster.tls["ca"])
        self.server.start()
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.server:
            self.server.stop(sig)

    def kill(self):
        self.server.proc.kill()
        self.server.proc.wait()

    def alive(self):
        return self.server is not None and self.server.proc.poll() is None

    def req(self, method, path, token=None, timeout=10, **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["X-Vault-Token"] = token
        return requests.request(method, self.addr + "/v1/" + path, headers=headers,
                                verify=self.cluster.tls["ca"], timeout=timeout, **kw)

    def health(self):
        try:
            return self.req("GET", "sys/health", timeout=2).status_code
        except requests.exceptions.RequestException:
            return None

    def unseal(self):
        for key in self.cluster.keys[:self.cluster.threshold]:
            r = self.req("PUT", "sys/unseal", json={"key": key}, timeout=60)
            assert r.status_code == 200, r.text
        return r.json()

    def cli(self, *args, check=True):
        return self.server.cli(*args, token=self.cluster.root_token, check=check)

    def log(self):
        return self.server.output() if self.server else ""


class Cluster:
    def __init__(self, workdir, snapshot_threshold=8192, trailing_logs=10000, extra_config="",
                 listener_extra=""):
        """extra_config: more top-level HCL for every node (e.g. a telemetry block);
        listener_extra: more HCL inside each node's listener block."""
        self.workdir = workdir
        self.extra_config = extra_config
        self.listener_extra = listener_extra
        self.tls = make_tls(workdir)
        self.snapshot_threshold = snapshot_threshold
        self.trailing_logs = trailing_logs
        self.nodes = []
        self.keys = []
        self.threshold = 0
        self.root_token = None

    def add_node(self, retry_join=True):
        name = "node%d" % (len(self.nodes) + 1)
        leader = self.nodes[0].addr if self.nodes and retry_join else None
        node = Node(self, name, leader)
        self.nodes.append(node)
        return node

    def form(self, n, shares=3, threshold=2):
        """Starts node1, initialises and unseals it, then adds n-1 nodes that join."""
        first = self.add_node().start()
        r = first.req("PUT", "sys/init", json={"secret_shares": shares,
                                                "secret_threshold": threshold}, timeout=30)
        assert r.status_code == 200, r.text
        self.keys = r.json()["keys_base64"]
        self.threshold = threshold
        self.root_token = r.json()["root_token"]
        first.unseal()
        wait_until(lambda: first.health() == 200, what="node1 active")
        r = first.req("POST", "sys/storage/raft/autopilot/configuration", token=self.root_token,
                      json={"server_stabilization_time": "1s"})
        assert r.status_code == 204, r.text
        for _ in range(n - 1):
            self.join_new_node()
        self.wait_voters(n)
        return self

    def join_new_node(self):
        node = self.add_node().start()
        wait_until(lambda: node.req("GET", "sys/seal-status", timeout=2).json()["initialized"],
                   what="%s to get its join challenge" % node.name)
        node.unseal()
        wait_until(lambda: node.health() == 429, what="%s standby" % node.name)
        return node

    def servers(self):
        r = self.active().req("GET", "sys/storage/raft/configuration", token=self.root_token)
        assert r.status_code == 200, r.text
        return r.json()["data"]["config"]["servers"]

    def wait_voters(self, n, timeout=30):
        def check():
            s = self.servers()
            return len(s) == n and all(x["voter"] for x in s)
        wait_until(check, timeout=timeout, what="%d voters" % n)

    def active(self, timeout=15):
        def find():
            for node in self.nodes:
                if node.alive() and node.health() == 200:
                    return node
            return None
        return wait_until(find, timeout=timeout, what="an active node")

    def standbys(self):
        return [n for n in self.nodes if n.alive() and n.health() == 429]

    def stop(self):
        for node in self.nodes:
            node.stop()
