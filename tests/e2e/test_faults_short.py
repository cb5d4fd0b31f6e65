"""The short form of the fault harness: 60 s of clients against a 3-node TLS Raft cluster
under a fixed seeded schedule (kills, pauses, partitions, step-downs, peer removals), then
the linearizability and convergence checks: 0 anomalies (tests/faults/README.md). Longer
runs: scripts/faults."""

import os
import subprocess
import sys

HARNESS = os.path.join(os.path.dirname(__file__), "..", "faults", "harness.py")


def test_faults_short_run_has_no_anomalies(tmp_path):
    r = subprocess.run([sys.executable, HARNESS, "--nodes", "3", "--seconds", "60",
                        "--seed", "7", "--out", str(tmp_path / "run")],
                       capture_output=True, text=True, timeout=600)
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    assert last.startswith("faults: "), r.stdout[-3000:] + r.stderr[-3000:]
    ops, injected, anomalies = (int(w) for w in
                                last.replace(",", "").split() if w.isdigit())
    print(last)
    assert anomalies == 0 and r.returncode == 0, r.stdout[-6000:]
    assert ops > 200, "too few operations to mean anything: " + last
    assert injected >= 5, "too few faults to mean anything: " + last
