"""Linearizability checker for KV v2 register histories (Wing & Gong / Lowe, as in
Knossos and Porcupine): a depth-first search over linearization points, memoised on
(set of linearized operations, model state), with a step budget.

Model: one key is a register whose state is (version, value); (0, None) before the
first write. Operations (dicts):
  {"id", "key", "f": "read"|"write"|"cas", "inv": t0, "comp": t1 or None,
   "status": "ok"|"fail"|"unknown", "value": written value, "cas": expected version,
   "out": read -> [version, value]; write/cas ok -> version it created}
- ok read returns the state; ok write/cas creates version+1 (and must report it);
  a cas succeeds only when the current version equals "cas".
- fail cas with "mismatch" (default true): the 400 "did not match" observation; a cas
  that failed otherwise ("mismatch": false, e.g. connection refused) is left out.
- fail write: a definite error, never applied -> left out. fail cas (mismatch): an
  observation that the version differed from "cas" at some instant in its interval.
- unknown write/cas: may take effect at any instant after its invocation, or never
  (its completion is +infinity and it need not be linearized).
- fail/unknown reads observe nothing and are left out.
A write applied twice (e.g. a retried proposal) shows as a version gap, which no
linearization explains.
"""

import bisect

INF = float("inf")


def step(state, op):
    """Returns the new state if `op` may take effect in `state`, else None."""
    version, value = state
    f, status = op["f"], op["status"]
    if f == "read":
        out = op["out"]
        return state if (out[0], out[1]) == (version, value) else None
    if f == "cas":
        if status == "fail":
            return state if version != op["cas"] else None
        if version != op["cas"]:
            return None
    # write, or cas that matched
    if status == "ok" and op.get("out") is not None and op["out"] != version + 1:
        return None
    return (version + 1, op["value"])


def relevant(op):
    if op["f"] == "read":
        return op["status"] == "ok"
    if op["f"] == "write":
        return op["status"] in ("ok", "unknown")
    if op["status"] == "fail":
        return op.get("mismatch", True)  # a mismatch is an observation; other errors are not
    return True  # cas: ok and unknown constrain


class _Entry:
    __slots__ = ("op", "call", "match", "prev", "next", "idx")

    def __init__(self, op, call, idx):
        self.op, self.call, self.idx = op, call, idx
        self.match = self.prev = self.next = None


def check_key(ops, budget=2_000_000):
    """Both checks; the search settles it when it finishes, the version check when the
    search runs out of budget; any disagreement is reported as a failure to examine."""
    # The memo holds one bitset of len(ops) bits per state: keep it under ~200 MB.
    budget = min(budget, max(10_000, int(1.6e9 // max(len(ops), 1))))
    res = search_key(ops, budget)
    vok, why = check_versions(ops)
    res["versions_ok"], res["versions_why"] = vok, why
    res["search_ok"] = res["ok"]
    if res["ok"] is None:
        res["ok"] = vok
    elif res["ok"] != vok:
        res["ok"] = False
        res["disagreement"] = True
    return res


def search_key(ops, budget=2_000_000):
    """Checks one key's history. Returns {"ok": True|False|None (budget exhausted),
    "steps", "ops", "stuck": op that could not be linearized (on failure),
    "best": longest linearized prefix (ids)}."""
    ops = [o for o in ops if relevant(o)]
    events = []
    for i, o in enumerate(ops):
        comp = o["comp"] if o["status"] != "unknown" and o["comp"] is not None else INF
        if o["status"] == "unknown":
            comp = INF
        c, r = _Entry(o, True, i), _Entry(o, False, i)
        c.match = r
        # Calls sort before returns at equal times (overlapping ops are concurrent).
        events.append(((o["inv"], 0, i), c))
        events.append(((comp, 1, i), r))
    events.sort(key=lambda e: e[0])
    head = _Entry(None, False, -1)
    prev = head
    for _, e in events:
        prev.next, e.prev = e, prev
        prev = e

    def lift(e):
        e.prev.next = e.next
        if e.next:
            e.next.prev = e.prev
        m = e.match
        m.prev.next = m.next
        if m.next:
            m.next.prev = m.prev

    def unlift(e):
        m = e.match
        m.prev.next = m
        if m.next:
            m.next.prev = m
        e.prev.next = e
        if e.next:
            e.next.prev = e

    state, lin, steps = (0, None), 0, 0
    stack, cache = [], set()
    best, stuck, stuck_depth = [], None, -1
    entry = head.next
    while head.next is not None:
        steps += 1
        if steps > budget:
            return {"ok": None, "steps": steps, "ops": len(ops), "best": best}
        if entry.call:
            ns = step(state, entry.op)
            if ns is not None:
                nlin = lin | (1 << entry.idx)
                if (nlin, ns) not in cache:
                    cache.add((nlin, ns))
                    stack.append((entry, state))
                    state, lin = ns, nlin
                    lift(entry)
                    if len(stack) > len(best):
                        best = [e.op["id"] for e, _ in stack]
                    entry = head.next
                    continue
            entry = entry.next
        else:
            if entry.op["status"] == "unknown":
                break  # only never-completed ops remain: each may never have happened
            if len(stack) >= stuck_depth:
                stuck, stuck_depth = entry.op, len(stack)
            if not stack:
                return {"ok": False, "steps": steps, "ops": len(ops), "stuck": stuck,
                        "best": best}
            top, state = stack.pop()
            lin &= ~(1 << top.idx)
            unlift(top)
            entry = top.next
    return {"ok": True, "steps": steps, "ops": len(ops)}


def check_versions(ops):
    """An exact, O(n log n) decision for the same model, using what KV v2 tells us: each
    applied write creates one version, ok writes report it, reads return it, and values
    are unique. Then a linearization exists iff
      - every version has one value and every value one version (nothing applied twice),
      - nothing observed was never written, or written by a write that failed,
      - ordering ops by key (version, write before reads) never inverts real time:
        no X completed before Y was invoked with key(Y) < key(X),
      - each failed CAS saw some version other than its expected one in its interval
        (possibly one only an unobserved unknown write begun before it ended created),
      - every version gap is filled by a distinct unknown write invoked early enough.
    Returns (True, None) or (False, explanation)."""
    ops = [o for o in ops if relevant(o)]
    by_value = {o["value"]: o for o in ops if o["f"] != "read"}
    value_of = {0: None}   # version -> value
    version_of = {}        # value -> version
    keyed = []             # (key, op) of ops with a known position

    def bind(v, val, why):
        if value_of.setdefault(v, val) != val:
            return "version %d holds both %r and %r (%s)" % (v, value_of[v], val, why)
        if val is not None and version_of.setdefault(val, v) != v:
            return "value %r is at versions %d and %d: applied twice (%s)" % (
                val, version_of[val], v, why)
        return None

    for o in ops:
        if o["f"] != "read" and o["status"] == "ok":
            if o["f"] == "cas" and o["out"] != o["cas"] + 1:
                return False, "cas %s on version %s created version %s" % (o["id"], o["cas"], o["out"])
            err = bind(o["out"], o["value"], "ack of op %s" % o["id"])
            if err:
                return False, err
    for o in ops:
        if o["f"] == "read":
            v, val = o["out"]
            if val is not None and val not in by_value:
                return False, "read %s saw %r, which no applied write wrote" % (o["id"], val)
            err = bind(v, val, "read %s" % o["id"])
            if err:
                return False, err
            keyed.append(((v, 1), o))
    for o in ops:
        if o["f"] != "read" and o["status"] != "fail" and o["value"] in version_of:
            v = version_of[o["value"]]
            if o["f"] == "cas" and o["cas"] != v - 1:
                return False, "cas %s expected version %s but was applied as %d" % (o["id"], o["cas"], v)
            keyed.append(((v, 0), o))
    comp = lambda o: INF if o["status"] == "unknown" or o["comp"] is None else o["comp"]
    # Real-time order against key order.
    by_comp = sorted(keyed, key=lambda ko: comp(ko[1]))
    by_inv = sorted(keyed, key=lambda ko: ko[1]["inv"])
    i, best = 0, None
    for k, y in by_inv:
        while i < len(by_comp) and comp(by_comp[i][1]) < y["inv"]:
            if best is None or by_comp[i][0] > best[0]:
                best = by_comp[i]
            i += 1
        if best is not None and best[0] > k:
            return False, "op %s (version %d) completed before op %s (version %d) began" % (
                best[1]["id"], best[0][0], y["id"], k[0])
    # Failed CAS: some version other than the expected one was current in its interval.
    existing = sorted(value_of)
    comps = sorted((comp(x), k[0]) for k, x in keyed)
    prefix_max, m = [], 0
    for _, v in comps:
        m = max(m, v)
        prefix_max.append(m)
    invs = sorted((x["inv"], k[0] - (1 if k[1] == 0 else 0)) for k, x in keyed)
    suffix_min, m = [0] * len(invs), INF
    for n in range(len(invs) - 1, -1, -1):
        m = min(m, invs[n][1])
        suffix_min[n] = m
    inv_times = [t for t, _ in invs]
    comp_times = [t for t, _ in comps]
    top = max(value_of)
    # Unknown writes nobody observed: they may fill a version gap (or add top + 1) that
    # no op reports, and that version may be what a failed CAS saw.
    fillers = sorted((o for o in ops if o["f"] != "read" and o["status"] == "unknown"
                      and o["value"] not in version_of), key=lambda o: o["inv"])
    for o in ops:
        if o["f"] != "cas" or o["status"] != "fail":  # (relevant(): mismatches only)
            continue
        n = bisect.bisect_left(comp_times, o["inv"])
        lo = prefix_max[n - 1] if n else 0
        n = bisect.bisect_right(inv_times, o["comp"])
        hi = suffix_min[n] if n < len(invs) else INF
        a = bisect.bisect_left(existing, lo)
        if any(u != o["cas"] for u in existing[a:a + 2] if u <= hi):
            continue
        # lo is an observed version, so the only other candidate is lo + 1 when lo is the
        # expected one: unobserved, it needs an unknown write begun before the CAS ended
        # that could have created it. (Checked per CAS, not jointly with the gap filling
        # below: this may accept a history whose fillers cannot serve both.)
        u = lo + 1
        if (u not in value_of and u <= hi and u <= top + 1 and
                any(f["inv"] <= o["comp"] and (f["f"] == "write" or f["cas"] == u - 1)
                    for f in fillers)):
            continue
        return False, "cas %s failed although version %s was the only one current" % (
            o["id"], o["cas"])
    # Gaps in the version sequence need unobserved unknown writes, invoked before any op
    # at or past the gap completed.
    first_comp = {}
    for k, x in keyed:
        first_comp[k[0]] = min(first_comp.get(k[0], INF), comp(x))
    deadline, j = {}, INF
    for g in range(top, 0, -1):
        j = min(j, first_comp.get(g, INF))
        deadline[g] = j
    used = set()
    for g in range(1, top + 1):
        if g in value_of:
            continue
        pick = next((f for f in fillers if id(f) not in used and f["inv"] <= deadline[g]
                     and (f["f"] == "write" or f["cas"] == g - 1)), None)
        if pick is None:
            return False, "version %d was created but no write could have created it" % g
        used.add(id(pick))
    return True, None


def check_history(history, budget=2_000_000):
    """Groups by key and checks each. Returns {key: result}."""
    by_key = {}
    for op in history:
        by_key.setdefault(op["key"], []).append(op)
    return {k: check_key(v, budget) for k, v in sorted(by_key.items())}
