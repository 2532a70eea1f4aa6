/**
 * The step-time part of `specsim calibrate`: fit {@link FittedStepTime} to what users measure with
 * `vllm bench serve --save-result` (one JSON file per concurrency, with and without speculation).
 * Pure: texts in, a fit and a per-point report out.
 *
 * A closed loop of C clients is in steady state: C requests in flight, each living `out / AL`
 * decode steps (AL: acceptance length, 1 without speculation) and prefilled once. So one step
 * carries on average
 *
 *     R = C decoding requests, P = C × in × AL / out prompt tokens, T = P + R × (1 + k) batched tokens,
 *     context = R × (in + out / 2) tokens, and k draft passes over n = R drafting requests,
 *
 * and takes `mean TPOT × AL` (a request gains AL tokens per step). The model is linear in its
 * coefficients, so these averages give one equation per file; the coefficients are the
 * non-negative least-squares solution of the relative errors.
 */
import type {FittedStepTime} from '../engine/cost/fitted.js';
import {UserError} from '../util/user-error.js';

/** One measured operating point. */
export type StepObservation = {
	/** Where it comes from (file name). */
	readonly label: string;
	readonly concurrency: number;
	/** Mean prompt and output tokens per request. */
	readonly inputLen: number;
	readonly outputLen: number;
	/** Draft length (0 without speculation). */
	readonly k: number;
	/** Mean acceptance length (1 without speculation). */
	readonly acceptanceLength: number;
	/** Observed mean step time, seconds. */
	readonly stepS: number;
	/** Measured batched tokens per step (scrapes); else derived from the closed loop. */
	readonly batchedTokens?: number;
	/** Measured drafting requests per step (scrapes); else `concurrency` when k > 0. */
	readonly draftingRequests?: number;
};

const field = (file: string, name: string, message: string): UserError => new UserError(`${file}: "${name}": ${message}`);

/**
 * Read one `vllm bench serve --save-result` JSON file.
 *
 * @throws UserError naming the file and the field for anything that is not a usable result.
 */
export function parseBenchResult(text: string, file: string): StepObservation {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw new UserError(`${file}: not JSON (${(error as Error).message})`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		throw new UserError(`${file}: expected a vllm bench serve result (a JSON object)`);
	const r = value as Record<string, unknown>;
	const num = (name: string, check: (x: number) => boolean, what: string): number => {
		const x = r[name];
		if (typeof x !== 'number' || !Number.isFinite(x) || !check(x)) throw field(file, name, `expected ${what}, got ${JSON.stringify(x) ?? 'nothing'}`);
		return x;
	};
	const concurrency = num('max_concurrency', x => Number.isInteger(x) && x >= 1, 'an integer >= 1 (run vllm bench serve with --max-concurrency)');
	const completed = num('completed', x => Number.isInteger(x) && x >= 1, 'an integer >= 1');
	const inputLen = num('total_input_tokens', x => x >= 0, 'a number >= 0') / completed;
	const outputLen = num('total_output_tokens', x => x >= completed * 2, 'at least 2 output tokens per completed request') / completed;
	const tpotS = num('mean_tpot_ms', x => x > 0, 'a positive number') / 1000;
	let k = 0;
	let acceptanceLength = 1;
	if (r['spec_decode_num_drafts'] !== undefined && r['spec_decode_num_drafts'] !== null) {
		const drafts = num('spec_decode_num_drafts', x => x > 0, 'a positive number');
		k = Math.round(num('spec_decode_draft_tokens', x => x >= drafts, 'at least spec_decode_num_drafts') / drafts);
		acceptanceLength = num('spec_decode_acceptance_length', x => x >= 1 && x <= k + 1, `a number in [1, ${k + 1}]`);
	}
	return {label: file, concurrency, inputLen, outputLen, k, acceptanceLength, stepS: tpotS * acceptanceLength};
}

/** The model's features of an observation, in {@link FittedStepTime}'s coefficient order. */
export function stepFeatures(o: StepObservation): number[] {
	const requests = o.concurrency;
	const prefill = (o.concurrency * o.inputLen * o.acceptanceLength) / o.outputLen;
	const tokens = o.batchedTokens ?? prefill + requests * (1 + o.k);
	const context = requests * (o.inputLen + o.outputLen / 2);
	const drafting = o.draftingRequests ?? (o.k > 0 ? requests : 0);
	return [1, tokens, context, requests, o.k, o.k * drafting];
}

const KEYS = ['baseS', 'perTokenS', 'perContextTokenS', 'perRequestS', 'draftPassS', 'draftPerRequestS'] as const;

/** The fit and how well it reproduces each input point. */
export type StepTimeFit = {
	readonly stepTime: FittedStepTime;
	readonly points: ReadonlyArray<{readonly observation: StepObservation; readonly fittedS: number; readonly relativeError: number}>;
};

/**
 * Fit the linear step-time model to observations (non-negative least squares on relative error).
 *
 * @throws UserError when there are fewer observations than it takes to say anything.
 */
export function fitStepTime(observations: readonly StepObservation[]): StepTimeFit {
	if (observations.length < 2) throw new UserError(`calibrate: a step-time fit needs at least 2 bench results, got ${observations.length}`);
	// Rows scaled by 1/y: minimise Σ ((x·θ − y) / y)².
	const rows = observations.map(o => stepFeatures(o).map(x => x / o.stepS));
	const targets = observations.map(() => 1);
	// Columns scaled to unit max for conditioning; unused columns (all zero) stay at 0.
	const scales = KEYS.map((_, j) => Math.max(...rows.map(r => Math.abs(r[j]!))) || 1);
	const scaled = rows.map(r => r.map((x, j) => x / scales[j]!));
	const theta = nnls(scaled, targets).map((t, j) => t / scales[j]!);
	const stepTime = {kind: 'linear', ...Object.fromEntries(KEYS.map((key, j) => [key, theta[j]!]))} as FittedStepTime;
	const points = observations.map(observation => {
		const fittedS = stepFeatures(observation).reduce((sum, x, j) => sum + x * theta[j]!, 0);
		return {observation, fittedS, relativeError: fittedS / observation.stepS - 1};
	});
	return {stepTime, points};
}

/** The fitted model's mean step time at an observation's operating point. */
export function predictStepS(stepTime: FittedStepTime, o: StepObservation): number {
	return stepFeatures(o).reduce((sum, x, j) => sum + x * stepTime[KEYS[j]!], 0);
}

/**
 * Lawson–Hanson non-negative least squares: argmin ‖Aθ − b‖ subject to θ >= 0. Small dense
 * problems only (a handful of columns).
 */
export function nnls(a: readonly (readonly number[])[], b: readonly number[]): number[] {
	const n = a[0]?.length ?? 0;
	const x = new Array<number>(n).fill(0);
	const passive = new Set<number>();
	const residual = (): number[] => b.map((bi, i) => bi - a[i]!.reduce((s, aij, j) => s + aij * x[j]!, 0));
	const gradient = (): number[] => {
		const r = residual();
		return Array.from({length: n}, (_, j) => a.reduce((s, row, i) => s + row[j]! * r[i]!, 0));
	};
	const solvePassive = (): number[] => {
		const cols = [...passive].sort((p, q) => p - q);
		const z = leastSquares(
			a.map(row => cols.map(j => row[j]!)),
			b,
		);
		const full = new Array<number>(n).fill(0);
		cols.forEach((j, i) => {
			full[j] = z[i]!;
		});
		return full;
	};
	for (let outer = 0; outer < 3 * n + 10; outer++) {
		const w = gradient();
		let best = -1;
		for (let j = 0; j < n; j++) if (!passive.has(j) && w[j]! > 1e-12 && (best < 0 || w[j]! > w[best]!)) best = j;
		if (best < 0) break;
		passive.add(best);
		for (let inner = 0; inner < 3 * n + 10; inner++) {
			const z = solvePassive();
			if ([...passive].every(j => z[j]! > 0)) {
				for (let j = 0; j < n; j++) x[j] = z[j]!;
				break;
			}
			let alpha = 1;
			for (const j of passive) if (z[j]! <= 0) alpha = Math.min(alpha, x[j]! / (x[j]! - z[j]!));
			for (let j = 0; j < n; j++) x[j] = x[j]! + alpha * (z[j]! - x[j]!);
			for (const j of [...passive])
				if (x[j]! <= 1e-15) {
					passive.delete(j);
					x[j] = 0;
				}
		}
	}
	return x;
}

/** Least squares by the normal equations with a tiny ridge (columns are pre-scaled). */
function leastSquares(a: readonly (readonly number[])[], b: readonly number[]): number[] {
	const n = a[0]?.length ?? 0;
	const m = Array.from({length: n}, (_, i) =>
		Array.from({length: n + 1}, (_, j) =>
			j === n ? a.reduce((s, row, r) => s + row[i]! * b[r]!, 0) : a.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? 1e-12 : 0),
		),
	);
	for (let c = 0; c < n; c++) {
		let pivot = c;
		for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
		[m[c], m[pivot]] = [m[pivot]!, m[c]!];
		const p = m[c]![c]!;
		if (Math.abs(p) < 1e-300) continue;
		for (let r = 0; r < n; r++) {
			if (r === c) continue;
			const f = m[r]![c]! / p;
			for (let j = c; j <= n; j++) m[r]![j] = m[r]![j]! - f * m[c]![j]!;
		}
	}
	return Array.from({length: n}, (_, i) => (Math.abs(m[i]![i]!) < 1e-300 ? 0 : m[i]![n]! / m[i]![i]!));
}

/**
 * The report: the coefficients and, per input point, observed and fitted step time and the error.
 * Rows go by load (concurrency, then k, then file name), not in the order the files were given:
 * a shell glob sorts `c1 c32 c64 c8` by name, which hides how the error moves with load.
 */
export function formatStepTimeReport(fit: StepTimeFit): string {
	const t = fit.stepTime;
	const us = (x: number): string => `${(x * 1e6).toFixed(3)} µs`;
	const lines = [
		'step-time fit (linear; the model is described in README.md, specsim calibrate, Step time):',
		`  base ${us(t.baseS)}, per batched token ${us(t.perTokenS)}, per context token ${us(t.perContextTokenS)}, per request ${us(t.perRequestS)}`,
		`  draft: per pass ${us(t.draftPassS)}, per drafting request per pass ${us(t.draftPerRequestS)}`,
		'  conc    k    AL  observed step  fitted step   error  point',
	];
	const byLoad = [...fit.points].sort(
		(a, b) =>
			a.observation.concurrency - b.observation.concurrency ||
			a.observation.k - b.observation.k ||
			(a.observation.label < b.observation.label ? -1 : a.observation.label > b.observation.label ? 1 : 0),
	);
	for (const p of byLoad) {
		const o = p.observation;
		lines.push(
			`  ${String(o.concurrency).padStart(4)}  ${String(o.k).padStart(3)}  ${o.acceptanceLength.toFixed(2)}  ${(o.stepS * 1000).toFixed(3).padStart(10)} ms  ${(p.fittedS * 1000).toFixed(3).padStart(8)} ms  ${(p.relativeError * 100).toFixed(1).padStart(5)}%  ${o.label}`,
		);
	}
	return `${lines.join('\n')}\n`;
}
