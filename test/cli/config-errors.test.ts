import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-config-errors-'));

/** The preset fields the cases below break; the rest are left as they are. */
interface Preset {
	model: string;
	scheduler: Record<string, unknown>;
	speculative: {acceptance: Record<string, unknown>};
	workload: Record<string, unknown>;
}

/** A valid preset, one field per line, with `patch` applied to the object first. */
function presetFile(name: string, patch: (preset: Preset) => void): string {
	const preset = {
		name: 'broken',
		servedModelName: 'm',
		model: 'llama-3.1-8b',
		hardware: 'h100-sxm',
		scheduler: {maxModelLen: 4096},
		speculative: {method: 'eagle', numSpecTokens: 3, acceptance: {kind: 'unconditional', rates: [0.7, 0.5, 0.3]}},
		workload: {arrival: {kind: 'poisson', rate: 1}, classes: ['chat']},
	};
	patch(preset);
	const path = join(dir, `${name}.json`);
	writeFileSync(path, `${JSON.stringify(preset, null, 2)}\n`);
	return path;
}

/** The 1-based line of the first occurrence of `text` in the file. */
const lineOf = (path: string, text: string): number =>
	require('node:fs')
		.readFileSync(path, 'utf8')
		.split('\n')
		.findIndex((l: string) => l.includes(text)) + 1;

describe('bad presets: one line naming file, line and field; exit code 2; nothing written', () => {
	it.each([
		[
			'non-increasing rates',
			(p: Preset) => {
				p.speculative.acceptance['rates'] = [0.5, 0.6, 0.3];
			},
			'0.6',
			'speculative.acceptance.rates[1]: unconditional rates must be non-increasing: rates[1]=0.6 exceeds rates[0]=0.5',
		],
		[
			'a misspelt key',
			(p: Preset) => {
				p.scheduler['maxNumSeq'] = 8;
			},
			'"maxNumSeq"',
			'scheduler.maxNumSeq: unknown field',
		],
		[
			'an unknown model',
			(p: Preset) => {
				p.model = 'llama-9b';
			},
			'"model"',
			'model: unknown built-in model "llama-9b"',
		],
		[
			'an unknown class',
			(p: Preset) => {
				p.workload['classes'] = ['chat', 'poetry'];
			},
			'"poetry"',
			'workload.classes[1]: unknown built-in class "poetry"',
		],
		[
			'a KV cache too small for max_model_len',
			(p: Preset) => {
				p.scheduler['numKvBlocks'] = 10;
			},
			'"scheduler"',
			'scheduler: KV cache (10 blocks × 16 tokens) cannot hold one request of maxModelLen=4096 plus 3 lookahead tokens',
		],
	])('%s', async (name, patch, marker, message) => {
		const path = presetFile(name.replaceAll(' ', '-'), patch);
		const out = join(dir, `out-${name.replaceAll(' ', '-')}`);
		const {code, stdout, stderr} = await cli('generate', '--preset', path, '--out', out, '--duration', '5s');
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr.split('\n')).toHaveLength(2);
		expect(stderr).toContain(`specsim: ${path}:${lineOf(path, marker)}: ${message}`);
		expect(require('node:fs').existsSync(out)).toBe(false);
	});

	it('reports invalid JSON with its line', async () => {
		const path = join(dir, 'syntax.json');
		writeFileSync(path, '{\n  "name": "x",\n  "model": \n}\n');
		const {code, stderr} = await cli('run', '--headless', '--no-server', '--preset', path, '--duration', '1s');
		expect(code).toBe(2);
		expect(stderr).toBe(`specsim: ${path}:4: invalid JSON: value expected\n`);
	});
});
