"""A fault-injecting TCP proxy on loopback, one in front of each node's cluster port.

Each node advertises its proxy's port as cluster_addr, so every Raft RPC and every
forwarded request between nodes passes through the proxy of the destination node.
The proxy learns which node opened a connection from /proc (the connecting socket's
inode, found among the node processes' fds), so a partition is a set of blocked
(source node, destination node) pairs, symmetric or not.
Blocked traffic is either dropped (connections closed, new ones refused) or
blackholed (accepted, bytes silently discarded: the peer sees timeouts).
"""

import os
import socket
import threading


def _socket_inode(src_port, dst_port):
    """The inode of the loopback socket 127.0.0.1:src_port -> 127.0.0.1:dst_port."""
    want_local, want_rem = "%04X" % src_port, "%04X" % dst_port
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    p = line.split()
                    if p[1].endswith(":" + want_local) and p[2].endswith(":" + want_rem):
                        return p[9]
        except OSError:
            pass
    return None


def _owner(inode, pids):
    target = "socket:[%s]" % inode
    for name, pid in pids.items():
        d = "/proc/%d/fd" % pid
        try:
            for fd in os.listdir(d):
                try:
                    if os.readlink(os.path.join(d, fd)) == target:
                        return name
                except OSError:
                    pass
        except OSError:
            pass
    return None


class Faults:
    """Shared partition state for all proxies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.blocked = set()  # (src, dst) node names
        self.mode = "drop"
        self.pids = lambda: {}  # name -> pid of live nodes

    def set(self, pairs, mode="drop"):
        with self.lock:
            self.blocked, self.mode = set(pairs), mode

    def heal(self):
        self.set(set())

    def check(self, src, dst):
        """None if traffic flows, else "drop" or "blackhole"."""
        with self.lock:
            if (src, dst) in self.blocked or (src is None and any(d == dst for _, d in self.blocked)):
                return self.mode
            return None


class Proxy:
    def __init__(self, faults, name, listen_port, target_port):
        self.faults, self.name = faults, name
        self.listen_port, self.target_port = listen_port, target_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", listen_port))
        self.sock.listen(128)
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.closed = True
        self.sock.close()

    def _accept(self):
        while not self.closed:
            try:
                c, addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c, addr), daemon=True).start()

    def _serve(self, c, addr):
        inode = _socket_inode(addr[1], self.listen_port)
        src = _owner(inode, self.faults.pids()) if inode else None
        if self.faults.check(src, self.name) == "drop":
            c.close()
            return
        try:
            u = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            u.settimeout(None)
        except OSError:
            c.close()
            return
        threading.Thread(target=self._pump, args=(c, u, src, self.name), daemon=True).start()
        self._pump(u, c, self.name, src)

    def _pump(self, a, b, src, dst):
        """Copies a -> b while the (src, dst) link is up (bytes flow both ways on one link)."""
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                mode = self.faults.check(src, dst) or self.faults.check(dst, src)
                if mode == "drop":
                    break
                if mode == "blackhole":
                    continue
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
