#!/usr/bin/env python3
"""Regenerate test/golden/mfu-log.json: vLLM's MFU log line computed by CPython.

vLLM's PerfMetricsLogging (vllm/v1/metrics/perf.py, --enable-mfu-metrics) sums each step's
PerfStats (Python ints) and, at each LoggingStatLogger.log() call, prints
"%sMFU: %.1f TF/s/device %.1f GB/s/device" with log_prefix "Engine %03d: ", the TF/s being
total_flops / delta_time / 1e12 and the GB/s (total_read + total_write) / delta_time / 1e9; it
prints nothing (and resets nothing) while all three totals are 0, and prints 0.0 for both when
delta_time <= 0. This script restates those few lines (docs/vllm-metrics.md) and runs them on
fixed and seeded random step sequences, including totals beyond 2**53 and exact binary ties, so
the expected lines come from CPython's int arithmetic and % formatting, not from specsim.

Usage:
    python3 scripts/mfu_log_golden.py > test/golden/mfu-log.json
"""

import json
import random
import sys


class Logging:
    def __init__(self, engine, start):
        self.prefix = "Engine %03d: " % engine
        self.last = start
        self.flops = self.read = self.write = 0

    def observe(self, flops, read, write):
        self.flops += flops
        self.read += read
        self.write += write

    def log(self, now):
        if not (self.flops or self.read or self.write):
            return None
        delta = now - self.last
        if delta <= 0.0:
            tf = gb = 0.0
        else:
            tf = self.flops / delta / 1e12
            gb = (self.read + self.write) / delta / 1e9
        line = "%sMFU: %.1f TF/s/device %.1f GB/s/device" % (self.prefix, tf, gb)
        self.last = now
        self.flops = self.read = self.write = 0
        return line


def run(case):
    logging = Logging(case["engine"], case["start"])
    lines = []
    for event in case["events"]:
        if event[0] == "step":
            logging.observe(event[1], event[2], event[3])
        else:
            lines.append(logging.log(event[1]))
    return lines


def cases():
    out = [
        # Exact binary ties: 1.25 and 0.75 TF/s, 2.5 GB/s (half to even: 1.2, 0.8, 2.5 -> 2.5).
        {"name": "ties", "engine": 0, "start": 0.0,
         "events": [["step", 1_250_000_000_000, 2_000_000_000, 500_000_000], ["log", 1.0],
                    ["step", 7_500_000_000_000, 24_000_000_000, 1_000_000_000], ["log", 11.0]]},
        # Idle intervals print nothing and do not restart the average.
        {"name": "idle intervals", "engine": 3, "start": 0.0,
         "events": [["log", 10.0], ["log", 20.0], ["step", 987_654_321_012_345, 16_061_000_000, 131_072], ["log", 30.0],
                    ["log", 40.0], ["step", 1, 0, 0], ["log", 50.0]]},
        # Two log calls at the same instant: delta 0 prints 0.0.
        {"name": "zero delta", "engine": 0, "start": 5.0,
         "events": [["step", 10 ** 15, 10 ** 12, 10 ** 9], ["log", 5.0], ["step", 10 ** 15, 10 ** 12, 10 ** 9], ["log", 15.0]]},
        # Totals beyond 2**53 (a long interval of large steps): Python sums exact ints.
        {"name": "beyond 2**53", "engine": 12, "start": 0.0,
         "events": [["step", 2 ** 53 - 1, 2 ** 53 - 3, 2 ** 52 + 1]] * 9 + [["log", 7.3]]},
        {"name": "engine 1000", "engine": 1000, "start": 0.0, "events": [["step", 3, 4, 5], ["log", 0.001]]},
    ]
    rng = random.Random(20261202)
    for n in range(24):
        t = rng.choice([0.0, 100.0, 1767225600.0])
        events = []
        for _ in range(rng.randint(1, 6)):
            for _ in range(rng.choice([0, 1, 5, 30, 120])):
                scale = rng.choice([1e9, 1e12, 1e14, 3e15])
                events.append(["step", rng.randint(0, int(scale)), rng.randint(0, int(scale / 50)), rng.randint(0, int(scale / 5000))])
            t += rng.choice([10.0, 10.0, 9.999999, 0.1 * 3, rng.uniform(0.001, 30)])
            events.append(["log", t])
        out.append({"name": "random %d" % n, "engine": rng.randint(0, 7), "start": 0.0 if t < 1e9 else 1767225600.0, "events": events})
    return out


def main():
    result = []
    for case in cases():
        case["lines"] = run(case)
        result.append(case)
    # One case per line: small, and a regenerated file diffs case by case.
    sys.stdout.write('{"python": %s, "cases": [\n' % json.dumps(sys.version.split()[0]))
    sys.stdout.write(",\n".join(json.dumps(case, separators=(",", ":")) for case in result))
    sys.stdout.write("\n]}\n")


if __name__ == "__main__":
    main()
