import type {FinishReason, SimRequest} from '../engine/request.js';
import {createLengthSampler} from '../engine/workload/lengths.js';
import {createRng} from '../rng/rng.js';
import type {Session} from '../runtime/session.js';
import {findStop, generateText} from './text-model.js';

/** External request ids start here, far above any id the preset's own workload hands out. */
const EXTERNAL_ID_BASE = 2 ** 40;

/** What a client asked for, for one output sequence. */
export type GenerationParams = {
	readonly promptTokens: number;
	/** `max_tokens`, already defaulted to `max_model_len - prompt tokens`. */
	readonly maxTokens: number;
	readonly minTokens: number;
	readonly ignoreEos: boolean;
	readonly stop: readonly string[];
	readonly temperature: number;
	/** Identifies the request for the text and length draws: same key and seed, same output. */
	readonly key: string;
};

/** One finished output sequence. */
export type Generation = {
	readonly text: string;
	readonly completionTokens: number;
	readonly finishReason: 'stop' | 'length' | 'abort' | 'error';
	/** The stop string that ended it (vLLM's `stop_reason`), else null. */
	readonly stopReason: string | null;
	/** The engine's request: timings and spec-decode counts. */
	readonly request: SimRequest;
};

type Plan = {classIndex: number; numTokens: number; text: string; finishReason: 'stop' | 'length'; stopReason: string | null};

/**
 * Puts HTTP requests into the session's simulated engine and resolves them when the engine
 * finishes them. What a request generates is planned on arrival, deterministically from the seed
 * and the request: its length (the class's output-length distribution capped by `max_tokens`, or
 * `max_tokens` with `ignore_eos`, at least `min_tokens`), its text and where a stop string cuts it.
 * The engine then runs it like any other request: same scheduler, KV cache, proposer and acceptance.
 */
export class ServeEngine {
	readonly session: Session;
	#nextId = EXTERNAL_ID_BASE;
	#waiting = new Map<SimRequest, (request: SimRequest) => void>();
	#classWeights: number[];
	#offStep: () => void;

	constructor(session: Session) {
		this.session = session;
		this.#classWeights = session.built.classes.map(c => c.weight);
		this.#offStep = session.subscribe({
			onStep: outcome => {
				for (const request of outcome.finished) {
					const resolve = this.#waiting.get(request);
					if (resolve === undefined) continue;
					this.#waiting.delete(request);
					resolve(request);
				}
			},
		});
	}

	/** Requests submitted and not finished yet. */
	get numInFlight(): number {
		return this.#waiting.size;
	}

	/** Plan, submit at the current virtual time, and wait until the engine finishes the request. */
	async generate(params: GenerationParams): Promise<Generation> {
		const plan = this.#plan(params);
		const built = this.session.built;
		const request = built.simulation.submit({
			id: this.#nextId++,
			promptTokens: params.promptTokens,
			maxTokens: plan.numTokens,
			endReason: plan.finishReason,
			classIndex: plan.classIndex,
			temperature: params.temperature,
		});
		const done = await new Promise<SimRequest>(resolve => this.#waiting.set(request, resolve));
		const reason: FinishReason = done.finishReason ?? 'stop';
		if (reason === 'abort' || reason === 'error') {
			return {text: '', completionTokens: done.numOutputTokens, finishReason: reason, stopReason: null, request: done};
		}
		return {text: plan.text, completionTokens: done.numOutputTokens, finishReason: plan.finishReason, stopReason: plan.stopReason, request: done};
	}

	/** Unblock every waiting client with an abort (shutdown). */
	abortAll(): void {
		const t = this.session.now;
		for (const request of [...this.#waiting.keys()]) {
			for (const engine of this.session.built.engines) if (engine.abort(request, t)) break;
		}
		for (const [request, resolve] of this.#waiting) {
			request.finishReason ??= 'abort';
			resolve(request);
		}
		this.#waiting.clear();
	}

	close(): void {
		this.#offStep();
	}

	#plan(params: GenerationParams): Plan {
		const rng = createRng(this.session.built.seed).fork('serve').fork(params.key);
		const classes = this.session.built.classes;
		let pick = rng.fork('class').next() * this.#classWeights.reduce((a, b) => a + b, 0);
		let classIndex = 0;
		while (classIndex < classes.length - 1 && pick >= this.#classWeights[classIndex]!) pick -= this.#classWeights[classIndex++]!;
		let numTokens: number;
		let finishReason: 'stop' | 'length';
		if (params.ignoreEos) {
			numTokens = params.maxTokens;
			finishReason = 'length';
		} else {
			const drawn = Math.max(params.minTokens, createLengthSampler(classes[classIndex]!.output, rng.fork('output'))());
			numTokens = Math.min(drawn, params.maxTokens);
			finishReason = drawn > params.maxTokens ? 'length' : 'stop';
		}
		numTokens = Math.max(1, numTokens);
		let text = generateText(numTokens, rng.fork('text'));
		let stopReason: string | null = null;
		if (params.stop.length > 0) {
			const cut = findStop(text, params.stop);
			// vLLM does not stop before min_tokens.
			if (cut !== undefined && cut.numTokens >= params.minTokens) {
				text = cut.text;
				numTokens = cut.numTokens;
				finishReason = 'stop';
				stopReason = cut.stop;
			}
		}
		return {classIndex, numTokens, text, finishReason, stopReason};
	}
}
