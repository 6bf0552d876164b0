"""Where the suite's time goes: reads the file written by ``GRANTS_TEST_DURATIONS=<file> pytest ...``
(one JSON line per test, see tests/conftest.py) and prints the seconds by directory, file and
database, the longest tests (with the worker and when they started), and each worker's busy time.

    GRANTS_TEST_DURATIONS=build/durations.jsonl make test
    .venv/bin/python scripts/test_durations.py build/durations.jsonl
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


if __name__ == "__main__":
    main(sys.argv[1])
