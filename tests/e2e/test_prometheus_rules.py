"""deploy/prometheus/ holds a valid Prometheus configuration and alert rules whose unit
tests pass, checked with Debian's promtool (installed by scripts/setup)."""

import os
import re
import shutil
import subprocess

DEPLOY = os.path.normpath(
    os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "prometheus"))
REPO = os.path.normpath(os.path.join(DEPLOY, "..", ".."))

# Files prometheus.yml names that exist only on a Prometheus host.
HOST_FILES = ("/etc/prometheus/coffer/ca.pem", "/etc/prometheus/coffer/metrics-token")


def promtool(*args, cwd=REPO):
    r = subprocess.run(["promtool", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def read(name):
    with open(os.path.join(DEPLOY, name)) as f:
        return f.read()


def test_scrape_config_is_valid(workdir):
    # promtool checks that the CA and token files exist: a copy names stand-ins for them.
    config = read("prometheus.yml")
    for path in HOST_FILES:
        assert path in config, path
        stand_in = os.path.join(workdir, os.path.basename(path))
        open(stand_in, "w").close()
        config = config.replace(path, stand_in)
    with open(os.path.join(workdir, "prometheus.yml"), "w") as f:
        f.write(config)
    shutil.copy(os.path.join(DEPLOY, "alerts.yml"), workdir)
    code, out = promtool("check", "config", os.path.join(workdir, "prometheus.yml"))
    assert code == 0, out
    assert "is valid prometheus config file syntax" in out, out
    assert "SUCCESS: 1 rule files found" in out, out


def test_scrape_config_scrapes_coffer_as_vault():
    config = read("prometheus.yml")
    for line in ("scheme: https", "metrics_path: /v1/sys/metrics", "format: [prometheus]",
                 "ca_file: /etc/prometheus/coffer/ca.pem", "- alerts.yml"):
        assert line in config, line
    targets = re.findall(r"^\s+- (coffer-\d\.example\.internal:8200)$", config, re.M)
    assert 3 <= len(targets) <= 5, targets


def test_alert_rules_are_valid():
    code, out = promtool("check", "rules", "deploy/prometheus/alerts.yml")
    assert code == 0, out
    assert "SUCCESS" in out, out


def test_alert_rules_unit_tests_pass():
    code, out = promtool("test", "rules", "deploy/prometheus/alerts_test.yml")
    assert code == 0, out
    assert "SUCCESS" in out, out


def alerts():
    """(name, text of its rule) for each alert in alerts.yml."""
    chunks = re.split(r"^\s+- alert: ", read("alerts.yml"), flags=re.M)[1:]
    return [(c.split("\n", 1)[0].strip(), c) for c in chunks]


def test_every_alert_is_complete_and_fires_in_a_test():
    tests = re.split(r"^\s+- eval_time: ", read("alerts_test.yml"), flags=re.M)[1:]
    names = [name for name, _ in alerts()]
    assert len(names) == len(set(names)), names
    for name, rule in alerts():
        assert re.search(r"^\s+for: \d+[smh]$", rule, re.M), name
        assert re.search(r"^\s+severity: (warning|critical)$", rule, re.M), name
        assert re.search(r"^\s+summary: ", rule, re.M), name
        assert re.search(r"^\s+description: ", rule, re.M), name
        fired = [t for t in tests if re.search(r"alertname: %s\n" % name, t) and "exp_labels" in t]
        assert fired, "no test where %s fires" % name
    assert any("exp_alerts: []" in t for t in tests)  # and cases where alerts must not fire
