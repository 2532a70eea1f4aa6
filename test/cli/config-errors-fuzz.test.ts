import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {createRng, type Rng} from '../../src/rng/rng.js';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-replay-fuzz-'));
const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
/** Values that are wrong for every field of an event line. */
const BAD_VALUES: unknown[] = [1e300, -1, -0.5, 'NaN', 'Infinity', null, {}, [], 2 ** 53 + 2, 1.5, '\u001b[31mred\u0007', '\u009b2J', true, 1e9];
const FIELDS = ['type', 't', 'engine', 'num_spec_tokens', 'drafts', 'line'];

/** One mutation of a real event line: a field set to a bad value, deleted, or the line cut or spliced with raw bytes. */
function mutate(line: string, rng: Rng): string {
	const pick = <T>(items: readonly T[]): T => items[Math.floor(rng.next() * items.length)]!;
	const record = JSON.parse(line) as Record<string, unknown>;
	const kind = rng.next();
	if (kind < 0.45) return JSON.stringify({...record, [pick(FIELDS)]: pick(BAD_VALUES)});
	if (kind < 0.55) return JSON.stringify({...record, [pick(FIELDS)]: undefined});
	if (kind < 0.65) return line.replace(/"(t|engine|num_spec_tokens|drafts)":/, `"$1":${deep},"x":`);
	if (kind < 0.8) return line.slice(0, Math.floor(rng.next() * line.length));
	const at = Math.floor(rng.next() * line.length);
	return line.slice(0, at) + pick(['\u001b[2J', '\u0007', '\u0000', '\u009b', '}', '"', ',']) + line.slice(at);
}

describe('replay of a mutated real event stream (pinned seed)', () => {
	let lines: string[];
	beforeAll(async () => {
		const out = join(dir, 'generated');
		expect((await cli('generate', '--out', out, '--duration', '12s', '--engines', '2')).code).toBe(0);
		lines = readFileSync(join(out, 'events.jsonl'), 'utf8').trimEnd().split('\n');
	});

	it('every mutation is replayed or refused with one escaped line naming file, line and field; never a stack trace', async () => {
		const rng = createRng(11).fork('replay-fuzz');
		let refused = 0;
		for (let n = 0; n < 150; n++) {
			const index = 1 + Math.floor(rng.next() * (lines.length - 1));
			const mutated = [...lines];
			mutated[index] = mutate(lines[index]!, rng);
			const path = join(dir, `fuzz-${n}.jsonl`);
			writeFileSync(path, `${mutated.join('\n')}\n`);
			const {code, stderr} = await cli('replay', path, '--no-exposition');
			const what = `mutation ${n} of line ${index + 1}: ${JSON.stringify(mutated[index]!.slice(0, 200))}`;
			if (code === 0) {
				expect(stderr, what).toBe('');
				continue;
			}
			refused++;
			expect(code, what).toBe(2);
			const match = /^specsim: (.*):(\d+): (.*)\n$/.exec(stderr);
			expect(match, `${what}\n${stderr}`).not.toBeNull();
			const [, file, lineNumber, message] = match!;
			expect(file).toBe(path);
			// A bad value can also surface on a later line (a huge t makes the next record go back in time).
			expect(Number(lineNumber), what).toBeGreaterThanOrEqual(index + 1);
			expect(message, what).toMatch(
				/"(type|t|engine|num_spec_tokens|drafts(\[\d+\])?|line)"|^invalid JSON|^unknown record type|^expected a JSON object/,
			);
			// biome-ignore lint/suspicious/noControlCharactersInRegex: the test is that none is printed
			expect(stderr, what).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
			expect(stderr, what).not.toMatch(/Maximum call stack|typed array|ensurePositions|undefined|\bat position\b/);
		}
		expect(refused).toBeGreaterThan(100); // the mutations do break lines
	});
});
