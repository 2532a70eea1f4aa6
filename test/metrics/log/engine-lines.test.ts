import {describe, expect, it} from 'vitest';
import {loadPreset} from '../../../src/config/load.js';
import {formatFixed} from '../../../src/util/py-format.js';
import {buildSimulation} from '../../../src/sim/build.js';
import type {LogLine} from '../../../src/sim/simulation.js';

describe('the simulation prints what vLLM stat loggers print, in their order', () => {
	it('engine-initialised line first, then per tick the Engine line before the SpecDecoding line; throughputs from the step tokens', async () => {
		const built = buildSimulation((await loadPreset('llama-3.1-8b-eagle3')).config, {seed: 1});
		const lines: Array<{engine: number; t: number; line: LogLine}> = [];
		let generation = 0;
		let prompt = 0;
		const perInterval: Array<[number, number]> = [];
		built.simulation.subscribe({
			onStep(out) {
				generation += out.generationTokens;
				prompt += out.promptTokens;
			},
			onTick() {
				perInterval.push([prompt, generation]);
				prompt = 0;
				generation = 0;
			},
			onLogLine: (engine, t, line) => lines.push({engine, t, line}),
		});
		built.simulation.runUntil(30);
		expect(lines[0]).toEqual({
			engine: 0,
			t: 0,
			line: {
				source: 'engine-init',
				level: 'INFO',
				message: `Engine 000: vllm cache_config_info with initialization after num_gpu_blocks is: ${built.numKvBlocks}`,
			},
		});
		expect(lines.slice(1).map(l => `${l.t} ${l.line.source}`)).toEqual(['10 engine', '10 spec', '20 engine', '20 spec', '30 engine', '30 spec']);
		const interval = built.config.logging.intervalS;
		perInterval.forEach(([p, g], i) => {
			const message = lines[1 + 2 * i]!.line.message;
			expect(message).toContain(
				`Avg prompt throughput: ${formatFixed(p / interval, 1)} tokens/s, Avg generation throughput: ${formatFixed(g / interval, 1)} tokens/s`,
			);
		});
	});
});
