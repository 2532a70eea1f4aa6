import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {DEFAULT_PRESET, PRESETS_DIR, listPresetNames, loadPreset} from '../../src/config/load.js';
import {simConfigSchema} from '../../src/config/schema.js';
import {buildSimulation} from '../../src/sim/build.js';
import {resolveMethodName} from '../../src/speculative/proposers/methods.js';

const names = await listPresetNames();
const loaded = await Promise.all(names.map(name => loadPreset(name)));

describe('shipped presets', () => {
	it('include the default preset and the issue list', () => {
		expect(names).toContain(DEFAULT_PRESET);
		expect(DEFAULT_PRESET).toBe('llama-3.1-8b-eagle3');
		for (const name of [
			'llama-3.1-8b-eagle3',
			'qwen3-8b-eagle3',
			'gpt-oss-20b-eagle3',
			'llama-3.1-8b-eagle3-k-sweep',
			'deepseek-v3-mtp',
			'qwen3-next-80b-mtp',
			'llama-3.1-70b-ngram-cnndm',
			'llama-3.1-8b-ngram-mtbench',
			'vicuna-13b-draft-model',
			'vicuna-13b-medusa',
			'llama-3.1-70b-suffix-agentic',
			't5-xxl-t5-small-ende',
			'teaching-alpha-0.8-k5',
		]) {
			expect(names).toContain(name);
		}
		expect(names.length).toBeGreaterThanOrEqual(16);
	});

	it('cover an 8B model on one H100 and a 70B model on 4 H100s', () => {
		const shapes = loaded.map(({config}) => `${String(config.model)}@${String(config.hardware)}x${config.tensorParallel ?? 1}`);
		expect(shapes).toContain('llama-3.1-8b@h100-sxmx1');
		expect(shapes).toContain('llama-3.1-70b@h100-sxmx4');
	});
});

describe.each(loaded.map(preset => [preset.config.name, preset] as const))('%s', (name, {config, input}) => {
	it('is named after its file, has a one-line description, a real served model name and a known vLLM method', () => {
		expect(name).toBe(config.name);
		expect(config.description.length).toBeGreaterThan(40);
		expect(config.description).not.toMatch(/\n/);
		expect(config.servedModelName).toMatch(/^[\w.-]+\/[\w.-]+$/);
		expect(() => resolveMethodName(config.speculative.method)).not.toThrow();
		// The file itself validates (not only the loader's view of it).
		expect(simConfigSchema.safeParse(JSON.parse(readFileSync(join(PRESETS_DIR, `${name}.json`), 'utf8'))).success).toBe(true);
	});

	it('says where every number comes from', () => {
		const spec = input.speculative;
		expect(spec.acceptance?.source?.length ?? 0).toBeGreaterThan(20);
		if (spec.heterogeneity !== undefined) expect(spec.heterogeneity.source?.length ?? 0).toBeGreaterThan(20);
		if (spec.draftCost !== undefined && spec.draftCost.kind !== 'none') expect(spec.draftCost.source?.length ?? 0).toBeGreaterThan(20);
		if (typeof input.model !== 'string') expect(input.model.source?.length ?? 0).toBeGreaterThan(20);
		if (typeof input.hardware !== 'string') expect(input.hardware.source?.length ?? 0).toBeGreaterThan(20);
		for (const entry of input.workload.classes) if (typeof entry !== 'string') expect(entry.source?.length ?? 0).toBeGreaterThan(20);
		for (const entry of config.published) expect(entry.source.length).toBeGreaterThan(20);
	});

	it('builds and runs 30 virtual seconds, producing drafts', () => {
		const built = buildSimulation(config, {seed: 0});
		built.simulation.runUntil(30);
		const totals = built.metrics.map(m => m.lifetime);
		const spec = totals.map(t => t.spec);
		const drafts = spec.reduce((s, w) => s + w.numDrafts, 0);
		const draftTokens = spec.reduce((s, w) => s + w.numDraftTokens, 0);
		const acceptedTokens = spec.reduce((s, w) => s + w.numAcceptedTokens, 0);
		expect(drafts).toBeGreaterThan(0);
		expect(draftTokens).toBeGreaterThanOrEqual(drafts);
		expect(draftTokens).toBeLessThanOrEqual(drafts * config.speculative.numSpecTokens);
		expect(acceptedTokens).toBeGreaterThan(0);
		expect(acceptedTokens).toBeLessThanOrEqual(draftTokens);
		expect(totals.reduce((s, t) => s + t.generationTokens, 0)).toBeGreaterThan(acceptedTokens);
	});
});
