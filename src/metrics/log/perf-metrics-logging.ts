import {formatFixed, formatInt} from '../../util/py-format.js';

/** 2^48: the unit of the high word of {@link ExactSum}. */
const HIGH_UNIT = 2 ** 48;

/**
 * A running sum of non-negative integers below 2^53, exact like a Python `int`, in two doubles
 * (whole units of 2^48 and a remainder below 2^48), so totals beyond 2^53 (a few seconds of
 * FLOPs) lose nothing; {@link value} rounds once, as Python's `float(total)` does. Allocation-free.
 */
class ExactSum {
	#high = 0;
	#low = 0;

	add(n: number): void {
		const low = this.#low + n;
		const carry = Math.floor(low / HIGH_UNIT);
		this.#high += carry;
		this.#low = low - carry * HIGH_UNIT;
	}

	get zero(): boolean {
		return this.#high === 0 && this.#low === 0;
	}

	/** The sum rounded to the nearest double (half to even), as Python converts an `int` to `float`. */
	value(): number {
		return this.#high * HIGH_UNIT + this.#low;
	}

	reset(): void {
		this.#high = 0;
		this.#low = 0;
	}
}

/**
 * vLLM's `PerfMetricsLogging` (`vllm/v1/metrics/perf.py`, `--enable-mfu-metrics`) for one engine:
 * sums each step's `PerfStats` (FLOPs, bytes read, bytes written per GPU) and, at each log call
 * of `LoggingStatLogger`, formats `Engine 000: MFU: %.1f TF/s/device %.1f GB/s/device`.
 *
 * - Nothing estimated since the last printed line (all three sums 0): no line, and nothing is
 *   reset, so the next line averages over the time since the last line it printed (or since
 *   the logger was created), not since the last log call.
 * - TF/s is FLOPs / Δt / 1e12 and GB/s is (read + written bytes) / Δt / 1e9, each sum an exact
 *   integer converted once to a double, as Python divides an `int` by a `float`; Δt ≤ 0 prints
 *   0.0 for both.
 *
 * The level is the Engine line's (`log_fn`); the line comes after the spec-decode line.
 */
export class PerfMetricsLogging {
	readonly #prefix: string;
	readonly #flops = new ExactSum();
	readonly #bytes = new ExactSum();
	#lastLogS: number;

	/** The engine's `LoggingStatLogger.log_prefix` (`Engine %03d: `); `startS`: when the logger was created. */
	constructor(engineIndex: number, startS = 0) {
		this.#prefix = `Engine ${formatInt(engineIndex).padStart(3, '0')}: `;
		this.#lastLogS = startS;
	}

	/** One step's `PerfStats` (integers, as vLLM's components floor them). */
	observe(flops: number, readBytes: number, writeBytes: number): void {
		this.#flops.add(flops);
		this.#bytes.add(readBytes);
		this.#bytes.add(writeBytes);
	}

	/** `log()` at virtual time `nowS`: the message, or `undefined` when nothing was estimated. */
	log(nowS: number): string | undefined {
		if (this.#flops.zero && this.#bytes.zero) return undefined;
		const delta = nowS - this.#lastLogS;
		const tflops = delta <= 0 ? 0 : this.#flops.value() / delta / 1e12;
		const gbps = delta <= 0 ? 0 : this.#bytes.value() / delta / 1e9;
		this.restart(nowS);
		return `${this.#prefix}MFU: ${formatFixed(tflops, 1)} TF/s/device ${formatFixed(gbps, 1)} GB/s/device`;
	}

	/** Forget the sums and restart the timer at `nowS` (vLLM's `reset()`; also a restarted engine). */
	restart(nowS: number): void {
		this.#lastLogS = nowS;
		this.#flops.reset();
		this.#bytes.reset();
	}
}
