"""Jepsen-style fault harness for a Coffer Raft cluster (see README.md).

Usage: harness.py [--nodes 3|5] [--minutes M | --seconds S] [--seed N] [--clients C]
                  [--faults K1,K2 | --exclude K1,K2] [--tmpfs-mb MB] [--crash-loop K] [--out DIR]
Last line: `faults: <N> operations, <N> faults injected, <N> anomalies`.
"""

import argparse
import atexit
import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import requests
import urllib3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)

from cluster import Cluster, wait_until  # noqa: E402
from conftest import free_port  # noqa: E402
import checker  # noqa: E402
from proxy import Faults, Proxy  # noqa: E402

urllib3.disable_warnings()
T0 = time.monotonic()


def now():
    return round(time.monotonic() - T0, 4)


def log(msg):
    print("[%8.3f] %s" % (now(), msg), flush=True)


class FaultCluster(Cluster):
    """A Cluster whose nodes advertise a proxy port as cluster_addr."""

    def __init__(self, workdir, tmpfs_mb=None):
        super().__init__(workdir)
        self.faults = Faults()
        self.faults.pids = lambda: {n.name: n.server.proc.pid for n in self.nodes if n.alive()}
        self.proxies = {}
        self.tmpfs_mb = tmpfs_mb  # each node's data dir on its own tmpfs of this size
        self.disks = {}           # node name -> tmpfs mount point (the data dir's parent)

    def add_node(self, retry_join=True):
        node = super().add_node(retry_join)
        pport = free_port()
        text = open(node.config).read()
        old = 'cluster_addr = "https://127.0.0.1:%d"' % node.cport
        assert old in text
        text = text.replace(old, 'cluster_addr = "https://127.0.0.1:%d"' % pport)
        if self.tmpfs_mb:
            # The data dir moves into a small tmpfs of its own (the disk-full fault fills
            # it); the server logs stay in node.dir, outside it.
            disk = os.path.join(node.dir, "disk")
            os.makedirs(disk, exist_ok=True)
            mount_tmpfs(disk, self.tmpfs_mb)
            self.disks[node.name] = disk
            data = os.path.join(disk, "data")
            os.makedirs(data)
            old = 'path                   = "%s"' % node.data
            assert old in text
            text = text.replace(old, 'path                   = "%s"' % data)
            os.rmdir(node.data)
            node.data = data
        open(node.config, "w").write(text)
        self.proxies[node.name] = Proxy(self.faults, node.name, pport, node.cport)
        return node

    def unmount_all(self):
        for name in list(self.disks):
            umount(self.disks.pop(name))

    def wipe(self, node):
        """Deletes a stopped node's whole Raft data dir (the tmpfs's filler too)."""
        assert not node.alive()
        shutil.rmtree(node.data)
        os.makedirs(node.data)

    def rejoin(self, node, timeout=90):
        """Starts a wiped node and joins it through sys/storage/raft/join to the active
        node (nodes 2..n also retry_join node1 on their own; whichever challenge the
        unseal answers must be the leader's latest, so a refused unseal joins again)."""
        node.start()
        ca = open(self.tls["ca"]).read()
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                st = node.req("GET", "sys/seal-status", timeout=5).json()
                if not st["sealed"]:
                    return
                if not st["initialized"]:
                    act = self.active(timeout=30)
                    r = node.req("POST", "sys/storage/raft/join", timeout=30,
                                 json={"leader_api_addr": act.addr, "leader_ca_cert": ca})
                    last = "join %d %s" % (r.status_code, r.text[:200])
                    if r.status_code != 200:
                        time.sleep(1)
                        continue
                for key in self.keys[:self.threshold]:
                    r = node.req("PUT", "sys/unseal", json={"key": key}, timeout=150)
                    last = "unseal %d %s" % (r.status_code, r.text[:200])
                    if r.status_code != 200:
                        break
                if r.status_code != 200:
                    # The challenge went stale (a newer one, or a leader change): again.
                    r = node.req("POST", "sys/storage/raft/join", timeout=30,
                                 json={"leader_api_addr": self.active(timeout=30).addr,
                                       "leader_ca_cert": ca})
                    last = "rejoin %d %s" % (r.status_code, r.text[:200])
                    time.sleep(1)
            except (requests.exceptions.RequestException, KeyError, ValueError,
                    AssertionError) as e:
                last = repr(e)
                time.sleep(1)
        raise AssertionError("%s did not rejoin and unseal (last: %s)" % (node.name, last))

    def _servers(self):
        """The Raft configuration from the active node, or None (no active node, or an
        error answer during a leader change)."""
        try:
            return self.servers()
        except AssertionError:
            return None

    def is_voter(self, node):
        s = self._servers()
        return s is not None and any(x["node_id"] == node.name and x["voter"] for x in s)

    def gone(self, name):
        s = self._servers()
        return s is not None and all(x["node_id"] != name for x in s)

    def unseal_retry(self, node, timeout=60):
        def go():
            st = node.req("GET", "sys/seal-status", timeout=5).json()
            if not st["sealed"]:
                return True
            node.unseal()
            return False
        wait_until(go, timeout=timeout, interval=0.5, what="%s unsealed" % node.name)

    def restart(self, node):
        if node.alive():
            node.kill()
        node.start()
        self.unseal_retry(node)

    def converge(self, timeout=90):
        """Waits for an active node and every node's applied index equal to its commit."""
        def same():
            act = self.active()
            target = act.req("GET", "sys/leader", timeout=5).json()["raft_committed_index"]
            idx = [n.req("GET", "sys/leader", timeout=5).json()["raft_applied_index"]
                   for n in self.nodes]
            return idx if all(i >= target for i in idx) and len(set(idx)) == 1 else None
        return wait_until(same, timeout=timeout, interval=0.5, what="all nodes applied equal")

    def close(self):
        self.faults.heal()
        for n in self.nodes:
            if n.alive():
                try:
                    n.server.proc.send_signal(signal.SIGCONT)
                except OSError:
                    pass
        try:
            self.stop()
            for p in self.proxies.values():
                p.close()
        finally:
            self.unmount_all()


# ---------------------------------------------------------------- tmpfs

MOUNTS = set()


def mount_tmpfs(path, mb):
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0700" % mb, "tmpfs", path],
                   check=True, capture_output=True, text=True)
    MOUNTS.add(path)


def umount(path):
    if path not in MOUNTS:
        return
    r = subprocess.run(["umount", path], capture_output=True, text=True)
    if r.returncode != 0:  # still busy (a process not yet reaped): detach it anyway
        r = subprocess.run(["umount", "-l", path], capture_output=True, text=True)
    if r.returncode == 0:
        MOUNTS.discard(path)
    else:
        log("could not unmount %s: %s" % (path, r.stderr.strip()))


@atexit.register
def _umount_leftovers():
    for path in list(MOUNTS):
        umount(path)


def can_mount_tmpfs(workdir):
    """Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN); a printed note if not."""
    if os.geteuid() != 0:
        return False, "not root"
    probe = tempfile.mkdtemp(prefix="tmpfs-probe-", dir=workdir)
    try:
        mount_tmpfs(probe, 1)
    except (OSError, subprocess.CalledProcessError) as e:
        return False, (getattr(e, "stderr", "") or repr(e)).strip()
    finally:
        umount(probe)
        try:
            os.rmdir(probe)
        except OSError:
            pass
    return True, ""


def fill_disk(path):
    """Writes path until ENOSPC (big chunks, then small ones for the last bytes); returns
    the bytes written."""
    total = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for chunk in (1 << 20, 1 << 12, 1):
            buf = b"\0" * chunk
            while True:
                try:
                    n = os.write(fd, buf)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
                total += n
                if n < chunk:
                    break
    finally:
        os.close(fd)
    return total


def mount_kv(cluster):
    r = cluster.active().req("POST", "sys/mounts/secret", token=cluster.root_token,
                             json={"type": "kv", "options": {"version": "2"}})
    assert r.status_code == 204, r.text


# ---------------------------------------------------------------- clients

class Client:
    """Performs one KV v2 operation and classifies its outcome."""

    def __init__(self, cluster, timeout=5):
        self.c, self.timeout = cluster, timeout
        self.sessions = {}

    def _req(self, node, method, path, body=None):
        s = self.sessions.setdefault(node.name, requests.Session())
        return s.request(method, node.addr + "/v1/" + path, json=body, verify=False,
                         timeout=(2, self.timeout),
                         headers={"X-Vault-Token": self.c.root_token})

    def run(self, op, node):
        """Fills op["status"], op["out"], op["comp"]."""
        key = op["key"]
        try:
            if op["f"] == "read":
                r = self._req(node, "GET", "secret/data/" + key)
                if r.status_code == 404:
                    op["status"], op["out"] = "ok", [0, None]
                elif r.status_code == 200:
                    d = r.json()["data"]
                    op["status"], op["out"] = "ok", [d["metadata"]["version"], d["data"]["v"]]
                else:
                    op["status"], op["err"] = "fail", "%d %s" % (r.status_code, r.text[:200])
            else:
                op["mismatch"] = False
                body = {"data": {"v": op["value"]}}
                if op["f"] == "cas":
                    body["options"] = {"cas": op["cas"]}
                r = self._req(node, "POST", "secret/data/" + key, body)
                if r.status_code == 200:
                    op["status"], op["out"] = "ok", r.json()["data"]["version"]
                elif r.status_code == 400 and "did not match" in r.text:
                    op["status"], op["mismatch"] = "fail", True
                elif 400 <= r.status_code < 500 and r.status_code != 429:
                    op["status"], op["err"] = "fail", "%d %s" % (r.status_code, r.text[:200])
                else:
                    op["status"], op["err"] = "unknown", "%d %s" % (r.status_code, r.text[:200])
        except requests.exceptions.ConnectionError as e:
            # Refused or not connected before anything was sent: definitely not applied.
            refused = ("refused" in str(e).lower() or "NewConnectionError" in repr(e) or
                       isinstance(e, requests.exceptions.ConnectTimeout))
            op["status"] = "fail" if refused or op["f"] == "read" else "unknown"
            op["err"] = type(e).__name__
        except (requests.exceptions.RequestException, ValueError, KeyError) as e:
            op["status"], op["err"] = ("fail" if op["f"] == "read" else "unknown"), type(e).__name__
        op["comp"] = now()
        return op


class Workload:
    def __init__(self, cluster, keys, clients, seed):
        self.c, self.keys, self.n = cluster, keys, clients
        self.seed = seed
        self.history, self.lock = [], threading.Lock()
        self.stop_ev = threading.Event()
        self.threads = []
        self.counter = 0

    def _record(self, op):
        with self.lock:
            op["id"] = len(self.history)
            self.history.append(op)

    def _worker(self, w):
        rnd = random.Random(self.seed * 1000 + w)
        cl = Client(self.c)
        seen = {}
        i = 0
        while not self.stop_ev.is_set():
            key = rnd.choice(self.keys)
            node = rnd.choice(self.c.nodes)
            x = rnd.random()
            op = {"proc": w, "key": key, "node": node.name, "inv": now()}
            if x < 0.45:
                op["f"] = "read"
            else:
                op["f"] = "cas" if x < 0.7 and key in seen else "write"
                op["value"] = "%d-%d" % (w, i)
                if op["f"] == "cas":
                    op["cas"] = seen[key]
            i += 1
            cl.run(op, node)
            if op["f"] == "read" and op["status"] == "ok":
                seen[key] = op["out"][0]
            self._record(op)
            if op["status"] != "ok":
                time.sleep(0.05)

    def start(self):
        for w in range(self.n):
            t = threading.Thread(target=self._worker, args=(w,), daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(30)


# ---------------------------------------------------------------- nemesis

# The first six in this order: with the others excluded a seed draws the schedule it drew
# before remove-peer and disk-full existed.
FAULT_KINDS = ["kill", "pause", "partition", "partition-oneway", "step-down", "kill-leader",
               "remove-peer", "disk-full"]


def make_schedule(seed, seconds, nodes, kinds=None):
    """A list of faults: {"at", "kind", "target" (node index), "dur", "mode"}; remove-peer
    and disk-full also have "leader" (the active node instead of the target)."""
    kinds = [k for k in FAULT_KINDS if kinds is None or k in kinds]
    rnd = random.Random(seed)
    t, out = 3.0, []
    while t < seconds - 5:
        kind = rnd.choice(kinds)
        f = {"at": round(t, 2), "kind": kind, "target": rnd.randrange(nodes),
             "dur": round(rnd.uniform(1.5, 8.0), 2), "mode": rnd.choice(["drop", "blackhole"])}
        if kind.startswith("partition") and nodes == 5 and rnd.random() < 0.5:
            f["group"] = sorted(rnd.sample(range(nodes), 2))  # a minority of two
        if kind in ("remove-peer", "disk-full"):
            f["leader"] = rnd.random() < 0.4
        out.append(f)
        t += f["dur"] + rnd.uniform(1.0, 4.0)
    return out


class Nemesis:
    def __init__(self, cluster, schedule):
        self.c, self.schedule = cluster, schedule
        self.log, self.injected = [], 0
        self.stop_ev = threading.Event()

    def _note(self, what, **kw):
        e = dict(kw, t=now(), what=what)
        self.log.append(e)
        log("nemesis: %s %s" % (what, json.dumps(kw)))

    def _leader_index(self):
        for i, n in enumerate(self.c.nodes):
            if n.alive() and n.health() == 200:
                return i
        return None

    def apply(self, f):
        nodes = self.c.nodes
        kind, dur = f["kind"], f["dur"]
        tgt = f["target"]
        if kind == "kill-leader":
            li = self._leader_index()
            tgt = li if li is not None else tgt
        node = nodes[tgt]
        self.injected += 1
        if kind in ("kill", "kill-leader"):
            self._note(kind, node=node.name)
            node.kill()
            self.stop_ev.wait(dur)
            self.c.restart(node)
            self._note("restarted", node=node.name)
        elif kind == "pause":
            self._note("pause", node=node.name)
            node.server.proc.send_signal(signal.SIGSTOP)
            self.stop_ev.wait(dur)
            node.server.proc.send_signal(signal.SIGCONT)
            self._note("resume", node=node.name)
        elif kind.startswith("partition"):
            group = [nodes[i].name for i in f.get("group", [tgt])]
            rest = [n.name for n in nodes if n.name not in group]
            pairs = {(a, b) for a in group for b in rest}
            if kind == "partition":
                pairs |= {(b, a) for a, b in pairs}
            self._note(kind, group=group, mode=f["mode"])
            self.c.faults.set(pairs, f["mode"])
            self.stop_ev.wait(dur)
            self.c.faults.heal()
            self._note("heal")
        elif kind == "step-down":
            try:
                r = node.req("PUT", "sys/step-down", token=self.c.root_token, timeout=10)
                self._note("step-down", via=node.name, status=r.status_code)
            except requests.exceptions.RequestException as e:
                self._note("step-down", via=node.name, error=type(e).__name__)
        elif kind == "remove-peer":
            node = self._maybe_leader(f, node)
            self.remove_peer(node, [n for n in nodes if n is not node], dur, f.get("leader"))
        elif kind == "disk-full":
            self.disk_full(self._maybe_leader(f, node), dur, f.get("leader"))

    def _maybe_leader(self, f, node):
        if f.get("leader"):
            li = self._leader_index()
            if li is not None:
                return self.c.nodes[li]
        return node

    def remove_peer(self, node, others, dur, leader):
        """sys/storage/raft/remove-peer through another node, stop, wipe, rejoin, wait
        until autopilot has made it a voter again."""
        c = self.c
        rnd = random.Random(now())
        deadline = time.monotonic() + 60
        while True:
            via = rnd.choice([n for n in others if n.alive()])
            try:
                r = via.req("POST", "sys/storage/raft/remove-peer", token=c.root_token,
                            json={"server_id": node.name}, timeout=15)
                status = r.status_code
            except requests.exceptions.RequestException as e:
                status, r = type(e).__name__, None
            if status in (200, 204):
                break
            if r is not None and "no such server" in r.text:
                break  # an earlier attempt that timed out was applied after all
            if time.monotonic() > deadline:
                raise AssertionError("remove-peer %s refused: %s %s" % (
                    node.name, status, r.text[:200] if r is not None else ""))
            time.sleep(1)
        self._note("remove-peer", node=node.name, via=via.name, leader=bool(leader),
                   status=status)
        node.stop()
        wait_until(lambda: c.gone(node.name), timeout=60, interval=0.5,
                   what="%s gone from the raft configuration" % node.name)
        c.wipe(node)
        self._note("stopped-wiped", node=node.name)
        self.stop_ev.wait(dur)
        c.rejoin(node)
        self._note("rejoined-unsealed", node=node.name)
        wait_until(lambda: c.is_voter(node), timeout=90, interval=0.5,
                   what="%s a voter again" % node.name)
        self._note("voter-again", node=node.name)

    def disk_full(self, node, dur, leader=False):
        """Fills the node's tmpfs until ENOSPC, holds, deletes the filler; restarts the node
        if its process died, its Raft loop stopped (a sticky WAL/FSM error) or it does not
        catch up with the cluster."""
        c = self.c
        disk = c.disks.get(node.name)
        if disk is None:
            self.injected -= 1
            self._note("disk-full-skipped", node=node.name, why="no tmpfs data dirs")
            return
        logf = node.server.log_path
        start = os.path.getsize(logf)
        filler = os.path.join(disk, "filler")
        try:
            n = fill_disk(filler)
            self._note("disk-full", node=node.name, leader=bool(leader), filler_bytes=n)
            self.stop_ev.wait(dur)
        finally:
            os.unlink(filler)  # whatever happened: the final checks need the space
        with open(logf, errors="replace") as fh:
            fh.seek(start)
            new = fh.read()
        errs = [ln.strip()[:300] for ln in new.splitlines()
                if "No space left" in ln or "node stopped" in ln or "ENOSPC" in ln]
        why = None
        if not node.alive():
            why = "process exited (%s)" % node.server.proc.returncode
        elif "node stopped" in new:
            why = "raft loop stopped"
        else:
            def caught_up():
                act = c.active(timeout=10)
                target = act.req("GET", "sys/leader", timeout=5).json()["raft_committed_index"]
                st = node.req("GET", "sys/leader", timeout=5).json()
                return st["raft_applied_index"] >= target
            try:
                wait_until(caught_up, timeout=20, interval=0.5, what="caught up")
            except AssertionError as e:
                why = "not caught up: %s" % e
        self._note("disk-freed", node=node.name, restart=why, errors=len(errs),
                   health=node.health() if node.alive() else None, first_errors=errs[:3])
        if why:
            c.restart(node)
            self._note("restarted", node=node.name)

    def run(self, start):
        for f in self.schedule:
            delay = start + f["at"] - time.monotonic()
            if delay > 0 and self.stop_ev.wait(delay):
                return
            if self.stop_ev.is_set():
                return
            try:
                self.apply(f)
            except Exception as e:  # a failed restart is itself worth recording
                self._note("nemesis-error", fault=f, error=repr(e))


# ---------------------------------------------------------------- final checks

def final_checks(cluster, keys, history):
    """Heals everything, restarts every node, then reads every key through every node.
    Returns a list of anomaly descriptions (node divergence); the reads are appended to
    the history so the linearizability check covers the final values."""
    anomalies = []
    cluster.faults.heal()
    for n in cluster.nodes:
        if n.alive():
            n.server.proc.send_signal(signal.SIGCONT)
    for n in cluster.nodes:
        log("final: restarting %s" % n.name)
        cluster.restart(n)
        cluster.active(timeout=60)
    idx = cluster.converge()
    log("final: raft_applied_index on every node: %s" % idx)
    cl = Client(cluster, timeout=15)
    for key in keys:
        seen = {}
        for n in cluster.nodes:
            op = {"proc": "final", "key": key, "node": n.name, "f": "read", "inv": now()}
            cl.run(op, n)
            op["id"] = len(history)
            history.append(op)
            seen[n.name] = op.get("out") if op["status"] == "ok" else op.get("err")
        if len({json.dumps(v) for v in seen.values()}) != 1:
            anomalies.append({"type": "divergent-nodes", "key": key, "values": seen})
    return anomalies


def stale_reads(history, key):
    """Reads of `key` that returned a version older than one already acknowledged when
    they began: (inv, node, version read, newer acked version, read id), the usual
    shape of a non-linearizable history here, for the report."""
    ops = [o for o in history if o["key"] == key and o["status"] == "ok"]
    acks = sorted((o["comp"], o["out"]) for o in ops if o["f"] != "read")
    out, best, i = [], 0, 0
    for r in sorted((o for o in ops if o["f"] == "read"), key=lambda o: o["inv"]):
        while i < len(acks) and acks[i][0] < r["inv"]:
            best = max(best, acks[i][1])
            i += 1
        if r["out"][0] < best:
            out.append((r["inv"], r["node"], r["out"][0], best, r["id"]))
    return out


def summarize(history, budget):
    anomalies, inconclusive = [], []
    results = checker.check_history(history, budget)
    for key, res in results.items():
        if res["ok"] is False:
            anomalies.append({"type": "not-linearizable", "key": key, "stuck": res.get("stuck"),
                              "linearized_prefix": len(res.get("best", [])),
                              "search": res["search_ok"], "version_order": res["versions_why"],
                              "stale_reads": len(stale_reads(history, key)),
                              "first_stale_reads": stale_reads(history, key)[:5]})
        elif res["ok"] is None:
            inconclusive.append(key)
        log("check %s: %s (%d ops; search: %s after %d steps; version order: %s%s)" % (
            key, res["ok"], res["ops"], res["search_ok"], res["steps"], res["versions_ok"],
            " - " + res["versions_why"] if res["versions_why"] else ""))
    return anomalies, inconclusive


def save(out_dir, name, obj):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name), "w") as f:
        json.dump(obj, f, indent=1, default=str)


def collect_logs(cluster, out_dir):
    """Every process's log of each node (one per start), oldest first, into NAME.log."""
    for n in cluster.nodes:
        try:
            with open(os.path.join(out_dir, n.name + ".log"), "w") as out:
                for name in sorted(f for f in os.listdir(n.dir) if f.startswith("server-")):
                    out.write("==== %s\n" % name)
                    with open(os.path.join(n.dir, name), errors="replace") as f:
                        out.write(f.read())
        except OSError:
            pass


def run_faults(args, workdir):
    seconds = args.seconds if args.seconds else args.minutes * 60
    kinds = select_kinds(args)
    tmpfs = None
    if "disk-full" in kinds:
        ok, why = can_mount_tmpfs(workdir)
        if ok:
            tmpfs = args.tmpfs_mb
        else:
            # Still drawn (a seed plans the same schedule everywhere), skipped when due.
            log("note: cannot mount a tmpfs (%s): disk-full faults are skipped" % why)
    log("fault kinds: %s%s" % (", ".join(kinds),
                               "; data dirs on %d MiB tmpfs" % tmpfs if tmpfs else ""))
    c = FaultCluster(workdir, tmpfs_mb=tmpfs)
    keys = ["k%d" % i for i in range(args.keys)]
    schedule = make_schedule(args.seed, seconds, args.nodes, kinds)
    wl = nem = None
    anomalies, ops, injected, inconclusive = [], 0, 0, []
    try:
        log("forming a %d-node cluster in %s" % (args.nodes, workdir))
        c.form(args.nodes)
        mount_kv(c)
        wl = Workload(c, keys, args.clients, args.seed)
        nem = Nemesis(c, schedule)
        start = time.monotonic()
        wl.start()
        nt = threading.Thread(target=nem.run, args=(start,), daemon=True)
        nt.start()
        time.sleep(max(0, start + seconds - time.monotonic()))
        nem.stop_ev.set()
        nt.join(120)
        time.sleep(2)
        wl.stop()
        anomalies = final_checks(c, keys, wl.history)
        lin, inconclusive = summarize(wl.history, args.budget)
        anomalies += lin
        ops = sum(1 for o in wl.history if o["proc"] != "final")
        counts = {s: sum(1 for o in wl.history if o.get("status") == s) for s in ("ok", "fail", "unknown")}
        log("outcomes: %s; inconclusive keys: %s" % (counts, inconclusive))
        injected = nem.injected
    except Exception as e:
        log("harness error: %r" % e)
        anomalies = [{"type": "harness-error", "error": repr(e)}]
        ops = len(wl.history) if wl else 0
        injected = nem.injected if nem else 0
        inconclusive = []
    finally:
        try:
            if anomalies or args.keep:
                out = args.out or tempfile.mkdtemp(prefix="coffer-faults-")
                save(out, "history.json", wl.history if wl else [])
                save(out, "schedule.json", {"seed": args.seed, "nodes": args.nodes,
                                            "seconds": seconds, "kinds": kinds,
                                            "schedule": schedule,
                                            "nemesis_log": nem.log if nem else []})
                save(out, "anomalies.json", anomalies)
                collect_logs(c, out)
                log("history, schedule and server logs saved in %s" % out)
        finally:
            c.close()  # stops the nodes, unmounts the tmpfs data dirs
    for a in anomalies:
        log("ANOMALY: %s" % json.dumps(a, default=str)[:2000])
    return ops, injected, len(anomalies)


# ---------------------------------------------------------------- crash loop

def crash_loop(args, workdir):
    rnd = random.Random(args.seed)
    c = FaultCluster(workdir)
    keys = ["c%d" % i for i in range(args.keys)]
    acked = {k: [] for k in keys}     # [(version, value)]
    unknown = {k: 0 for k in keys}
    anomalies, ops, injected = [], 0, 0
    lock = threading.Lock()
    try:
        c.form(args.nodes)
        mount_kv(c)
        for it in range(args.crash_loop):
            stop = threading.Event()

            def writer(w):
                nonlocal ops
                cl, r2, i = Client(c, timeout=5), random.Random(args.seed * 7919 + it * 100 + w), 0
                while not stop.is_set():
                    k = r2.choice(keys)
                    op = {"key": k, "f": "write", "value": "%d-%d-%d" % (it, w, i), "inv": now()}
                    i += 1
                    cl.run(op, r2.choice(c.nodes))
                    with lock:
                        ops += 1
                        if op["status"] == "ok":
                            acked[k].append((op["out"], op["value"]))
                        elif op["status"] == "unknown":
                            unknown[k] += 1
                    if op["status"] != "ok":
                        time.sleep(0.05)

            ts = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(args.clients)]
            for t in ts:
                t.start()
            time.sleep(rnd.uniform(0.5, 3.0))
            whole = rnd.random() < 0.25
            victims = list(c.nodes) if whole else [rnd.choice(c.nodes)]
            log("crash %d: kill -9 %s" % (it, ",".join(n.name for n in victims)))
            for n in victims:
                n.kill()
            injected += 1
            time.sleep(rnd.uniform(0.2, 1.5))
            stop.set()
            for t in ts:
                t.join(30)
            for n in victims:
                n.start()
            for n in victims:
                c.unseal_retry(n)
            c.active(timeout=60)
            c.converge()
            anomalies += verify_crash(c, keys, acked, unknown, it)
            log("crash %d: %d acknowledged writes verified, %d anomalies so far" %
                (it, sum(len(v) for v in acked.values()), len(anomalies)))
    except Exception as e:
        log("harness error: %r" % e)
        anomalies.append({"type": "harness-error", "error": repr(e)})
    finally:
        if anomalies or args.keep:
            out = args.out or tempfile.mkdtemp(prefix="coffer-crash-")
            save(out, "crash.json", {"seed": args.seed, "acked": acked, "unknown": unknown,
                                     "anomalies": anomalies})
            collect_logs(c, out)
            log("acknowledged writes and server logs saved in %s" % out)
        c.close()
    for a in anomalies:
        log("ANOMALY: %s" % json.dumps(a, default=str)[:2000])
    return ops, injected, len(anomalies)


def verify_crash(c, keys, acked, unknown, it):
    """Every acknowledged write present (at its version), none applied twice."""
    out = []
    node = c.active()
    for k in keys:
        r = node.req("GET", "secret/metadata/" + k, token=c.root_token, timeout=15)
        if r.status_code == 404:
            if acked[k]:
                out.append({"type": "lost-writes", "iteration": it, "key": k, "acked": len(acked[k])})
            continue
        meta = r.json()["data"]
        cur = meta["current_version"]
        versions = [v for v, _ in acked[k]]
        if len(set(versions)) != len(versions):
            out.append({"type": "duplicate-version-acked", "iteration": it, "key": k})
        if cur < len(acked[k]) or cur > len(acked[k]) + unknown[k]:
            out.append({"type": "version-count", "iteration": it, "key": k, "current_version": cur,
                        "acked": len(acked[k]), "unknown": unknown[k]})
        # The retained versions (max_versions) must hold exactly the acknowledged values.
        keep = set(int(v) for v in meta.get("versions", {}).keys())
        for v, val in acked[k]:
            if v not in keep:
                continue
            g = node.req("GET", "secret/data/%s?version=%d" % (k, v), token=c.root_token, timeout=15)
            got = g.json()["data"]["data"]["v"] if g.status_code == 200 else g.status_code
            if got != val:
                out.append({"type": "lost-write", "iteration": it, "key": k, "version": v,
                            "expected": val, "got": got})
    return out


def select_kinds(args):
    def names(text):
        out = [k.strip() for k in (text or "").split(",") if k.strip()]
        bad = [k for k in out if k not in FAULT_KINDS]
        if bad:
            raise SystemExit("unknown fault kind(s) %s; known: %s" % (bad, ", ".join(FAULT_KINDS)))
        return out
    inc = names(args.faults) or list(FAULT_KINDS)
    exc = names(args.exclude)
    kinds = [k for k in FAULT_KINDS if k in inc and k not in exc]
    if not kinds:
        raise SystemExit("no fault kinds left")
    return kinds


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--nodes", type=int, default=3, choices=[3, 5])
    p.add_argument("--minutes", type=float, default=1)
    p.add_argument("--seconds", type=float)
    p.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    p.add_argument("--clients", type=int, default=6)
    p.add_argument("--keys", type=int, default=5)
    p.add_argument("--budget", type=int, default=300_000)
    p.add_argument("--crash-loop", type=int, default=0)
    p.add_argument("--out")
    p.add_argument("--keep", action="store_true", help="save history even when clean")
    p.add_argument("--faults", help="comma-separated fault kinds to draw from (default all: %s)"
                   % ",".join(FAULT_KINDS))
    p.add_argument("--exclude", help="comma-separated fault kinds not to draw")
    p.add_argument("--tmpfs-mb", type=int, default=128,
                   help="size of each node's tmpfs data dir (for disk-full)")
    args = p.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop the nodes and unmount.
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    log("seed %d; t=0 is %s UTC (server logs use UTC)" % (
        args.seed, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - now()))))
    with tempfile.TemporaryDirectory(prefix="coffer-faults-work-") as wd:
        if args.crash_loop:
            ops, injected, anomalies = crash_loop(args, wd)
        else:
            ops, injected, anomalies = run_faults(args, wd)
    print("faults: %d operations, %d faults injected, %d anomalies" % (ops, injected, anomalies),
          flush=True)
    return 1 if anomalies else 0


if __name__ == "__main__":
    sys.exit(main())
