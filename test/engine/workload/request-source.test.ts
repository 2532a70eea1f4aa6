import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {BUILTIN_WORKLOAD_CLASSES} from '../../../src/engine/workload/builtin-classes.js';
import {classTraits, validateWorkloadClasses, type WorkloadClassSpec} from '../../../src/engine/workload/classes.js';
import {createRequestSource, type RequestSource, type RequestSpec} from '../../../src/engine/workload/request-source.js';
import {fourSeProportion} from './stats-helpers.js';

const chat: WorkloadClassSpec = {name: 'chat', weight: 3, prompt: {kind: 'uniform', min: 10, max: 1000}, output: {kind: 'uniform', min: 1, max: 200}};
const code: WorkloadClassSpec = {
	name: 'code',
	weight: 1,
	prompt: {kind: 'lognormal', median: 2000, sigma: 0.5, min: 1, max: 8000},
	output: {kind: 'fixed', value: 64},
	temperature: {kind: 'choice', values: [0, 0.8], weights: [1, 3]},
};

function take(source: RequestSource, n: number): RequestSpec[] {
	const out: RequestSpec[] = [];
	for (let i = 0; i < n; i++) {
		const r = source.next();
		if (r === undefined) break;
		out.push(r);
	}
	return out;
}

describe('createRequestSource (open loop)', () => {
	it('emits ids 0.., starts at startS and never goes back in time', () => {
		const source = createRequestSource({arrival: {kind: 'poisson', rate: 5}, classes: [chat, code], rng: createRng(1), startS: 10});
		expect(source.peekArrivalAt()).toBe(10);
		const rs = take(source, 500);
		expect(rs.map(r => r.id)).toEqual(rs.map((_, i) => i));
		expect(rs[0]?.arrivalAt).toBe(10);
		for (let i = 1; i < rs.length; i++) expect(rs[i]!.arrivalAt).toBeGreaterThanOrEqual(rs[i - 1]!.arrivalAt);
		expect(source.emitted).toBe(500);
		expect(source.peekArrivalAt()).toBeGreaterThan(rs.at(-1)!.arrivalAt);
	});

	it('constant arrivals land exactly on the grid', () => {
		const source = createRequestSource({arrival: {kind: 'constant', rate: 4}, classes: [chat], rng: createRng(0)});
		expect(take(source, 4).map(r => r.arrivalAt)).toEqual([0, 0.25, 0.5, 0.75]);
	});

	it('stops after maxRequests', () => {
		const source = createRequestSource({arrival: {kind: 'poisson', rate: 1}, classes: [chat], rng: createRng(2), maxRequests: 3});
		expect(take(source, 10)).toHaveLength(3);
		expect(source.peekArrivalAt()).toBe(Number.POSITIVE_INFINITY);
		expect(source.next()).toBeUndefined();
		source.requestFinished(5); // ignored by open loops
	});

	it('is deterministic per seed and differs across seeds', () => {
		const make = (seed: number) =>
			take(createRequestSource({arrival: {kind: 'gamma', rate: 3, cv: 2}, classes: [chat, code], rng: createRng(seed)}), 200);
		expect(make(7)).toEqual(make(7));
		expect(make(7)).not.toEqual(make(8));
	});

	it('changing the class mix never shifts arrival times', () => {
		const arrivals = (classes: WorkloadClassSpec[]) =>
			take(createRequestSource({arrival: {kind: 'gamma', rate: 2, cv: 1.5}, classes, rng: createRng(42)}), 300).map(r => r.arrivalAt);
		const base = arrivals([chat]);
		expect(arrivals([chat, code])).toEqual(base);
		expect(arrivals([{...code, weight: 5}, chat])).toEqual(base);
	});

	it("a class's lengths do not depend on the other classes", () => {
		const chatLengths = (classes: WorkloadClassSpec[]) =>
			take(createRequestSource({arrival: {kind: 'poisson', rate: 1}, classes, rng: createRng(9)}), 400)
				.filter(r => classes[r.classIndex]?.name === 'chat')
				.map(r => [r.promptTokens, r.maxTokens]);
		const mixed = chatLengths([code, chat]);
		const alone = chatLengths([chat]);
		expect(mixed.length).toBeGreaterThan(200);
		expect(mixed).toEqual(alone.slice(0, mixed.length));
	});

	it('picks classes in proportion to their weights (within 4 SE)', () => {
		const n = 20_000;
		const rs = take(createRequestSource({arrival: {kind: 'poisson', rate: 1}, classes: [chat, code], rng: createRng('mix')}), n);
		const pCode = rs.filter(r => r.classIndex === 1).length / n;
		expect(Math.abs(pCode - 0.25)).toBeLessThan(fourSeProportion(0.25, n));
		// Temperatures: chat defaults to 0; code picks 0.8 with probability 3/4 of its requests.
		expect(rs.filter(r => r.classIndex === 0).every(r => r.temperature === 0)).toBe(true);
		const codeRs = rs.filter(r => r.classIndex === 1);
		const pHot = codeRs.filter(r => r.temperature === 0.8).length / codeRs.length;
		expect(Math.abs(pHot - 0.75)).toBeLessThan(fourSeProportion(0.75, codeRs.length));
		expect(codeRs.every(r => r.maxTokens === 64)).toBe(true);
	});

	it('rejects bad options naming the field', () => {
		const rng = createRng(0);
		expect(() => createRequestSource({arrival: {kind: 'poisson', rate: 1}, classes: [], rng})).toThrow(
			new RangeError('classes must be a non-empty array'),
		);
		expect(() => createRequestSource({arrival: {kind: 'poisson', rate: 1}, classes: [chat, {...code, name: 'chat'}], rng})).toThrow(
			new RangeError('classes[1].name must be unique, got duplicate "chat"'),
		);
		expect(() => createRequestSource({arrival: {kind: 'poisson', rate: 1}, classes: [{...chat, output: {kind: 'fixed', value: 0}}], rng})).toThrow(
			new RangeError('classes[0].output.value must be a positive integer, got 0'),
		);
		expect(() => createRequestSource({arrival: {kind: 'poisson', rate: 1}, classes: [chat], rng, maxRequests: -1})).toThrow(RangeError);
		expect(() => createRequestSource({arrival: {kind: 'poisson', rate: 1}, classes: [chat], rng, startS: Number.NaN})).toThrow(RangeError);
	});
});

describe('createRequestSource (closed loop)', () => {
	it('starts every user at startS and submits one request per finished one after the think time', () => {
		const source = createRequestSource({arrival: {kind: 'closed-loop', users: 3}, classes: [chat], rng: createRng(5), startS: 1});
		const first = take(source, 10);
		expect(first.map(r => r.arrivalAt)).toEqual([1, 1, 1]);
		expect(source.peekArrivalAt()).toBe(Number.POSITIVE_INFINITY);
		expect(source.next()).toBeUndefined();
		source.requestFinished(4.5);
		source.requestFinished(2.25);
		expect(source.peekArrivalAt()).toBe(2.25);
		expect(take(source, 10).map(r => [r.id, r.arrivalAt])).toEqual([
			[3, 2.25],
			[4, 4.5],
		]);
	});

	it('adds exponential think times and honours maxRequests', () => {
		const source = createRequestSource({arrival: {kind: 'closed-loop', users: 2, thinkTimeS: 1}, classes: [chat], rng: createRng(6), maxRequests: 3});
		take(source, 2);
		source.requestFinished(10);
		const third = source.next();
		expect(third?.arrivalAt).toBeGreaterThan(10);
		source.requestFinished(11);
		source.requestFinished(12);
		expect(source.peekArrivalAt()).toBe(Number.POSITIVE_INFINITY);
		expect(source.emitted).toBe(3);
	});

	it('throws when more requests finish than were emitted', () => {
		const source = createRequestSource({arrival: {kind: 'closed-loop', users: 1}, classes: [chat], rng: createRng(0)});
		expect(() => source.requestFinished(0)).toThrow(new RangeError('requestFinished called 1 times but only 0 requests were emitted'));
	});
});

describe('built-in workload classes', () => {
	const all = Object.values(BUILTIN_WORKLOAD_CLASSES);

	it('are valid and carry the documented traits', () => {
		expect(() => validateWorkloadClasses(all)).not.toThrow();
		expect(all.map(c => c.name)).toEqual(['chat', 'code', 'summarization', 'agentic']);
		expect(classTraits(BUILTIN_WORKLOAD_CLASSES.code).acceptanceFactor).toBeGreaterThan(classTraits(BUILTIN_WORKLOAD_CLASSES.chat).acceptanceFactor);
		// Prompt lookup pays most where outputs copy the prompt.
		const hit = (c: WorkloadClassSpec) => classTraits(c).ngramHitRate ?? 0;
		expect(hit(BUILTIN_WORKLOAD_CLASSES.summarization)).toBeGreaterThan(hit(BUILTIN_WORKLOAD_CLASSES.code));
		expect(hit(BUILTIN_WORKLOAD_CLASSES.code)).toBeGreaterThan(hit(BUILTIN_WORKLOAD_CLASSES.chat));
		expect(classTraits({...chat})).toEqual({acceptanceFactor: 1, ngramHitRate: undefined, repetition: 0});
	});

	it('reproduce their source medians (chat prompt median 1,020 tokens, within 4 SE)', () => {
		const n = 20_000;
		const rs = take(createRequestSource({arrival: {kind: 'poisson', rate: 1}, classes: [BUILTIN_WORKLOAD_CLASSES.chat], rng: createRng('chat')}), n);
		const below = rs.filter(r => r.promptTokens <= 1020).length / n;
		expect(Math.abs(below - 0.5)).toBeLessThan(fourSeProportion(0.5, n));
		expect(rs.every(r => r.promptTokens >= 1 && r.promptTokens <= 16_384 && [0, 0.7, 1].includes(r.temperature))).toBe(true);
	});

	it('rejects bad class fields naming them', () => {
		expect(() => validateWorkloadClasses([{...chat, ngramHitRate: 1.5}])).toThrow(
			new RangeError('classes[0].ngramHitRate must be in [0, 1], got 1.5'),
		);
		expect(() => validateWorkloadClasses([{...chat, acceptanceFactor: -1}])).toThrow(
			new RangeError('classes[0].acceptanceFactor must be a finite number >= 0, got -1'),
		);
		expect(() => validateWorkloadClasses([{...chat, weight: 0}])).toThrow(new RangeError('classes must have a positive total weight, got 0'));
	});
});
