"""Telemetry end to end: a real Prometheus (Debian's) scrapes a 3-node cluster through
sys/metrics?format=prometheus over TLS; the exposition passes `promtool check metrics`;
Vault's metric names are there with the values the cluster's state implies; sys/metrics
needs a token unless the listener allows unauthenticated access."""

import json
import os
import subprocess
import time

import pytest
import requests

from cluster import Cluster, wait_until
from conftest import api, free_port

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"

TELEMETRY = """
telemetry {
  prometheus_retention_time = "60s"
  disable_hostname          = true
}
"""
UNAUTHENTICATED = """
  telemetry {
    unauthenticated_metrics_access = true
  }
"""


@pytest.fixture
def cluster(workdir):
    c = Cluster(workdir, extra_config=TELEMETRY, listener_extra=UNAUTHENTICATED)
    yield c
    c.stop()


def prom_text(node, token=None):
    r = node.req("GET", "sys/metrics", token=token, params={"format": "prometheus"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain")
    return r.text


def samples(text, name):
    """{labels-string: value} of the series called `name` in an exposition."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        series, _, value = line.rpartition(" ")
        metric = series.split("{", 1)[0]
        if metric == name:
            out[series[len(metric):]] = float(value)
    return out


# Vault's own names break three of promtool's lint rules, and dashboards depend on the
# names: go-metrics counters carry no "_total" suffix (vault_token_creation), hashicorp/raft's
# keys are camelCase (vault_raft_commitTime), and vault.token.count is a gauge named *_count.
# Those findings, and only those, are accepted; a parse error or any other finding fails.
VAULT_NAME_LINT = (' counter metrics should have "_total" suffix',
                   " metric names should be written in 'snake_case' not 'camelCase'",
                   ' non-histogram and non-summary metrics should not have "_count" suffix')


def check_metrics(text):
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                       text=True)
    findings = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
    if r.returncode != 0:
        unexpected = [l for l in findings if not l.endswith(VAULT_NAME_LINT)]
        assert r.returncode == 3 and not unexpected, "\n".join(findings)
    return findings


def start_prometheus(workdir, cluster):
    d = os.path.join(workdir, "prometheus")
    os.makedirs(d)
    targets = [n.addr.replace("https://", "") for n in cluster.nodes]
    config = os.path.join(d, "prometheus.yml")
    with open(config, "w") as f:
        f.write("""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: coffer
    metrics_path: /v1/sys/metrics
    params:
      format: [prometheus]
    scheme: https
    tls_config:
      ca_file: %s
    static_configs:
      - targets: %s
""" % (cluster.tls["ca"], json.dumps(targets)))
    r = subprocess.run([PROMTOOL, "check", "config", config], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    port = free_port()
    log = open(os.path.join(d, "prometheus.log"), "w")
    proc = subprocess.Popen([PROMETHEUS, "--config.file=" + config,
                             "--storage.tsdb.path=" + os.path.join(d, "data"),
                             "--web.listen-address=127.0.0.1:%d" % port],
                            stdout=log, stderr=subprocess.STDOUT)
    return proc, "http://127.0.0.1:%d" % port


def query(prom, q):
    r = requests.get(prom + "/api/v1/query", params={"query": q}, timeout=5)
    r.raise_for_status()
    return r.json()["data"]["result"]


def test_prometheus_scrapes_a_three_node_cluster(cluster, workdir):
    cluster.form(3)
    active = cluster.active()
    token = cluster.root_token
    # Some traffic so the request, token and barrier metrics have samples.
    r = active.req("POST", "sys/mounts/secret", token=token,
                   json={"type": "kv", "options": {"version": "2"}})
    assert r.status_code == 204, r.text
    for i in range(5):
        r = active.req("POST", "secret/data/m%d" % i, token=token,
                       json={"data": {"v": "metric-secret-%d" % i}})
        assert r.status_code == 200, r.text
        assert active.req("GET", "secret/data/m%d" % i, token=token).status_code == 200
    r = active.req("POST", "auth/token/create", token=token, json={"ttl": "1h"})
    assert r.status_code == 200, r.text
    child = r.json()["auth"]["client_token"]

    # Every node's exposition (standbys serve their own, unauthenticated) is valid text.
    for node in cluster.nodes:
        text = prom_text(node)
        check_metrics(text)
        assert samples(text, "vault_core_unsealed") == {"": 1.0}
        assert samples(text, "vault_runtime_num_threads")[""] > 1
    text = prom_text(active)
    assert samples(text, "vault_core_active") == {"": 1.0}
    assert samples(text, "vault_core_handle_request_count")[""] >= 10
    assert '{quantile="0.99"}' in samples(text, "vault_core_handle_request")
    assert sum(samples(text, "vault_token_creation").values()) >= 1
    assert samples(text, "vault_expire_num_leases")[""] >= 1
    assert samples(text, "vault_token_count")['{namespace="root"}'] >= 2  # root + child
    assert samples(text, "vault_barrier_put_count")[""] >= 5
    assert samples(text, "vault_raft_state_leader")[""] >= 1
    assert samples(text, "vault_autopilot_healthy") == {"": 1.0}
    assert samples(text, "vault_autopilot_failure_tolerance") == {"": 1.0}
    # The names deploy/prometheus/alerts.yml uses for disk, certificates and error rate.
    assert next(iter(samples(text, "vault_raft_storage_disk_available_bytes").values())) > 0
    assert next(iter(samples(text, "vault_raft_storage_disk_total_bytes").values())) > 0
    expiry = samples(text, "vault_tls_certificate_expiry_seconds")
    assert expiry and all(86400 < v <= 2 * 86400 for v in expiry.values())  # a 2-day cert
    assert sum(v for k, v in samples(text, "vault_core_response_status_code").items()
               if 'type="2xx"' in k) >= 10
    for standby in cluster.standbys():
        assert samples(prom_text(standby), "vault_core_active") == {"": 0.0}
    # No secret in any label or value: the tokens and the written values are absent.
    assert token not in text and child not in text and "metric-secret" not in text

    proc, prom = start_prometheus(workdir, cluster)
    try:
        wait_until(lambda: len([s for s in query(prom, "up") if s["value"][1] == "1"]) == 3,
                   timeout=60, interval=0.5, what="prometheus scraping all three nodes")
        wait_until(lambda: query(prom, "sum(vault_core_active)") and
                   query(prom, "sum(vault_core_active)")[0]["value"][1] == "1",
                   timeout=30, interval=0.5, what="one active node in prometheus")
        unsealed = query(prom, "vault_core_unsealed")
        assert len(unsealed) == 3 and all(s["value"][1] == "1" for s in unsealed)
        # The production alert rules evaluate against what the cluster exposes.
        rules = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "prometheus",
                             "alerts.yml")
        for rule in _alert_exprs(rules):
            requests.get(prom + "/api/v1/query", params={"query": rule}, timeout=5).raise_for_status()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _alert_exprs(path):
    """The expr of every alert in a rules file (a tiny YAML reader: `expr:` lines, folded
    `expr: |` blocks)."""
    exprs, cur = [], None
    with open(path) as f:
        for line in f:
            stripped = line.strip()
            if cur is not None:
                if stripped and (len(line) - len(line.lstrip())) > cur[0]:
                    cur[1].append(stripped)
                    continue
                exprs.append(" ".join(cur[1]))
                cur = None
            if stripped.startswith("expr:"):
                value = stripped[len("expr:"):].strip()
                if value in ("|", ">", "|-", ">-"):
                    cur = (len(line) - len(line.lstrip()), [])
                else:
                    exprs.append(value.strip("'\""))
    if cur is not None:
        exprs.append(" ".join(cur[1]))
    return exprs


def test_metrics_need_a_token_without_unauthenticated_access(dev_server):
    r = api(dev_server, "GET", "sys/metrics", params={"format": "prometheus"})
    assert r.status_code == 403
    r = api(dev_server, "GET", "sys/metrics", token="root", params={"format": "prometheus"})
    assert r.status_code == 200
    assert "vault_core_unsealed" in r.text
    r = api(dev_server, "GET", "sys/metrics", token="root")
    assert r.status_code == 200
    body = r.json()
    assert {"Timestamp", "Gauges", "Counters", "Samples"} <= set(body)
    assert any(g["Name"].endswith("core.unsealed") for g in body["Gauges"])


def test_statsd_and_dogstatsd_sinks_receive_metrics(workdir):
    """telemetry { statsd_address / dogstatsd_addr }: the server sends go-metrics' lines over
    UDP (loopback here) as requests are served."""
    import socket
    from conftest import CofferServer
    socks = {}
    for kind in ("statsd", "dogstatsd"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(0.2)
        socks[kind] = s
    config = os.path.join(workdir, "telemetry.hcl")
    with open(config, "w") as f:
        f.write('telemetry {\n  statsd_address = "127.0.0.1:%d"\n  dogstatsd_addr = "127.0.0.1:%d"\n'
                '  dogstatsd_tags = ["env:test"]\n  disable_hostname = true\n}\n'
                % (socks["statsd"].getsockname()[1], socks["dogstatsd"].getsockname()[1]))
    port = free_port()
    srv = CofferServer(["-dev", "-dev-root-token-id=root", "-config=" + config,
                        "-dev-listen-address=127.0.0.1:%d" % port],
                       "http://127.0.0.1:%d" % port, workdir).start()
    try:
        received = {"statsd": "", "dogstatsd": ""}

        def got_request_timers():
            api(srv, "GET", "sys/mounts", token="root")
            for kind, s in socks.items():
                try:
                    while True:
                        received[kind] += s.recv(65536).decode()
                except socket.timeout:
                    pass
            return all("vault.core.handle_request:" in v for v in received.values())
        wait_until(got_request_timers, timeout=20, what="statsd and dogstatsd packets")
        # statsd: timers as |ms; dogstatsd: the configured tags after |#.
        assert any(l.startswith("vault.core.handle_request:") and l.endswith("|ms")
                   for l in received["statsd"].splitlines())
        assert any(l.startswith("vault.core.handle_request:") and "|#" in l and "env:test" in l
                   for l in received["dogstatsd"].splitlines())
    finally:
        srv.stop()
        for s in socks.values():
            s.close()
