#!/usr/bin/env bash
# When the rendering threads wait: `scripts/sleeps.sh N [BINARY]`.
# Runs `cotisations run` once on two threads on bench-out/roster-N.csv
# (made by `just bench N`) under `perf record` of the scheduler's switches,
# into a new folder (bench-out/sommeil-PID, left in place: delete it
# yourself, then wait a minute before benchmarking, see docs/benchmarks-journal.md
# "Machine"), and prints for each of the two rendering threads (the two
# that ran longest): its run time, the time it was switched out, and the
# part of that spent asleep in rayon with no work to take (a core left
# idle unless something else ran). The rest is preemption (kernel
# write-back, the flusher, other processes) and waits in the kernel.
# Needs `perf` and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:?usage: scripts/sleeps.sh N [BINARY]}"
bin="${2:-target/release/cotisations}"
roster="bench-out/roster-$n.csv"
[ -f "$roster" ] || { echo "no $roster: run 'just bench $n' first" >&2; exit 2; }
out="bench-out/sommeil-$$"
data=$(mktemp)
trap 'rm -f "$data"' EXIT
perf record -q -a -e sched:sched_switch,sched:sched_wakeup,sched:sched_waking -g \
  -o "$data" -- \
  "$bin" run --roster "$roster" --tariff input-samples/grille-2027.toml \
  --emetteur input-samples/emetteur.toml --date-emission 2027-01-15 --quiet \
  --threads 2 --out "$out" > /dev/null
perf sched timehist -i "$data" -g --max-stack 12 2>/dev/null | python3 -c '
import collections, re, sys

run = collections.Counter()
off = collections.Counter()
idle = collections.Counter()
reason = {}
for line in sys.stdin:
    m = re.match(r"\s*[\d.]+\s+\[\d+\]\s+\S+\[(\d+)/\d+\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*(.*)", line)
    if not m:
        continue
    tid, wait, delay, ran, stack = m.groups()
    run[tid] += float(ran)
    if tid in reason:
        off[tid] += float(wait) + float(delay)
        if reason[tid]:
            idle[tid] += float(wait)
    # Asleep in rayon: the worker found no job to take.
    reason[tid] = "futex" in stack and "sched_yield" not in stack
workers = [t for t, _ in run.most_common(2)]
for t in workers:
    print(f"fil {t} : calcul {run[t]:.0f} ms ; hors processeur {off[t]:.0f} ms, "
          f"dont endormi faute de travail {idle[t]:.0f} ms")
print(f"total endormi faute de travail : {sum(idle[t] for t in workers):.0f} ms")
'
