"""Where the suite's time goes: reads the file written by ``GRANTS_TEST_DURATIONS=<file> pytest ...``
(one JSON line per test, see tests/conftest.py) and prints the seconds by directory, file and
database, the longest tests (with the worker and when they started), and each worker's busy time.

    GRANTS_TEST_DURATIONS=build/durations.jsonl make test
    .venv/bin/python scripts/test_durations.py build/durations.jsonl

With a second argument, the test ids in collection order (``pytest --collect-only -q --db
sqlite,postgresql > ids.txt``), it also replays xdist's ``--dist load`` on two workers with these
durations: what each worker's busy time would be with xdist's default first blocks and with
``--maxschedchunk 1`` (the replay gave the measured 983 s / 770 s of the run that showed the
problem).
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict


def seconds(row: dict) -> float:
    return row.get("setup", 0) + row.get("call", 0) + row.get("teardown", 0)


def database(row: dict) -> str:
    node = row["nodeid"]
    return "postgresql" if "postgresql" in node else "sqlite" if "sqlite" in node else "none"


def main(path: str, top: int = 30) -> None:
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    total = sum(map(seconds, rows))
    cpu = sum(r.get("cpu") or 0 for r in rows)
    t0 = min(r["start"] for r in rows)
    print(f"{len(rows)} tests, {total:.0f} test-seconds ({cpu:.0f} CPU seconds in the test processes), "
          f"first start to last stop {max(r['stop'] for r in rows) - t0:.0f} s, "
          f"{sum(1 for r in rows if r.get('failed'))} failed")
    groups = {
        "directory": lambda r: r["nodeid"].split("/")[1] if "/" in r["nodeid"] else "?",
        "file": lambda r: r["nodeid"].split("::")[0],
        "database": database,
    }
    for name, key in groups.items():
        spent, cpus, count = Counter(), Counter(), Counter()
        for r in rows:
            spent[key(r)] += seconds(r)
            cpus[key(r)] += r.get("cpu") or 0
            count[key(r)] += 1
        print(f"--- by {name}: seconds, share, CPU seconds, tests")
        for k, v in spent.most_common(25):
            print(f"{v:8.0f} {100 * v / total:5.1f}% {cpus[k]:7.0f} {count[k]:5d}  {k}")
    print("--- longest tests: seconds (setup/call/teardown), CPU, worker, started/ended after the first start")
    for r in sorted(rows, key=seconds, reverse=True)[:top]:
        print(f"{seconds(r):7.1f} ({r.get('setup', 0):.1f}/{r.get('call', 0):.1f}/{r.get('teardown', 0):.1f}) "
              f"{r.get('cpu') or 0:6.1f} {r['worker']} +{r['start'] - t0:.0f}..+{r['stop'] - t0:.0f}  {r['nodeid']}")
    print("--- workers: busy seconds, last stop")
    by_worker: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_worker[r["worker"]].append(r)
    for worker, mine in sorted(by_worker.items()):
        print(f"{worker}: {sum(map(seconds, mine)):.0f} s busy, last stop +{max(r['stop'] for r in mine) - t0:.0f} s")


def replay(durations: list[float], chunk: int, workers: int = 2) -> list[float]:
    """xdist's LoadScheduling (3.8): a first block per worker, then refills after each test."""
    pending = list(range(len(durations)))
    queues: list[list[int]] = [[] for _ in range(workers)]
    busy = [0.0] * workers
    first = max(min(len(durations) // workers // 4, chunk), 2)
    for queue in queues:
        queue += pending[:first]
        del pending[:first]
    while any(queues):
        k = min((w for w in range(workers) if queues[w]), key=lambda w: busy[w])
        last = durations[queues[k].pop(0)]
        busy[k] += last
        if pending:
            low = max(2, len(pending) // workers // 4)
            high = max(2, len(pending) // workers // 2)
            if len(queues[k]) < low and not (last >= 0.1 and len(queues[k]) >= 2):
                n = min(high - len(queues[k]), max(2 - len(queues[k]), chunk))
                queues[k] += pending[:n]
                del pending[:n]
    return busy


def main_replay(path: str, ids_path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        spent = {row["nodeid"]: seconds(row) for row in map(json.loads, filter(str.strip, fh))}
    with open(ids_path, encoding="utf-8") as fh:
        ids = [line.strip() for line in fh if "::" in line]
    missing = [i for i in ids if i not in spent]
    durations = [spent.get(i, 0.0) for i in ids]
    print(f"--- replay of --dist load on 2 workers ({len(ids)} tests, {len(missing)} without a duration)")
    for label, chunk in (("xdist default", len(ids)), ("--maxschedchunk 1", 1)):
        print(f"{label}: " + " / ".join(f"{b:.0f} s" for b in replay(durations, chunk)))


if __name__ == "__main__":
    main(sys.argv[1])
    if len(sys.argv) > 2:
        main_replay(sys.argv[1], sys.argv[2])
