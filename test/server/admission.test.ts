import {describe, expect, it} from 'vitest';
import {AdmissionGate} from '../../src/server/admission.js';
import {cachedTokenize} from '../../src/server/prompt-tokens.js';
import {tokenize} from '../../src/server/text-model.js';

const nextTurn = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

describe('AdmissionGate', () => {
	it('admits a burst a slice per turn of the event loop, in arrival order', async () => {
		const gate = new AdmissionGate(32);
		const admitted: number[] = [];
		for (let i = 0; i < 100; i++) {
			const turn = gate.enter();
			if (turn === undefined) admitted.push(i);
			else void turn.then(() => admitted.push(i));
		}
		// The first slice goes on at once; the other 68 wait.
		expect(admitted).toEqual(Array.from({length: 32}, (_, i) => i));
		expect(gate.numWaiting).toBe(68);
		await nextTurn();
		expect(admitted).toEqual(Array.from({length: 64}, (_, i) => i));
		// A request arriving now queues behind those already waiting.
		const late = gate.enter();
		expect(late).toBeInstanceOf(Promise);
		let lateIn = false;
		void late!.then(() => (lateIn = true));
		await nextTurn();
		expect(admitted).toEqual(Array.from({length: 96}, (_, i) => i));
		expect(lateIn).toBe(false);
		await nextTurn();
		expect(admitted).toEqual(Array.from({length: 100}, (_, i) => i));
		expect(lateIn).toBe(true);
		expect(gate.numWaiting).toBe(0);
	});

	it('a quiet server admits at once: the count starts again every turn', async () => {
		const gate = new AdmissionGate(2);
		for (let turn = 0; turn < 3; turn++) {
			expect(gate.enter()).toBeUndefined();
			expect(gate.enter()).toBeUndefined();
			await nextTurn();
		}
		expect(gate.enter()).toBeUndefined();
	});
});

describe('cachedTokenize', () => {
	it('gives the tokenizer ids, the same array for a repeated prompt', () => {
		const text = 'Write a haiku about speculative decoding.';
		const first = cachedTokenize(text);
		expect(first).toEqual(tokenize(text));
		expect(first.length).toBeGreaterThan(5);
		expect(cachedTokenize(text)).toBe(first);
		expect(cachedTokenize(`${text} `)).toEqual(tokenize(`${text} `));
	});
});
