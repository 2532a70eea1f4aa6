import {describe, expect, it} from 'vitest';
import {parsePresetText} from '../../../src/config/load.js';
import type {WorkloadClassSpec} from '../../../src/engine/workload/classes.js';
import {
	createRequestSource,
	type FinishedRequestInfo,
	type RequestSource,
	type RequestSourceOptions,
	refusedRequestInfo,
} from '../../../src/engine/workload/request-source.js';
import type {FinishReason, RequestSpec} from '../../../src/engine/request.js';
import {parseTraceLines} from '../../../src/engine/workload/trace.js';
import {createRng} from '../../../src/rng/rng.js';
import {meanVar} from './stats-helpers.js';

const chat = (conversation: WorkloadClassSpec['conversation'], extra: Partial<WorkloadClassSpec> = {}): WorkloadClassSpec => ({
	name: 'chat',
	weight: 1,
	prompt: {kind: 'uniform', min: 50, max: 150},
	output: {kind: 'uniform', min: 20, max: 60},
	...extra,
	...(conversation === undefined ? {} : {conversation}),
});

type Driven = {spec: RequestSpec; finishAt: number; output: number; reason: FinishReason};

/**
 * Drive a source as the simulation does, without an engine: every request finishes `latency(spec)`
 * after it arrives, having produced `output(spec)` tokens with finish reason `reason(spec)`.
 * Returns the requests in emission order.
 */
function drive(
	source: RequestSource,
	untilS: number,
	opts: {
		latency?: (s: RequestSpec) => number;
		output?: (s: RequestSpec) => number;
		reason?: (s: RequestSpec) => FinishReason;
		onEvent?: (t: number) => void;
		/** The API server refuses it at once (HTTP 400), as the simulation does for a prompt that does not fit max_model_len. */
		rejects?: (s: RequestSpec) => boolean;
	} = {},
): Driven[] {
	const latency = opts.latency ?? (() => 1);
	const output = opts.output ?? (s => s.maxTokens);
	const reason = opts.reason ?? (() => 'stop' as const);
	const out: Driven[] = [];
	const inFlight: Driven[] = [];
	for (;;) {
		let first = -1;
		for (let i = 0; i < inFlight.length; i++) if (first < 0 || inFlight[i]!.finishAt < inFlight[first]!.finishAt) first = i;
		const finishAt = first < 0 ? Number.POSITIVE_INFINITY : inFlight[first]!.finishAt;
		const arrivalAt = source.peekArrivalAt();
		const t = Math.min(finishAt, arrivalAt);
		if (t > untilS) break;
		opts.onEvent?.(t);
		if (finishAt <= arrivalAt) {
			const done = inFlight.splice(first, 1)[0]!;
			const info: FinishedRequestInfo = {
				id: done.spec.id,
				promptTokens: done.spec.promptTokens,
				numOutputTokens: done.output,
				finishReason: done.reason,
				conversation: done.spec.conversation ?? -1,
				turn: done.spec.turn ?? 0,
			};
			source.requestFinished(t, info);
		} else {
			const spec = source.next()!;
			if (opts.rejects?.(spec) === true) {
				out.push({spec, finishAt: t, output: 0, reason: 'error'});
				source.requestFinished(t, refusedRequestInfo(spec));
				continue;
			}
			const d: Driven = {spec, finishAt: spec.arrivalAt + latency(spec), output: output(spec), reason: reason(spec)};
			inFlight.push(d);
			out.push(d);
		}
	}
	return out;
}

function byConversation(rows: readonly Driven[]): Map<number, Driven[]> {
	const map = new Map<number, Driven[]>();
	for (const r of rows) {
		const c = r.spec.conversation!;
		if (!map.has(c)) map.set(c, []);
		map.get(c)!.push(r);
	}
	return map;
}

const source = (options: Partial<RequestSourceOptions> & Pick<RequestSourceOptions, 'classes'>): RequestSource =>
	createRequestSource({arrival: {kind: 'poisson', rate: 2}, rng: createRng(3).fork('workload'), ...options});

describe('multi-turn conversations in the request source', () => {
	it('turn n+1 resends the history: previous prompt + its output + a new user message, think time after the previous finish', () => {
		const rows = drive(
			source({
				classes: [chat({turns: {kind: 'fixed', value: 4}, userTokens: {kind: 'fixed', value: 30}, thinkTime: 5}, {sharedPrefixTokens: 100})],
			}),
			200,
			{latency: s => 0.5 + s.promptTokens / 1000, output: s => s.maxTokens - 3},
		);
		const conversations = byConversation(rows);
		expect(conversations.size).toBeGreaterThan(100);
		let checked = 0;
		for (const [id, turns] of conversations) {
			expect(turns.map(t => t.spec.turn)).toEqual(turns.map((_, i) => i + 1));
			for (const t of turns) {
				expect(t.spec.stream).toBe(id);
				expect([t.spec.sharedPrefixTokens, t.spec.prefixGroup]).toEqual([100, 0]);
			}
			for (let n = 1; n < turns.length; n++) {
				const prev = turns[n - 1]!;
				const cur = turns[n]!.spec;
				expect(cur.promptTokens).toBe(prev.spec.promptTokens + prev.output + 30);
				expect(cur.arrivalAt).toBeCloseTo(prev.finishAt + 5, 9);
				checked++;
			}
		}
		expect(checked).toBeGreaterThan(250);
		// The first turn is the class's own request: system prompt + first user message.
		for (const turns of conversations.values()) {
			const p = turns[0]!.spec.promptTokens;
			expect(p >= 150 && p <= 250).toBe(true);
		}
	});

	it('first turns arrive by the arrival process (Poisson at the configured rate of conversations)', () => {
		const rows = drive(
			source({
				arrival: {kind: 'poisson', rate: 4},
				classes: [chat({turns: {kind: 'uniform', min: 1, max: 5}, userTokens: {kind: 'fixed', value: 10}, thinkTime: 2})],
			}),
			5000,
		);
		const starts = rows.filter(r => r.spec.turn === 1).map(r => r.spec.arrivalAt);
		const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
		const {mean} = meanVar(gaps);
		// Exponential gaps of mean 0.25 s: the sample mean of n gaps has standard error 0.25 / sqrt(n).
		expect(Math.abs(mean - 0.25)).toBeLessThan((4 * 0.25) / Math.sqrt(gaps.length));
	});

	it('mean turns per conversation and mean think time match their closed forms', () => {
		// Turns uniform on 1..7: mean 4, variance (7² - 1) / 12 = 4. Think time exponential, mean 3 s.
		const rows = drive(
			source({
				arrival: {kind: 'poisson', rate: 20},
				classes: [
					chat({turns: {kind: 'uniform', min: 1, max: 7}, userTokens: {kind: 'fixed', value: 10}, thinkTime: {kind: 'exponential', mean: 3}}),
				],
			}),
			2000,
		);
		const conversations = byConversation(rows);
		const complete = [...conversations.values()].filter(t => t[0]!.spec.arrivalAt < 1900); // every turn of these has arrived
		const turns = complete.map(t => t.length);
		expect(turns.length).toBeGreaterThan(30_000);
		expect(Math.abs(meanVar(turns).mean - 4)).toBeLessThan(4 * Math.sqrt(4 / turns.length));
		const thinks = complete.flatMap(t => t.slice(1).map((r, i) => r.spec.arrivalAt - t[i]!.finishAt));
		expect(Math.abs(meanVar(thinks).mean - 3)).toBeLessThan((4 * 3) / Math.sqrt(thinks.length));
		// A histogram of turns: P(1) = 0.5, P(2..3) = 0.3 (uniform), P(4..10) = 0.2 (uniform): mean 0.5 + 0.3·2.5 + 0.2·7 = 2.65.
		const hist = drive(
			source({
				arrival: {kind: 'poisson', rate: 20},
				classes: [
					chat({
						turns: {
							kind: 'histogram',
							bins: [
								{upTo: 1, weight: 5},
								{upTo: 3, weight: 3},
								{upTo: 10, weight: 2},
							],
						},
						userTokens: {kind: 'fixed', value: 10},
					}),
				],
			}),
			2000,
		);
		const histTurns = [...byConversation(hist).values()].filter(t => t[0]!.spec.arrivalAt < 1900).map(t => t.length);
		const {mean, variance} = meanVar(histTurns);
		expect(Math.abs(mean - 2.65)).toBeLessThan(4 * Math.sqrt(variance / histTurns.length));
	});

	it('a conversation ends at a turn the API server refused (its prompt does not fit max_model_len): the turn is sent once, then nothing', () => {
		const maxModelLen = 1000;
		const s = source({
			classes: [chat({turns: {kind: 'fixed', value: 50}, userTokens: {kind: 'uniform', min: 50, max: 150}, thinkTime: 1})],
		});
		const rows = drive(s, 3000, {rejects: spec => spec.promptTokens >= maxModelLen});
		const conversations = byConversation(rows);
		const counts = s.conversations!;
		// Every conversation is cut short (50 turns of >= 70 tokens cannot fit in 1000), each by one refused turn: its last.
		expect(counts.rejected).toBe(counts.ended);
		expect(counts.ended).toBeGreaterThan(1000);
		for (const turns of conversations.values()) {
			expect(turns.length).toBeLessThan(50);
			for (const r of turns.slice(0, -1)) expect(r.spec.promptTokens).toBeLessThan(maxModelLen);
		}
		const refused = rows.filter(r => r.spec.promptTokens >= maxModelLen);
		expect(refused.length).toBe(counts.rejected);
		for (const r of refused) expect(conversations.get(r.spec.conversation!)!.at(-1)).toBe(r);
		expect(counts.started).toBe(conversations.size);
	});

	it('a turn that finished with abort or error ends its conversation; requests the source did not emit are ignored', () => {
		const s = source({classes: [chat({turns: {kind: 'fixed', value: 5}, userTokens: {kind: 'fixed', value: 10}})]});
		const rows = drive(s, 500, {reason: spec => (spec.turn === 2 ? (spec.conversation! % 2 === 0 ? 'abort' : 'error') : 'stop')});
		for (const turns of byConversation(rows).values()) expect(turns.length).toBeLessThanOrEqual(2);
		const before = s.conversations!;
		s.requestFinished(600, {id: 999_999, promptTokens: 10, numOutputTokens: 5, finishReason: 'stop', conversation: -1, turn: 0});
		expect(s.conversations).toEqual(before);
		expect(() => s.requestFinished(600)).toThrow('requestFinished needs the finished request when the workload has conversations');
	});

	it('memory does not grow with duration: ended conversations are dropped', () => {
		const s = source({
			arrival: {kind: 'poisson', rate: 50},
			classes: [chat({turns: {kind: 'uniform', min: 1, max: 9}, userTokens: {kind: 'fixed', value: 10}, thinkTime: {kind: 'exponential', mean: 2}})],
		});
		let maxActive = 0;
		// 200 virtual seconds: fifteen times a conversation's mean life (13 s), long enough for memory
		// that grew with duration to show, short enough for a loaded machine (600 s took 34 s there).
		drive(s, 200, {
			onEvent: () => {
				maxActive = Math.max(maxActive, s.conversations!.active);
			},
		});
		const counts = s.conversations!;
		expect(counts.started).toBeGreaterThan(9_000);
		// Little's law: 50 conversations/s × (5 turns × 1 s + 4 thinks × 2 s) = 650 active on average.
		expect(maxActive).toBeLessThan(1000);
		expect(counts.active).toBe(counts.started - counts.ended);
	});

	it('a conversation is the same whatever the engine timing (its own random stream), and a seed reproduces everything', () => {
		const classes = [
			chat({turns: {kind: 'uniform', min: 1, max: 6}, userTokens: {kind: 'uniform', min: 5, max: 50}, thinkTime: {kind: 'exponential', mean: 1}}),
			{...chat(undefined), name: 'single', weight: 0.5, output: {kind: 'fixed' as const, value: 7}},
		];
		const content = (rows: Driven[]) =>
			[...byConversation(rows).entries()]
				.filter(([id]) => id < 200)
				.map(([id, turns]) => `${id}:${turns[0]!.spec.classIndex}:${turns.map(t => `${t.spec.maxTokens}/${t.spec.promptTokens}`).join(',')}`);
		const fast = drive(source({classes}), 400, {latency: () => 0.1});
		const slow = drive(source({classes}), 400, {latency: s => 2 + (s.id % 3)});
		// Same classes, turn counts, outputs and prompts (outputs are produced in full, so prompts agree too).
		expect(content(slow)).toEqual(content(fast));
		const again = drive(source({classes}), 400, {latency: () => 0.1});
		expect(again.map(r => JSON.stringify(r.spec))).toEqual(fast.map(r => JSON.stringify(r.spec)));
		// A class without `conversation` is a conversation of one turn.
		const single = fast.filter(r => r.spec.classIndex === 1);
		expect(single.length).toBeGreaterThan(50);
		for (const r of single) expect(r.spec.turn).toBe(1);
		for (const turns of byConversation(single).values()) expect(turns).toHaveLength(1);
	});

	it('a closed loop runs each user through one conversation at a time', () => {
		const users = 5;
		const s = source({
			arrival: {kind: 'closed-loop', users, thinkTimeS: 1},
			classes: [chat({turns: {kind: 'uniform', min: 2, max: 4}, userTokens: {kind: 'fixed', value: 10}, thinkTime: 3})],
		});
		const rows = drive(s, 500);
		expect(s.countArrivalsBefore).toBeUndefined();
		// At most `users` conversations are ever active, and `users` requests in flight.
		expect(s.conversations!.active).toBeLessThanOrEqual(users);
		const conversations = byConversation(rows);
		expect(conversations.size).toBeGreaterThan(50);
		const timeline = rows.map(r => [r.spec.arrivalAt, r.finishAt] as const);
		for (const [a] of timeline) expect(timeline.filter(([x, y]) => x <= a && y > a).length).toBeLessThanOrEqual(users);
	});

	it('counts arrivals before t, later turns included, as the waiting-queue cap needs', () => {
		const s = source({
			arrival: {kind: 'poisson', rate: 30},
			classes: [
				chat({turns: {kind: 'uniform', min: 1, max: 6}, userTokens: {kind: 'fixed', value: 10}, thinkTime: {kind: 'exponential', mean: 0.5}}),
			],
		});
		const checks: number[] = [];
		const rows = drive(s, 300, {
			onEvent: t => {
				if (checks.length < 2000 && Math.floor(t * 7) % 5 === 0) checks.push(t, s.countArrivalsBefore!(t));
			},
		});
		expect(checks.length).toBeGreaterThan(100);
		for (let i = 0; i < checks.length; i += 2) {
			const t = checks[i]!;
			expect(checks[i + 1]).toBe(rows.filter(r => r.spec.arrivalAt < t).length);
		}
	});
});

describe('bad conversation input names the field', () => {
	const preset = (conversation: unknown) =>
		JSON.stringify(
			{
				name: 'bad',
				servedModelName: 'org/model',
				model: 'llama-3.1-8b',
				hardware: 'h100-sxm',
				speculative: {method: 'none', numSpecTokens: 0},
				workload: {
					arrival: {kind: 'poisson', rate: 1},
					classes: [{name: 'chat', weight: 1, prompt: {kind: 'fixed', value: 10}, output: {kind: 'fixed', value: 10}, conversation}],
				},
			},
			null,
			'\t',
		);
	const turns = {kind: 'fixed', value: 3};
	const userTokens = {kind: 'fixed', value: 5};
	it.each([
		[{turns: {kind: 'fixed', value: 0}, userTokens}, 'p.json:30: workload.classes[0].conversation.turns.value: must be greater than 0, got 0'],
		[{turns: {kind: 'uniform', min: 0, max: 4}, userTokens}, 'p.json:30: workload.classes[0].conversation.turns.min: must be greater than 0, got 0'],
		[
			{turns, userTokens, thinkTime: -1},
			'p.json:36: workload.classes[0].conversation.thinkTime: must be a number of seconds from 0 to 2592000, got -1',
		],
		[
			{turns, userTokens, thinkTime: {kind: 'exponential', mean: -0.5}},
			'p.json:38: workload.classes[0].conversation.thinkTime.mean: must be a number of seconds from 0 to 2592000, got -0.5',
		],
		[{turns}, 'p.json:27: workload.classes[0].conversation.userTokens: required field missing (expected object)'],
	])('%j', (conversation, message) => {
		expect(() => parsePresetText(preset(conversation), 'p.json')).toThrow(message);
	});

	it('the core names the field too (library use without the schema)', () => {
		const make = (conversation: WorkloadClassSpec['conversation']) => () => source({classes: [chat(conversation)]});
		expect(make({turns: {kind: 'fixed', value: 0}, userTokens: {kind: 'fixed', value: 1}})).toThrow(
			'classes[0].conversation.turns.value must be a positive integer, got 0',
		);
		expect(make({turns: {kind: 'fixed', value: 2}, userTokens: {kind: 'fixed', value: 1}, thinkTime: -3})).toThrow(
			'classes[0].conversation.thinkTime must be a finite number of seconds >= 0, got -3',
		);
		expect(make({turns: {kind: 'fixed', value: 2}, userTokens: {kind: 'fixed', value: 1}, thinkTime: {kind: 'uniform', min: 2, max: 1}})).toThrow(
			'classes[0].conversation.thinkTime.max must be >= classes[0].conversation.thinkTime.min (2), got 1',
		);
	});
});

describe('conversations in traces', () => {
	it('a trace line carries its conversation and turn: given, or counted per conversation', () => {
		const lines = [
			'{"arrival_time": 0, "prompt_tokens": 100, "output_tokens": 5, "conversation": "a"}',
			'{"arrival_time": 1, "prompt_tokens": 90, "output_tokens": 5}',
			'{"arrival_time": 2, "prompt_tokens": 120, "output_tokens": 5, "conversation": "b", "turn": 3}',
			'{"arrival_time": 3, "prompt_tokens": 130, "output_tokens": 5, "conversation": "a"}',
			'{"arrival_time": 4, "prompt_tokens": 140, "output_tokens": 5, "conversation": "b"}',
		];
		const specs = [...parseTraceLines(lines, 't.jsonl')];
		expect(specs.map(s => [s.conversation, s.turn, s.stream])).toEqual([
			[0, 1, 0],
			[undefined, undefined, undefined],
			[1, 3, 1],
			[0, 2, 0],
			[1, 2, 1],
		]);
		const bad = (line: string) => () => [...parseTraceLines([line], 't.jsonl')];
		expect(bad('{"arrival_time": 0, "prompt_tokens": 10, "output_tokens": 5, "turn": 2}')).toThrow('t.jsonl:1: turn needs a conversation');
		expect(bad('{"arrival_time": 0, "prompt_tokens": 10, "output_tokens": 5, "conversation": 1, "turn": 0}')).toThrow(
			't.jsonl:1: turn must be a positive integer, got 0',
		);
	});
});
