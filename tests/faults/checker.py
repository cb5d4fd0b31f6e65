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
- fail write: a definite error, never applied -> left out. fail cas (mismatch): an
  observation that the version differed from "cas" at some instant in its interval.
- unknown write/cas: may take effect at any instant after its invocation, or never
  (its completion is +infinity and it need not be linearized).
- fail/unknown reads observe nothing and are left out.
A write applied twice (e.g. a retried proposal) shows as a version gap, which no
linearization explains.
"""

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
    return True  # cas: ok, fail (mismatch observed) and unknown all constrain


class _Entry:
    __slots__ = ("op", "call", "match", "prev", "next", "idx")

    def __init__(self, op, call, idx):
        self.op, self.call, self.idx = op, call, idx
        self.match = self.prev = self.next = None


def check_key(ops, budget=2_000_000):
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


def check_history(history, budget=2_000_000):
    """Groups by key and checks each. Returns {key: result}."""
    by_key = {}
    for op in history:
        by_key.setdefault(op["key"], []).append(op)
    return {k: check_key(v, budget) for k, v in sorted(by_key.items())}
