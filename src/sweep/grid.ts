/**
 * The sweep grid: parsing `--k`, `--qps` and `--method` lists and expanding them into points.
 * Pure: no I/O. Errors are one-line {@link UserError}s naming the flag and the bad text.
 */
import {resolveMethodName} from '../speculative/proposers/methods.js';
import {MAX_USERS} from '../util/limits.js';
import {UserError} from '../util/user-error.js';

/** Largest k a sweep accepts (vLLM has no hard cap; this keeps a typo like `1..800` from running for hours). */
export const MAX_SWEEP_K = 64;

/** One configuration of a sweep, before it is resolved against the preset. */
export type SweepPoint = {
	/** Position in the grid; results are ordered by it whatever the worker count. */
	readonly index: number;
	/** `num_speculative_tokens`. */
	readonly k: number;
	/** Arrival rate override (`--qps`), or undefined to keep the preset's. */
	readonly qps: number | undefined;
	/** Closed-loop clients (`--concurrency`), or undefined; never set together with `qps`. */
	readonly concurrency?: number | undefined;
	/** Method override (`--method`), or undefined to keep the preset's. */
	readonly method: string | undefined;
};

/** The axes of a sweep. */
export type SweepGrid = {
	readonly ks: readonly number[];
	/** Empty (and no concurrency): the preset's load only. */
	readonly qps: readonly number[];
	/** Closed-loop client counts, swept after the arrival rates. */
	readonly concurrency?: readonly number[];
	/** Empty: the preset's method only. */
	readonly methods: readonly string[];
};

/**
 * Parse `--k`: a comma list of integers and inclusive ranges `a..b`, e.g. `1..8`, `2,4,6`,
 * `1..3,6`. Returns the distinct values in ascending order.
 *
 * @throws UserError naming `--k` for anything else, k < 1, k > {@link MAX_SWEEP_K} or a descending range.
 */
export function parseKList(text: string): number[] {
	const values = new Set<number>();
	for (const part of splitList(text, '--k')) {
		const range = /^(\d+)\s*\.\.\s*(\d+)$/.exec(part);
		if (range !== null) {
			const from = Number(range[1]);
			const to = Number(range[2]);
			checkK(from, text);
			checkK(to, text);
			if (to < from) throw new UserError(`--k: range "${part}" goes down; write it as ${to}..${from}`);
			for (let k = from; k <= to; k++) values.add(k);
		} else if (/^\d+$/.test(part)) {
			const k = Number(part);
			checkK(k, text);
			values.add(k);
		} else {
			throw new UserError(`--k must be a list of integers and ranges such as 1..8 or 2,4,6, got "${text}"`);
		}
	}
	return [...values].sort((a, b) => a - b);
}

/**
 * Parse `--qps`: a comma list of positive arrival rates, e.g. `1,4,16,64`. Returns the distinct
 * values in ascending order.
 *
 * @throws UserError naming `--qps` for a value that is not a positive finite number.
 */
export function parseQpsList(text: string): number[] {
	const values = new Set<number>();
	for (const part of splitList(text, '--qps')) {
		const qps = /^[0-9.eE+-]+$/.test(part) ? Number(part) : Number.NaN;
		if (!(qps > 0) || !Number.isFinite(qps))
			throw new UserError(`--qps must be a list of positive numbers such as 1,4,16,64, got ${refused(part, text)}`);
		values.add(qps);
	}
	return [...values].sort((a, b) => a - b);
}

/** The refused entry of a list, and the list when it has others: `"x" in "1,16,x"`. */
const refused = (part: string, text: string): string => (part === text.trim() ? `"${part}"` : `"${part}" in "${text}"`);

/**
 * Parse `--concurrency`: a comma list of closed-loop client counts, e.g. `1,16,64,128`. Returns
 * the distinct values in ascending order.
 *
 * @throws UserError naming `--concurrency` for a value that is not an integer from 1 to MAX_USERS.
 */
export function parseConcurrencyList(text: string): number[] {
	const values = new Set<number>();
	for (const part of splitList(text, '--concurrency')) {
		const n = /^\d+$/.test(part) ? Number(part) : Number.NaN;
		if (!(Number.isSafeInteger(n) && n >= 1 && n <= MAX_USERS))
			throw new UserError(`--concurrency must be a list of integers from 1 to ${MAX_USERS} such as 1,16,64,128, got ${refused(part, text)}`);
		values.add(n);
	}
	return [...values].sort((a, b) => a - b);
}

/**
 * Parse `--method`: a comma list of speculative methods as vLLM names them (`eagle3`, `mtp`,
 * `ngram`, `deepseek_mtp`, ...). Keeps the given order, drops repeats.
 *
 * @throws UserError naming `--method` and the known names for an unknown one.
 */
export function parseMethodList(text: string): string[] {
	const values: string[] = [];
	for (const part of splitList(text, '--method')) {
		if (part === 'none') throw new UserError('--method: none is not swept: every row is compared with a run without speculation (the baseline line)');
		try {
			resolveMethodName(part);
		} catch (error) {
			throw new UserError(`--method: ${(error as Error).message}`);
		}
		if (!values.includes(part)) values.push(part);
	}
	return values;
}

/**
 * Every combination of the axes, in the order results are reported: by load (the arrival rates,
 * then the concurrencies), then method, then k (so each (load, method) group lists its k values
 * together).
 */
export function expandGrid(grid: SweepGrid): SweepPoint[] {
	if (grid.ks.length === 0) throw new RangeError('grid.ks must not be empty');
	const concurrency = grid.concurrency ?? [];
	const loadAxis: Array<{qps: number | undefined; concurrency?: number}> = [
		...grid.qps.map(qps => ({qps})),
		...concurrency.map(n => ({qps: undefined, concurrency: n})),
	];
	if (loadAxis.length === 0) loadAxis.push({qps: undefined});
	const methodAxis: Array<string | undefined> = grid.methods.length > 0 ? [...grid.methods] : [undefined];
	const points: SweepPoint[] = [];
	for (const load of loadAxis) {
		for (const method of methodAxis) {
			for (const k of grid.ks) points.push({index: points.length, k, ...load, method});
		}
	}
	return points;
}

function splitList(text: string, flag: string): string[] {
	const parts = text.split(',').map(part => part.trim());
	if (parts.some(part => part === '')) throw new UserError(`${flag} must be a comma-separated list without empty entries, got "${text}"`);
	return parts;
}

function checkK(k: number, text: string): void {
	if (!Number.isSafeInteger(k) || k < 1 || k > MAX_SWEEP_K) throw new UserError(`--k values must be integers in 1..${MAX_SWEEP_K}, got "${text}"`);
}
