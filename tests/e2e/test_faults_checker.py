"""The fault harness's linearizability checker on hand-made histories: it accepts
linearizable ones and catches a stale read, a lost acknowledged write, an impossible
check-and-set and a write applied twice."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "faults"))

import checker  # noqa: E402


def W(i, inv, comp, value, version, status="ok"):
    return {"id": i, "key": "k", "f": "write", "inv": inv, "comp": comp, "status": status,
            "value": value, "out": version if status == "ok" else None}


def R(i, inv, comp, version, value):
    return {"id": i, "key": "k", "f": "read", "inv": inv, "comp": comp, "status": "ok",
            "out": [version, value]}


def C(i, inv, comp, expected, value, status="ok", version=None):
    return {"id": i, "key": "k", "f": "cas", "inv": inv, "comp": comp, "status": status,
            "cas": expected, "value": value, "out": version}


def ok(history):
    """The verdict, after checking that the search and the version check agree."""
    search = checker.search_key(history)["ok"]
    versions, _ = checker.check_versions(history)
    assert search == versions, (search, versions)
    return checker.check_key(history)["ok"]


def test_sequential_history_passes():
    assert ok([R(0, 0, 1, 0, None), W(1, 2, 3, "a", 1), R(2, 4, 5, 1, "a"),
               C(3, 6, 7, 1, "b", version=2), C(4, 8, 9, 1, "c", status="fail"),
               R(5, 10, 11, 2, "b")]) is True


def test_concurrent_reads_may_see_either_side_of_a_write():
    assert ok([W(0, 0, 10, "a", 1), R(1, 1, 2, 0, None), R(2, 3, 4, 1, "a"),
               R(3, 5, 6, 1, "a")]) is True
    # Concurrent writes linearize in either order: the versions they report decide it.
    assert ok([W(0, 0, 10, "a", 2), W(1, 1, 9, "b", 1), R(2, 11, 12, 2, "a")]) is True


def test_stale_read_is_caught():
    # "a" acknowledged at t=3; a read starting after that still sees the empty key.
    assert ok([W(0, 0, 3, "a", 1), R(1, 4, 5, 0, None)]) is False
    # A read returning an older value after a newer one was observed.
    assert ok([W(0, 0, 1, "a", 1), W(1, 2, 3, "b", 2), R(2, 4, 5, 2, "b"),
               R(3, 6, 7, 1, "a")]) is False


def test_lost_acknowledged_write_is_caught():
    # The final read shows the value before an acknowledged write.
    assert ok([W(0, 0, 1, "a", 1), W(1, 2, 3, "b", 2), R(2, 10, 11, 1, "a")]) is False


def test_impossible_cas_is_caught():
    # Two CAS on version 1 both succeed.
    assert ok([W(0, 0, 1, "a", 1), C(1, 2, 5, 1, "b", version=2),
               C(2, 3, 6, 1, "c", version=2)]) is False
    # A CAS that succeeded against version 0 after version 1 was acknowledged.
    assert ok([W(0, 0, 1, "a", 1), C(1, 2, 3, 0, "b", version=2)]) is False
    # A CAS reported as mismatched although nothing else could have changed the version.
    assert ok([W(0, 0, 1, "a", 1), C(1, 2, 3, 1, "b", status="fail")]) is False


def test_failed_cas_may_see_a_version_nobody_observed():
    # Version 2 is only the gap an unknown write fills (no op reports or reads it); a CAS
    # on version 1 concurrent with that write may fail (scripts/faults --nodes 5 --seed 14).
    hist = [W(0, 0, 1, "a", 1), R(1, 1.5, 2, 1, "a"), W(2, 2.1, 9, "x", None, status="unknown"),
            C(3, 2.2, 3, 1, "b", status="fail"), W(4, 3.5, 4, "c", 3)]
    assert ok(hist) is True
    # Not when the unknown write began only after the CAS had failed.
    hist[2] = W(2, 3.2, 9, "x", None, status="unknown")
    assert ok(hist) is False
    # Nor when the only unknown write is a CAS that could not have created version 2.
    hist[2] = C(2, 2.1, 9, 0, "x", status="unknown")
    assert ok(hist) is False


def test_unknown_writes_may_or_may_not_apply():
    # Applied: a later read sees it.
    assert ok([W(0, 0, None, "a", None, status="unknown"), R(1, 5, 6, 1, "a")]) is True
    # Not applied: a later read sees nothing.
    assert ok([W(0, 0, None, "a", None, status="unknown"), R(1, 5, 6, 0, None)]) is True
    # But never before it was invoked.
    assert ok([R(1, 0, 1, 1, "a"), W(0, 2, None, "a", None, status="unknown")]) is False


def test_write_applied_twice_is_caught():
    # One acknowledged write, no other writer, yet version 2 holds its value.
    assert ok([W(0, 0, 1, "a", 1), R(1, 2, 3, 2, "a")]) is False


def test_history_grouped_by_key():
    h = [W(0, 0, 1, "a", 1), dict(R(1, 2, 3, 0, None), key="other")]
    res = checker.check_history(h)
    assert res["k"]["ok"] is True and res["other"]["ok"] is True
    h.append(dict(R(2, 4, 5, 0, None)))
    assert checker.check_history(h)["k"]["ok"] is False


class _Resp:
    def __init__(self, code, body):
        self.status_code, self._body = code, body

    def json(self):
        return self._body


class _Node:
    """Key k holds versions 1..3 with values a, b, b."""

    def req(self, method, path, **kw):
        if path.startswith("secret/metadata/"):
            return _Resp(200, {"data": {"current_version": 3,
                                        "versions": {"1": {}, "2": {}, "3": {}}}})
        v = int(path.split("version=")[1])
        return _Resp(200, {"data": {"data": {"v": {1: "a", 2: "b", 3: "b"}[v]}}})


class _Cluster:
    root_token = "t"

    def active(self):
        return _Node()


def test_crash_loop_check_catches_duplicates_and_lost_writes():
    import harness
    c = _Cluster()
    # Two acknowledged writes, no unknown ones, three versions: one applied twice.
    assert [a["type"] for a in harness.verify_crash(c, ["k"], {"k": [(1, "a"), (2, "b")]},
                                                    {"k": 0}, 0)] == ["version-count"]
    # Version 2 acknowledged with "x" but holds "b": lost.
    assert [a["type"] for a in harness.verify_crash(
        c, ["k"], {"k": [(1, "a"), (2, "x"), (3, "b")]}, {"k": 0}, 0)] == ["lost-write"]
    # One unknown write explains the third version.
    assert harness.verify_crash(c, ["k"], {"k": [(1, "a"), (2, "b")]}, {"k": 1}, 0) == []
