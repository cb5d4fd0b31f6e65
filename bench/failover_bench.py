#!/usr/bin/python3
"""Failover time of a formed 3-node Coffer cluster (started by bench/raft_bench.sh).

Each run, with a light write load (~20 KV v2 writes/s spread over all nodes) going on:
  1. find the active node (GET /v1/sys/health answers 200 there, 429 on standbys);
  2. kill -9 it; from that instant, each surviving node gets KV v2 writes in a tight loop
     (short timeouts, one thread per node; standbys forward writes to the active node);
     the failover time is until the first write that succeeds;
  3. restart the killed node with its own configuration, unseal it with the key, and wait
     until it is an unsealed standby that autopilot reports healthy again (caught up).
Prints one line per run and then
  RESULT runs=N ok=K median_ms=... worst_ms=... best_ms=...
Exits 1 if a run did not recover (no write within --timeout, or the node did not come back);
the RESULT line then covers the runs before it.

Usage: bench/failover_bench.py --cluster CLUSTER.json [--runs 10] [--timeout 60]
CLUSTER.json: {"bin", "ca", "unseal_key", "token",
               "nodes": [{"name", "addr", "config", "pid_file", "log"}, ...]}
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

import requests

PROBE_TIMEOUT = (0.25, 1.0)  # connect, read (seconds) for the writes that time the failover
POLL = 0.01                  # pause after a failed probe write


class Node:
    def __init__(self, spec, cluster):
        self.name = spec["name"]
        self.addr = spec["addr"]
        self.config = spec["config"]
        self.pid_file = spec["pid_file"]
        self.log = spec["log"]
        self.cluster = cluster
        self.proc = None  # set when this script (re)started the process

    def request(self, method, path, timeout=2.0, session=None, **kw):
        headers = {"X-Vault-Token": self.cluster["token"]}
        return (session or requests).request(method, self.addr + "/v1/" + path, headers=headers,
                                             verify=self.cluster["ca"], timeout=timeout, **kw)

    def health(self):
        """sys/health status code, or None when the node does not answer."""
        try:
            return self.request("GET", "sys/health", timeout=1.0).status_code
        except requests.RequestException:
            return None

    def pid(self):
        with open(self.pid_file) as f:
            return int(f.read().strip())

    def kill(self):
        pid = self.pid()
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_dead(self, pid, timeout=10):
        if self.proc is not None and self.proc.pid == pid:
            self.proc.wait(timeout)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().split(") ", 1)[1].startswith("Z"):
                        return  # a zombie: dead, its parent (the shell) has not reaped it yet
            except (FileNotFoundError, ProcessLookupError):
                return
            time.sleep(0.05)
        raise RuntimeError("%s (pid %d) still alive after SIGKILL" % (self.name, pid))

    def start(self):
        log = open(self.log, "ab")
        self.proc = subprocess.Popen([self.cluster["bin"], "server", "-config=" + self.config],
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Load(threading.Thread):
    """The light background write load: ~20 writes/s, round robin over all nodes."""

    def __init__(self, nodes, rate=20.0):
        super().__init__(daemon=True)
        self.nodes, self.period = nodes, 1.0 / rate
        self.stopping = threading.Event()
        self.ok = self.failed = 0

    def run(self):
        session = requests.Session()
        i = 0
        while not self.stopping.is_set():
            node = self.nodes[i % len(self.nodes)]
            i += 1
            try:
                r = node.request("POST", "secret/data/failover/load%d" % (i % 100), timeout=(0.25, 2.0),
                                 session=session, json={"data": {"value": str(i)}})
                if r.ok:
                    self.ok += 1
                else:
                    self.failed += 1
            except requests.RequestException:
                self.failed += 1
            self.stopping.wait(self.period)


def first_write(survivors, deadline):
    """Writes through every survivor in parallel until one succeeds; (time, node) or None."""
    won = threading.Event()
    result = []
    lock = threading.Lock()

    def probe(node):
        session = requests.Session()
        n = 0
        while not won.is_set() and time.monotonic() < deadline:
            n += 1
            try:
                r = node.request("POST", "secret/data/failover/probe-%s" % node.name,
                                 timeout=PROBE_TIMEOUT, session=session,
                                 json={"data": {"attempt": n}})
                if r.ok:
                    t = time.monotonic()
                    with lock:
                        if not won.is_set():
                            result.append((t, node))
                            won.set()
                    return
            except requests.RequestException:
                session = requests.Session()  # drop a connection that may be wedged
            time.sleep(POLL)

    threads = [threading.Thread(target=probe, args=(n,), daemon=True) for n in survivors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result[0] if result else None


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.1)
    raise RuntimeError("timed out after %ds waiting for %s" % (timeout, what))


def find_active(nodes, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for n in nodes:
            if n.health() == 200:
                return n
        time.sleep(0.1)
    raise RuntimeError("timed out after %ds waiting for an active node (sys/health 200) among %s" %
                       (timeout, "/".join(n.name for n in nodes)))


def unseal(node, key):
    """Sends the key until the node reports unsealed (a restarted node must be unsealed)."""
    def try_unseal():
        try:
            r = node.request("PUT", "sys/unseal", json={"key": key}, timeout=5)
            return r.ok and r.json().get("sealed") is False
        except (requests.RequestException, ValueError):
            return False
    wait_until(try_unseal, 60, "%s to unseal" % node.name)


def caught_up(nodes, node):
    """True when `node` is an unsealed standby and autopilot on the active node reports every
    server healthy (which includes its log being close to the leader's). If the autopilot
    state endpoint is missing, falls back to the raft configuration listing it as a voter."""
    if node.health() != 429:
        return False
    for other in nodes:
        if other is node or other.health() != 200:
            continue
        try:
            r = other.request("GET", "sys/storage/raft/autopilot/state")
            if r.status_code == 200:
                data = r.json()["data"]
                servers = data.get("servers", {})
                return (len(servers) == len(nodes) and
                        all(s.get("healthy") for s in servers.values()))
            r = other.request("GET", "sys/storage/raft/configuration")
            servers = r.json()["data"]["config"]["servers"]
            return any(s["node_id"] == node.name and s["voter"] for s in servers)
        except (requests.RequestException, ValueError, KeyError):
            return False
    return False


def one_run(i, nodes, cluster, timeout):
    active = find_active(nodes)
    survivors = [n for n in nodes if n is not active]
    pid = active.kill()
    t0 = time.monotonic()
    won = first_write(survivors, t0 + timeout)
    active.wait_dead(pid)
    if won is None:
        raise RuntimeError("run %d: no KV write succeeded through %s within %ds after killing %s" %
                           (i, "/".join(n.name for n in survivors), timeout, active.name))
    failover_ms = (won[0] - t0) * 1000
    new_active = find_active(survivors)
    t1 = time.monotonic()
    active.start()
    unseal(active, cluster["unseal_key"])
    t_unsealed = time.monotonic()
    t_caught_up = wait_until(lambda: caught_up(nodes, active), 120,
                             "%s to catch up (standby, autopilot healthy)" % active.name)
    print("run %2d: killed %s (pid %d): first write after %7.1f ms via %s; new active %s; "
          "restarted, unsealed in %.1f s, caught up %.1f s later" %
          (i, active.name, pid, failover_ms, won[1].name, new_active.name, t_unsealed - t1,
           t_caught_up - t_unsealed), flush=True)
    return failover_ms


def main():
    ap = argparse.ArgumentParser(description="Failover time of a 3-node Coffer cluster.")
    ap.add_argument("--cluster", required=True, help="JSON written by bench/raft_bench.sh")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--timeout", type=int, default=60, help="seconds to wait for a write")
    ap.add_argument("--pause", type=float, default=2.0, help="seconds of load between runs")
    args = ap.parse_args()
    with open(args.cluster) as f:
        cluster = json.load(f)
    nodes = [Node(s, cluster) for s in cluster["nodes"]]
    load = Load(nodes)
    load.start()
    times, status = [], 0
    try:
        for i in range(1, args.runs + 1):
            time.sleep(args.pause)
            times.append(one_run(i, nodes, cluster, args.timeout))
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        print("failover_bench: %s" % e, file=sys.stderr, flush=True)
        status = 1
    finally:
        load.stopping.set()
        load.join(5)
        for n in nodes:
            n.stop()
    print("load: %d writes ok, %d failed (during the kills)" % (load.ok, load.failed))
    if times:
        print("RESULT runs=%d ok=%d median_ms=%.0f worst_ms=%.0f best_ms=%.0f" %
              (args.runs, len(times), statistics.median(times), max(times), min(times)))
    return status


if __name__ == "__main__":
    sys.exit(main())
