"""How fast is this host right now?  A fixed workload, so benchmark figures from different days compare.

    .venv/bin/python benchmarks/host_speed.py

The targets of ``bench_*.py`` are partly absolute (aggregation <= 1 s, the solver <= 5 s), and the VMs
these run on differ from day to day by more than their load average shows: other tenants share the host's
caches and memory bandwidth.  On 2026-12-01, with the same commit and a load average under 1, the
aggregation of 100,000 reviews took 0.81 s in one session and 1.93 s in the next.  This prints the time
of a workload that never changes (none of the platform's code: integer and Decimal arithmetic, dicts,
sorting, string formatting, as the aggregation and the pages do) so a reader can tell a slower host from
a slower commit.  No verdict: it is a reference, printed first by ``make benchmarks``.
"""

from __future__ import annotations

import os
import random
import time
from decimal import Decimal


def workload(seed: int = 20261201) -> int:
    rng = random.Random(seed)
    scores: dict[int, list[Decimal]] = {}
    for _ in range(200_000):
        scores.setdefault(rng.randrange(20_000), []).append(Decimal(rng.randrange(0, 2001)) / 20)
    means = sorted(((sum(v) / len(v)).quantize(Decimal("0.01")), k) for k, v in scores.items())
    text = "".join(f"<tr><td>{k}</td><td>{m}</td></tr>" for m, k in means)
    return len(text) + sum(k for _m, k in means[:100])


def main() -> int:
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    best = float("inf")
    for _ in range(3):
        c = time.process_time()
        workload()
        best = min(best, time.process_time() - c)
    print(f"host speed: fixed reference workload {best:.3f} s CPU (best of 3; lower is faster; "
          "compare it between runs before comparing the benchmarks)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
