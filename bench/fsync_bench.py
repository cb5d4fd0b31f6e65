#!/usr/bin/python3
"""The disk's own fdatasync rate: write 4 KiB and fdatasync in a loop for N seconds, one
thread, in the given directory (the one the benchmarked servers keep their data in).

Two modes, because file systems charge them differently:
  append    every write extends the file, so fdatasync also commits the new size (a
            journal transaction) -- what Coffer's Raft WAL does (segments grow by append);
  overwrite the file is preallocated and zero-filled first, so fdatasync flushes data
            only -- what etcd's WAL does (it preallocates 64 MiB segments).

Prints one machine-readable line per mode:
  RESULT mode=append fsyncs_per_s=... p50_ms=... p99_ms=... n=...
Usage: bench/fsync_bench.py DIR [--secs 10] [--mode append|overwrite|both]
"""

import argparse
import os
import statistics
import sys
import time

BLOCK = 4096
PREALLOC = 64 << 20


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values))) - 1))
    return sorted_values[i]


def measure(directory, secs, mode):
    path = os.path.join(directory, "fsync-bench-%s.dat" % mode)
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    try:
        if mode == "overwrite":
            zero = b"\0" * (1 << 20)
            for _ in range(PREALLOC // len(zero)):
                os.write(fd, zero)
            os.fsync(fd)
        buf = os.urandom(BLOCK)
        latencies = []
        offset = 0
        start = time.monotonic()
        deadline = start + secs
        now = start
        while now < deadline:
            if mode == "overwrite" and offset + BLOCK > PREALLOC:
                offset = 0
            os.pwrite(fd, buf, offset)
            os.fdatasync(fd)
            offset += BLOCK
            after = time.monotonic()
            latencies.append(after - now)
            now = after
        elapsed = now - start
    finally:
        os.close(fd)
        os.unlink(path)
    latencies.sort()
    return {
        "mode": mode,
        "fsyncs_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "n": len(latencies),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--secs", type=float, default=10)
    ap.add_argument("--mode", choices=("append", "overwrite", "both"), default="both")
    args = ap.parse_args()
    modes = ("append", "overwrite") if args.mode == "both" else (args.mode,)
    for mode in modes:
        r = measure(args.dir, args.secs, mode)
        print("RESULT mode=%s fsyncs_per_s=%.0f p50_ms=%.3f p99_ms=%.3f n=%d" %
              (r["mode"], r["fsyncs_per_s"], r["p50_ms"], r["p99_ms"], r["n"]))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
