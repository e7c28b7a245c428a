"""Prints the orchestration benchmark's results as one markdown table of medians.

Reads the JSON lines both engines print (one per run) and groups them by engine, sync level
and tasks in flight. The ratio is LangGraph's median time per step (at its shipped sync level,
same tasks in flight) divided by the row's: above 1 means less overhead per step than LangGraph.
"""

import json
import statistics
import sys


def load(path):
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def label(run):
    if run["engine"] == "medulla":
        return f"medulla (sync={run['sync']})"
    return f"langgraph.js (sync={run.get('sqlite_synchronous', run['sync'])})"


def groups(runs):
    grouped = {}
    for run in runs:
        grouped.setdefault((run["tasks_in_flight"], label(run)), []).append(run)
    return grouped


def median(runs, key):
    return statistics.median(run[key] for run in runs)


def main():
    grouped = groups(load(sys.argv[1]))
    baseline = {
        level: median(runs, "us_per_step")
        for (level, name), runs in grouped.items()
        if name == "langgraph.js (sync=normal)"
    }
    print("| engine | tasks in flight | steps | µs per step | events/s | peak RSS MiB | "
          "ratio vs LangGraph | runs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (level, name), runs in sorted(grouped.items()):
        per_step = median(runs, "us_per_step")
        ratio = f"{baseline[level] / per_step:.2f}×" if level in baseline else "n/a"
        print(f"| {name} | {level:,} | {runs[0]['steps']:,} | {per_step:,.0f} | "
              f"{median(runs, 'events_per_s'):,.0f} | {median(runs, 'peak_rss_kb') / 1024:,.0f} | "
              f"{ratio} | {len(runs)} |")


if __name__ == "__main__":
    main()
