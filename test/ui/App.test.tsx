import {SETTLE} from '../helpers/settle.js';
import {renderToString} from 'ink';
import {render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import App from '../../src/ui/App.js';
import ExplainPanel from '../../src/ui/components/ExplainPanel.js';
import {explainSections, type ExplainNumbers} from '../../src/explain/index.js';
import {explainNumbersOf} from '../../src/ui/explain-numbers.js';
import type {DashboardSnapshot, SpanView} from '../../src/ui/snapshot.js';
import {createTestSnapshot, plain, recordingControls, staticSource, TEST_LOG_LINE} from './create-test-snapshot.js';

const noExplain = (): [] => [];

const emptySpan: Partial<SpanView> = {
	durationS: 0,
	numDrafts: 0,
	numDraftTokens: 0,
	numAcceptedTokens: 0,
	acceptedPerPos: [0, 0, 0],
	draftedPerPos: [0, 0, 0],
	acceptanceRate: Number.NaN,
	meanAcceptanceLength: 1,
	unconditionalRates: [Number.NaN, Number.NaN, Number.NaN],
	conditionalRates: [Number.NaN, Number.NaN, Number.NaN],
};

function frameAt(columns: number, snapshot: DashboardSnapshot = createTestSnapshot(), conditional = false, rows = 60): string {
	return plain(
		renderToString(
			<App
				source={staticSource(snapshot)}
				controls={recordingControls()}
				explain={noExplain}
				columns={columns}
				rows={rows}
				initialConditional={conditional}
			/>,
			{columns},
		),
	);
}

/** The line that contains `needle` (the first), failing loudly when there is none. */
function lineWith(frame: string, needle: string): string {
	const line = frame.split('\n').find(l => l.includes(needle));
	if (line === undefined) throw new Error(`no line contains ${JSON.stringify(needle)} in:\n${frame}`);
	return line;
}

describe('dashboard frames from a fixed snapshot', () => {
	it('80×24, the usual terminal: the keys take one row and every position of k = 3 shows', () => {
		const frame = frameAt(80, createTestSnapshot(), false, 24);
		expect(frame.split('\n').filter(l => l.includes('quit'))).toEqual([
			'p pause  +/- speed  [/] k  ↑/↓ accept  t cond/uncond  e explain  r reset  q quit',
		]);
		expect(lineWith(frame, 'pos 0')).toMatch(/0\.73 {2}model 0\.73$/);
		expect(lineWith(frame, 'pos 1')).toMatch(/0\.52 {2}model 0\.52$/);
		expect(lineWith(frame, 'pos 2')).toMatch(/0\.35 {2}model 0\.35$/);
		expect(frame).not.toContain('not shown');
		expect(frame.split('\n').length).toBeLessThanOrEqual(23);
	});

	it('terminals too small for the header and the keys: the keys give way, the header stays on top', () => {
		for (const [columns, rows] of [
			[40, 8],
			[36, 9],
			[60, 6],
		] as const) {
			const lines = frameAt(columns, createTestSnapshot(), false, rows).split('\n');
			expect(lines[0], `${columns}×${rows}:\n${lines.join('\n')}`).toMatch(/^specsim/);
			expect(lines.length, `${columns}×${rows}:\n${lines.join('\n')}`).toBeLessThanOrEqual(rows - 1);
		}
	});

	it.each([80, 120])('fits %i columns', columns => {
		for (const line of frameAt(columns).split('\n')) expect(line.length, line).toBeLessThanOrEqual(columns);
	});

	it('the headline keeps its column headings apart and its labels whole from 60 to 160 columns', () => {
		// Every width where the layout changes (one column below 110, two columns from 110, where the left one is tightest).
		const widths = [60, 61, 62, 70, 80, 90, 100, 105, 108, 109, ...Array.from({length: 16}, (_, i) => 110 + i), 130, 140, 160];
		for (const columns of widths) {
			const frame = frameAt(columns);
			expect(lineWith(frame, 'since start'), `${columns} columns`).toMatch(/ {2}last 10s {2}since start {2,}model/);
			expect(frame, `${columns} columns`).toContain('mean accept. length ');
		}
	});

	it('80 columns: header, headline table, formula, bars, trends, engine, footer', () => {
		const frame = frameAt(80);
		expect(frame).toContain('specsim  llama-3.1-8b-eagle3  meta-llama/Llama-3.1-8B-Instruct  eagle3 k=3');
		expect(frame).toContain('▶ running  t=00:02:05  speed 1×  seed 0  acceptance ×1.00');
		expect(frame).toContain('/metrics http://127.0.0.1:8000/metrics');
		// Headline: last interval, since start, model.
		expect(lineWith(frame, 'acceptance rate  ')).toMatch(/acceptance rate\s+53\.3%\s+53\.3%\s+53\.5%$/);
		expect(lineWith(frame, 'mean accept. length')).toMatch(/2\.60\s+2\.60\s+2\.60$/);
		expect(lineWith(frame, 'accepted tok/s')).toMatch(/accepted tok\/s\s+288\s+280$/);
		expect(lineWith(frame, 'drafted tok/s')).toMatch(/drafted tok\/s\s+540\s+525$/);
		expect(lineWith(frame, 'drafts/s')).toMatch(/drafts\/s\s+180\s+175$/);
		// The formula with the interval's own counts.
		expect(frame).toContain('mean acceptance length = 1 + accepted / drafts (last 10s)');
		expect(frame).toContain('= 1 + 2,880 / 1,800 = 2.60   model 2.60');
		// Bars: unconditional by default, the model marked with │ at round(rate × width).
		expect(frame).toContain('Per-position acceptance: unconditional  last 10s');
		const pos0 = lineWith(frame, 'pos 0');
		expect(pos0).toMatch(/0\.73 {2}model 0\.73$/);
		const barCells = pos0.slice(pos0.indexOf('pos 0') + 7).split(' ')[0]!;
		expect(barCells).toHaveLength(53);
		expect(barCells.indexOf('│')).toBe(Math.round(0.7296 * 53));
		expect(barCells.lastIndexOf('█')).toBe(Math.round(0.73 * 53) - 1);
		expect(lineWith(frame, 'pos 2')).toMatch(/0\.35 {2}model 0\.35$/);
		expect(frame).toContain('accepted at i / drafts   │ = model');
		// Sparklines: the latest point's value at the end.
		expect(frame).toMatch(/\n acceptance rate +▁▄█▇▅ +53\.0%\n/);
		expect(lineWith(frame, 'mean length')).toMatch(/▁▄█▇▆\s+2\.60$/);
		expect(lineWith(frame, 'output tok/s')).toMatch(/▁▅█▇▇\s+470$/);
		// Engine.
		expect(frame).toContain('running 12  waiting 3  batch 48 tok  KV 4.2%  output 470 tok/s');
		expect(frame).toContain('TTFT  p50   25.1 ms p90   40.2 ms p99   61.3 ms');
		expect(frame).toContain('ITL   p50    8.2 ms p90    9.5 ms p99   12.1 ms');
		expect(frame).toContain('est. speedup vs no spec ×1.95 last 10s  ×1.93 since start');
		// Footer.
		expect(frame).toContain('p pause  +/- speed  [/] k  ↑/↓ accept  t cond/uncond  e explain  r reset  q quit');
		// One column: the sparkline panel comes after the bars.
		expect(frame.indexOf('─ Trends')).toBeGreaterThan(frame.indexOf('pos 2'));
	});

	it('120 columns: two columns side by side, header on two lines', () => {
		const frame = frameAt(120);
		expect(frame).toContain('▶ running  t=00:02:05  speed 1×  seed 0  acceptance ×1.00  /metrics http://127.0.0.1:8000/metrics');
		const top = lineWith(frame, '─ Speculative decoding');
		expect(top).toContain('─ Trends  1 point = 1s virtual');
		expect(frame).toMatch(/\n acceptance rate +53\.3% +53\.3% +53\.5% + mean length +▁▄█▇▆ +2\.60\n/);
		// Half of 120 columns: 59 per column, a 32-cell bar.
		expect(lineWith(frame, 'pos 0')).toMatch(/^ pos 0 {2}[█░│]{32} {2}0\.73 {2}model 0\.73$/);
		expect(frame).toContain('p pause  +/- speed  [/] k  ↑/↓ accept  t cond/uncond  e explain  r reset  q quit');
	});

	it('before the first log tick: dashes for the interval, the formula from since-start counts', () => {
		const frame = frameAt(80, createTestSnapshot({interval: null}));
		expect(lineWith(frame, 'acceptance rate  ')).toMatch(/acceptance rate\s+—\s+53\.3%\s+53\.5%$/);
		expect(frame).toContain('mean acceptance length = 1 + accepted / drafts (since start)');
		expect(frame).toContain('= 1 + 33,600 / 21,000 = 2.60');
		expect(frame).toContain('Per-position acceptance: unconditional  since start');
		expect(lineWith(frame, 'pos 1')).toMatch(/0\.53 {2}model 0\.52$/);
	});

	it('shows paused, finished, a changed speed, k, acceptance scale and a disabled server', () => {
		const paused = frameAt(80, createTestSnapshot({header: {paused: true, speed: 'max', k: 5, acceptanceScale: 1.05 ** 2, metricsUrl: undefined}}));
		expect(paused).toContain('‖ paused  t=00:02:05  speed max  seed 0  acceptance ×1.10');
		expect(paused).toContain('eagle3 k=5');
		expect(paused).toContain('/metrics off (--no-server)');
		const done = frameAt(80, createTestSnapshot({header: {done: true}}));
		expect(done).toContain('■ finished');
		expect(done).toContain('finished: the run reached its --duration; q quits');
	});

	it('after a live k change: the cumulative column says since k=N, and an interval spanning the change is starred', () => {
		const frame = frameAt(80, createTestSnapshot({header: {k: 2}, intervalKs: [3, 2], kChange: {fromK: 3, toK: 2, atS: 115}}));
		expect(lineWith(frame, 'model')).toMatch(/last 10s\*\s+since k=2\s+model$/);
		expect(frame).toContain('* last 10s: drafts at k=3 and k=2');
		expect(frame).toContain('Per-position acceptance: unconditional  last 10s: drafts at k=3 and k=2');
		expect(frame).toContain('est. speedup vs no spec ×1.95 last 10s  ×1.93 since k=2');
		// The next interval drafted only at k=2: no star, no note.
		const next = frameAt(80, createTestSnapshot({header: {k: 2}, intervalKs: [2], kChange: {fromK: 3, toK: 2, atS: 115}}));
		expect(lineWith(next, 'model')).toMatch(/last 10s\s+since k=2\s+model$/);
		expect(next).not.toContain('drafts at');
		// An interval of only the old k (the change came after its tick).
		const before = frameAt(80, createTestSnapshot({header: {k: 2}, intervalKs: [3], kChange: {fromK: 3, toK: 2, atS: 121}}));
		expect(before).toContain('* last 10s: drafts at k=3 (now k=2)');
	});

	it('after r reset the counters between two log ticks, the interval columns name the shorter span they cover', () => {
		// Reset at t=115.37 s; the tick at 120 s closes an interval of 4.63 s, not 10.
		const frame = frameAt(80, createTestSnapshot({interval: {durationS: 4.63}}));
		expect(lineWith(frame, 'model')).toMatch(/last 4\.6s\s+since start\s+model$/);
		expect(frame).toContain('mean acceptance length = 1 + accepted / drafts (last 4.6s)');
		expect(frame).toContain('Per-position acceptance: unconditional  last 4.6s');
		expect(frame).toContain('est. speedup vs no spec ×1.95 last 4.6s  ×1.93 since start');
		expect(frame).not.toContain('last 10s');
		// A whole interval keeps the log interval's name.
		expect(lineWith(frameAt(80), 'model')).toMatch(/last 10s\s+since start\s+model$/);
	});

	it('drafts shorter than k (n-gram, suffix): the model legend says its figures are for full-length drafts and how long these were, as the run summary does', () => {
		const short = {numDraftTokens: 4500, meanDraftTokens: 2.5, draftedPerPos: [1800, 1500, 1200]};
		const frame = frameAt(80, createTestSnapshot({interval: short}));
		expect(lineWith(frame, '│ model')).toMatch(/^ ?accepted at i \/ drafts {2}│ model: full k=3 drafts \(these: 2\.50 tokens\)/);
		for (const line of frame.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
		// Full-length drafts (EAGLE-3) keep the plain legend.
		expect(frameAt(80)).toContain('accepted at i / drafts   │ = model');
		expect(frameAt(80)).not.toContain('full k=');
	});

	it('the engine line shows errors, aborts and asleep engines once a fault happened, and nothing of them before', () => {
		expect(frameAt(80)).not.toMatch(/errors|aborts|asleep/);
		expect(frameAt(80, createTestSnapshot({engine: {numRejected: 51}}))).toMatch(/output 470 tok\/s\s+rejected 51/);
		const frame = frameAt(80, createTestSnapshot({engine: {numErrors: 3, numAborts: 1234, numAsleep: 1}}));
		expect(frame).toMatch(/errors 3\s+aborts 1,234\s+asleep 1/);
		for (const line of frame.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
	});

	it('conditional rates divide by the previous position', () => {
		const frame = frameAt(80, createTestSnapshot(), true);
		expect(frame).toContain('Per-position acceptance: conditional  last 10s');
		expect(lineWith(frame, 'pos 1')).toMatch(/0\.71 {2}model 0\.71$/); // 0.52/0.73 and 0.5208/0.7296
		expect(lineWith(frame, 'pos 2')).toMatch(/0\.67 {2}model 0\.68$/); // 0.35/0.52 and 0.3545/0.5208
		expect(frame).toContain('accepted at i / accepted at i−1');
	});
});

describe('dashboard keys (ink-testing-library)', () => {
	afterEach(() => {
		vi.restoreAllMocks();
	});

	it('a key that did nothing shows its notice until the next key', async () => {
		const controls = {...recordingControls(), increaseK: () => '] does nothing: k=64 is the limit'};
		const {stdin, lastFrame, unmount} = render(<App source={staticSource(createTestSnapshot())} controls={controls} explain={noExplain} />);
		stdin.write(']');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('\n] does nothing: k=64 is the limit\np pause'), SETTLE);
		stdin.write('t');
		await vi.waitFor(() => expect(plain(lastFrame())).not.toContain('does nothing'), SETTLE);
		unmount();
	});

	it('several key presses in one input chunk (a held key) each act', async () => {
		const controls = recordingControls();
		const {stdin, unmount} = render(<App source={staticSource(createTestSnapshot())} controls={controls} explain={noExplain} />);
		stdin.write(']]]');
		await vi.waitFor(() => expect(controls.calls).toEqual(['increaseK', 'increaseK', 'increaseK']), SETTLE);
		stdin.write('[[');
		await vi.waitFor(() => expect(controls.calls).toHaveLength(5), SETTLE);
		expect(controls.calls.slice(3)).toEqual(['decreaseK', 'decreaseK']);
		unmount();
	});

	it('maps each simulation key to its control, in order', async () => {
		const controls = recordingControls();
		const {stdin, unmount} = render(<App source={staticSource(createTestSnapshot())} controls={controls} explain={noExplain} />);
		const keys = ['p', '+', '=', '-', '_', ']', '[', '\u001B[A', '\u001B[B', 'r', 'x'];
		for (const key of keys) {
			stdin.write(key);
			await new Promise(resolve => setImmediate(resolve));
		}
		await vi.waitFor(() => expect(controls.calls).toHaveLength(10), SETTLE);
		expect(controls.calls).toEqual([
			'togglePause',
			'faster',
			'faster',
			'slower',
			'slower',
			'increaseK',
			'decreaseK',
			'raiseAcceptance',
			'lowerAcceptance',
			'reset',
		]);
		unmount();
	});

	it('t toggles unconditional and conditional bars', async () => {
		const {stdin, lastFrame, unmount} = render(
			<App source={staticSource(createTestSnapshot())} controls={recordingControls()} explain={noExplain} />,
		);
		expect(plain(lastFrame())).toContain('Per-position acceptance: unconditional');
		stdin.write('t');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('Per-position acceptance: conditional'), SETTLE);
		expect(lineWith(plain(lastFrame()), 'pos 1')).toMatch(/0\.71 {2}model 0\.71$/);
		stdin.write('t');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('Per-position acceptance: unconditional'), SETTLE);
		unmount();
	});

	it('→ right after e (same tick, as typed fast or pasted) moves to the second topic: keys never see a stale view', async () => {
		const explain = () => [
			{id: 'a', title: 'First topic', body: 'one'},
			{id: 'b', title: 'Second topic', body: 'two'},
		];
		const {stdin, lastFrame, unmount} = render(<App source={staticSource(createTestSnapshot())} controls={recordingControls()} explain={explain} />);
		stdin.write('e');
		stdin.write('\u001B[C');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('─ Explain 2/3: Second topic'), SETTLE);
		unmount();
	});

	it('e opens the explain panel on the live numbers; ←/→ change topic; e or Esc closes it', async () => {
		const seen: ExplainNumbers[] = [];
		const explain = (numbers: ExplainNumbers) => {
			seen.push(numbers);
			return [
				{
					id: 'length',
					title: 'Acceptance length',
					body: `1 + ${numbers.numAcceptedTokens} / ${numbers.numDrafts} = ${numbers.meanAcceptanceLength.toFixed(2)}`,
				},
				{id: 'tokens', title: 'drafts × k is not draft tokens', body: `${numbers.numDrafts} × ${numbers.k} vs ${numbers.numDraftTokens}`},
			];
		};
		const source = staticSource(createTestSnapshot());
		const {stdin, lastFrame, unmount} = render(<App source={source} controls={recordingControls()} explain={explain} rows={60} />);
		expect(plain(lastFrame())).not.toContain('─ Explain');
		stdin.write('\u001B[C'); // → does nothing while the panel is closed
		stdin.write('e');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('─ Explain 1/3: Acceptance length  ←/→ topic · e or Esc closes'), SETTLE);
		expect(plain(lastFrame())).toContain('\n 1 + 33600 / 21000 = 2.60\n');
		expect(plain(lastFrame())).not.toContain('─ Trends');
		expect(seen.at(-1)).toMatchObject({
			k: 3,
			unconditionalRates: [0.72, 0.53, 0.35],
			conditionalRates: [0.72, 0.53 / 0.72, 0.35 / 0.53],
			meanAcceptanceLength: 2.6,
			acceptanceRate: 33_600 / 63_000,
			numDrafts: 21_000,
			numDraftTokens: 63_000,
			numAcceptedTokens: 33_600,
			expectedMeanLength: 2.6049,
			acceptedPerPos: [15_120, 11_130, 7350],
			draftedPerPos: [21_000, 21_000, 21_000],
			logFormat: 'throughput',
			logIntervalS: 10,
		});
		stdin.write('\u001B[C');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('─ Explain 2/3: drafts × k is not draft tokens'), SETTLE);
		expect(plain(lastFrame())).toContain('\n 21000 × 3 vs 63000\n');
		// Live: a new snapshot re-renders the panel with its numbers.
		source.set(createTestSnapshot({lifetime: {numDrafts: 22_000, numDraftTokens: 66_000}}));
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('22000 × 3 vs 66000'), SETTLE);
		stdin.write('\u001B[D');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('─ Explain 1/3'), SETTLE);
		stdin.write('\u001B');
		await vi.waitFor(() => expect(plain(lastFrame())).not.toContain('─ Explain'), SETTLE);
		stdin.write('e');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('─ Explain 1/3'), SETTLE);
		stdin.write('e');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('─ Trends'), SETTLE);
		unmount();
	});

	it('? and h open the keys topic; a key that is not bound says so; capitals act as their letters', async () => {
		const controls = recordingControls();
		const {stdin, lastFrame, unmount} = render(<App source={staticSource(createTestSnapshot())} controls={controls} explain={noExplain} rows={60} />);
		stdin.write('x');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('x is not a key: ? shows the keys'), SETTLE);
		stdin.write('?');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('─ Explain 1/1: Keys and live changes'), SETTLE);
		expect(plain(lastFrame())).not.toContain('is not a key');
		stdin.write('\u001B');
		await vi.waitFor(() => expect(plain(lastFrame())).not.toContain('─ Explain'), SETTLE);
		stdin.write('h');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('─ Explain 1/1: Keys and live changes'), SETTLE);
		stdin.write('P');
		await vi.waitFor(() => expect(controls.calls).toContain('togglePause'), SETTLE);
		unmount();
	});

	it('←/→ and PgUp/PgDn outside the explain panel say why they do nothing; inside it they act', async () => {
		const {stdin, lastFrame, unmount} = render(
			<App source={staticSource(createTestSnapshot())} controls={recordingControls()} explain={noExplain} rows={60} />,
		);
		stdin.write('\u001B[C');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('→ does nothing here: it changes the explain topic (e opens the panel)'), SETTLE);
		stdin.write('\u001B[D');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('← does nothing here: it changes the explain topic (e opens the panel)'), SETTLE);
		stdin.write('\u001B[6~');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('PgDn does nothing here: it scrolls the explain panel (e opens it)'), SETTLE);
		stdin.write('\u001B[5~');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('PgUp does nothing here: it scrolls the explain panel (e opens it)'), SETTLE);
		stdin.write('?');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('─ Explain 1/1: Keys and live changes'), SETTLE);
		expect(plain(lastFrame())).not.toContain('does nothing');
		for (const key of ['\u001B[6~', '\u001B[5~', '\u001B[C', '\u001B[D']) stdin.write(key);
		await new Promise(resolve => setImmediate(resolve));
		expect(plain(lastFrame())).toContain('─ Explain 1/1: Keys and live changes');
		expect(plain(lastFrame())).not.toContain('does nothing');
		unmount();
	});

	it('the explain panel with src/explain: every topic renders within 80 columns, also before any draft', () => {
		for (const [snapshot, live] of [
			[createTestSnapshot(), true],
			[createTestSnapshot({interval: null, lifetime: emptySpan}), false],
		] as const) {
			const sections = explainSections(explainNumbersOf(snapshot));
			expect(sections.map(s => s.id)).toContain('bonus-token');
			const app = plain(
				renderToString(<App source={staticSource(snapshot)} controls={recordingControls()} explain={explainSections} columns={80} initialExplain />, {
					columns: 80,
				}),
			);
			expect(app).toContain(`─ Explain 1/${sections.length + 1}: What a draft is`);
			for (let i = 0; i < sections.length; i++) {
				const frame = plain(renderToString(<ExplainPanel sections={sections} index={i} width={80} maxRows={1000} scroll={0} />, {columns: 80}));
				expect(frame.split('\n')[0]).toMatch(new RegExp(`^─ Explain ${i + 1}/${sections.length}: `));
				// Before any draft the rates read 0 (vLLM's reader convention); src/explain itself may still print a NaN depth.
				if (live) expect(frame).not.toMatch(/NaN/);
				for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
			}
		}
		const bonus = explainSections(explainNumbersOf(createTestSnapshot())).find(s => s.id === 'bonus-token')!;
		expect(bonus.body).toContain('mean acceptance length = 1 + accepted / drafts = 1 + 33,600 / 21,000 = 2.60');
	});

	it.each([60, 80, 100])('the explain panel rewraps prose to %i columns: no row breaks before a word that fits', columns => {
		const sections = explainSections(explainNumbersOf(createTestSnapshot()));
		const draft = sections.find(s => s.id === 'draft')!;
		const frame = plain(renderToString(<ExplainPanel sections={[draft]} index={0} width={columns} maxRows={1000} scroll={0} />, {columns}));
		const rows = frame.split('\n').slice(1); // below the title
		const inner = columns - 2;
		for (let i = 0; i + 1 < rows.length; i++) {
			const row = rows[i]!.trimStart();
			const next = rows[i + 1]!.trim();
			if (row === '' || next === '' || /[.:]$/.test(row)) continue;
			// The next row's first word did not fit on this row (greedy wrapping at the panel's width).
			expect(rows[i]!.length + 1 + next.split(' ')[0]!.length, `${rows[i]}\n${rows[i + 1]}`).toBeGreaterThan(inner);
		}
		// Nothing lost: the same words as the source.
		expect(rows.join(' ').split(/\s+/).filter(Boolean)).toEqual(draft.body.split(/\s+/).filter(Boolean));
	});

	it.each([
		[60, 20],
		[80, 24],
		[100, 30],
		// Short terminals (a split pane): the headline gives way too, down to nothing.
		[80, 16],
		[80, 12],
		[60, 14],
		[120, 12],
		[40, 10],
		[100, 8],
	])('at %i×%i the live frame keeps the header on screen: main view and every explain topic, at k=3 and k=12', (columns, rows) => {
		const k12 = Array.from({length: 12}, (_, i) => 0.8 * 0.8 ** i);
		const snapshots = [
			createTestSnapshot(),
			createTestSnapshot({
				header: {k: 12},
				interval: {unconditionalRates: k12, conditionalRates: k12},
				lifetime: {
					unconditionalRates: k12,
					conditionalRates: k12,
					acceptedPerPos: k12.map(r => Math.round(r * 21_000)),
					draftedPerPos: k12.map(() => 21_000),
				},
				expected: {unconditionalRates: k12, conditionalRates: k12},
				intervalKs: [11, 12],
			}),
		];
		for (const snapshot of snapshots) {
			const sections = explainSections(explainNumbersOf(snapshot));
			const views = [false, ...sections.map((_, i) => i)] as const;
			for (const view of views) {
				const explainFn = view === false ? explainSections : () => sections.slice(view as number);
				const frame = plain(
					renderToString(
						<App
							source={staticSource(snapshot)}
							controls={recordingControls()}
							explain={explainFn}
							columns={columns}
							rows={rows}
							initialExplain={view !== false}
						/>,
						{columns},
					),
				);
				const lines = frame.split('\n');
				const top = lines.findIndex(l => l.startsWith('specsim  '));
				const live = lines.slice(top);
				expect(live.length, `${columns}×${rows} view ${String(view)}:\n${live.join('\n')}`).toBeLessThanOrEqual(rows - 1);
				expect(live.at(-1)).toMatch(/q quit$/);
				for (const line of live) expect(line.length).toBeLessThanOrEqual(columns);
			}
		}
	});

	it('PgDn and PgUp scroll a topic taller than the terminal', async () => {
		const sections = explainSections(explainNumbersOf(createTestSnapshot()));
		const source = staticSource(createTestSnapshot());
		const {stdin, lastFrame, unmount} = render(
			<App
				source={source}
				controls={recordingControls()}
				explain={() => sections.filter(s => s.id === 'per-position')}
				columns={60}
				rows={20}
				initialExplain
			/>,
		);
		await vi.waitFor(() => expect(plain(lastFrame())).toMatch(/rows 1–\d+ of \d+ · PgUp\/PgDn scroll/), SETTLE);
		stdin.write('\u001B[6~');
		await vi.waitFor(() => expect(plain(lastFrame())).toMatch(/rows 6–\d+ of \d+ · PgUp\/PgDn scroll/), SETTLE);
		for (let i = 0; i < 20; i++) stdin.write('\u001B[6~');
		await vi.waitFor(() => expect(plain(lastFrame())).toMatch(/rows \d+–(\d+) of \1 · PgUp/), SETTLE);
		stdin.write('\u001B[5~');
		await vi.waitFor(() => expect(plain(lastFrame())).not.toMatch(/rows \d+–(\d+) of \1 · PgUp/), SETTLE);
		unmount();
	});

	it('the last explain topic is the keys help: the k limit, the multiplier bounds, what a k change means', async () => {
		const {stdin, lastFrame, unmount} = render(
			<App source={staticSource(createTestSnapshot({header: {maxK: 11}}))} controls={recordingControls()} explain={noExplain} rows={60} />,
		);
		stdin.write('e');
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('─ Explain 1/1: Keys and live changes'), SETTLE);
		const frame = plain(lastFrame()).replace(/\n /g, ' ');
		expect(frame).toContain('within 1..11 (the smallest of MAX_NUM_SPEC_TOKENS');
		expect(frame).toContain('within ×0.10..×10.00');
		expect(frame).toContain("applies at each engine's next step");
		expect(frame).toContain('"since k=N"');
		unmount();
	});

	it('draws the newest log lines in a log panel inside the frame, word-wrapped to its width and within its rows', () => {
		const lines = [
			{id: 0, text: 'INFO 01-01 00:00:00 [loggers.py:278] Engine 000: vllm cache_config_info with initialization after num_gpu_blocks is: 29043'},
			{id: 1, text: TEST_LOG_LINE},
			{id: 2, text: 'INFO 01-01 00:02:10 [loggers.py:259] Engine 000: Avg prompt throughput: 0.0 tokens/s'},
		];
		const snapshot = createTestSnapshot({logs: {lines}});
		for (const [columns, rows] of [
			[80, 60],
			[120, 50],
			[200, 50],
		] as const) {
			const frame = frameAt(columns, snapshot, false, rows);
			const at = `${columns}×${rows}:\n${frame}`;
			expect(frame.split('\n').length, at).toBeLessThanOrEqual(rows - 1);
			for (const line of frame.split('\n')) expect(line.length, at).toBeLessThanOrEqual(columns);
			// The panel sits above the keys; each line reads whole once its indented continuation rows are joined.
			const panel = frame.slice(frame.indexOf('─ Log  vLLM INFO lines, newest last'), frame.indexOf('p pause'));
			const shown = panel
				.trimEnd()
				.split('\n')
				.slice(1)
				.reduce<string[]>((acc, row) => {
					if (row.startsWith(' INFO ')) acc.push(row.trim());
					else acc[acc.length - 1] += ` ${row.trim()}`;
					return acc;
				}, []);
			expect(shown, at).toEqual(lines.map(l => l.text));
		}
		// Rows short: the newest lines that fit, whole; the oldest give way first.
		const short = frameAt(100, snapshot, false, 34);
		expect(short).toContain('─ Log ');
		expect(short).toContain('Avg prompt throughput: 0.0 tokens/s');
		expect(short).not.toContain('cache_config_info');
		expect(short.split('\n').length).toBeLessThanOrEqual(33);
		// 80×24: every other panel comes first, and the log panel gives way.
		const small = frameAt(80, snapshot, false, 24);
		expect(small).not.toContain('─ Log ');
		expect(small).not.toContain('INFO');
		expect(small.split('\n').length).toBeLessThanOrEqual(23);
	});

	it('re-renders when the source publishes', async () => {
		const source = staticSource(createTestSnapshot());
		const {lastFrame, unmount} = render(<App source={source} controls={recordingControls()} explain={noExplain} />);
		source.set(createTestSnapshot({header: {virtualS: 3725, paused: true}}));
		await vi.waitFor(() => expect(plain(lastFrame())).toContain('‖ paused  t=01:02:05'), SETTLE);
		unmount();
	});

	it('q exits the app and calls onQuit; later keys do nothing', async () => {
		const controls = recordingControls();
		const onQuit = vi.fn();
		const {stdin, unmount} = render(<App source={staticSource(createTestSnapshot())} controls={controls} explain={noExplain} onQuit={onQuit} />);
		stdin.write('q');
		await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(1), SETTLE);
		stdin.write('p');
		await new Promise(resolve => setTimeout(resolve, 20));
		expect(controls.calls).toEqual([]);
		unmount();
	});
});

describe('a short terminal', () => {
	function frameAtSize(columns: number, rows: number, snapshot: DashboardSnapshot = createTestSnapshot()): string {
		return plain(
			renderToString(<App source={staticSource(snapshot)} controls={recordingControls()} explain={noExplain} columns={columns} rows={rows} />, {
				columns,
			}),
		);
	}

	it('80×13: the formula gives way before the throughput rows', () => {
		const frame = frameAtSize(80, 13);
		expect(frame).toContain('drafts/s');
		expect(frame).not.toContain('mean acceptance length = 1 + accepted / drafts');
	});

	it('80×11: the headline keeps acceptance rate and mean acceptance length under the header', () => {
		const frame = frameAtSize(80, 11);
		expect(frame.split('\n')[0]).toMatch(/^specsim {2}/);
		expect(lineWith(frame, 'acceptance rate  ')).toMatch(/53\.3%\s+53\.3%\s+53\.5%$/);
		expect(lineWith(frame, 'mean accept. length')).toMatch(/2\.60\s+2\.60\s+2\.60$/);
		expect(frame).not.toContain('drafts/s');
	});
});

describe('spans without drafts', () => {
	it('a span with no drafts shows its mean acceptance length as missing, not 1.00', () => {
		const none = {numDrafts: 0, numDraftTokens: 0, numAcceptedTokens: 0, acceptanceRate: Number.NaN, meanAcceptanceLength: 1};
		const frame = frameAt(80, createTestSnapshot({interval: null, lifetime: none}));
		expect(lineWith(frame, 'mean accept. length')).toMatch(/—\s+—\s+2\.60$/);
		expect(frame).toContain('= 1 + 0 / 0 = —   model 2.60');
	});

	it('speculation off (--k 0): the header says so, the model column and the bars are empty', () => {
		const off = {numDrafts: 0, numDraftTokens: 0, numAcceptedTokens: 0, acceptanceRate: Number.NaN, meanAcceptanceLength: 1};
		const frame = frameAt(
			80,
			createTestSnapshot({
				header: {k: 0, speculative: false},
				interval: {...off, unconditionalRates: [], conditionalRates: [], acceptedPerPos: [], draftedPerPos: []},
				lifetime: {...off, unconditionalRates: [], conditionalRates: [], acceptedPerPos: [], draftedPerPos: []},
				// What the acceptance model would give at the preset's k: not what this run does.
				expected: {meanAcceptanceLength: 1.73, draftAcceptanceRate: 0.73, unconditionalRates: [0.73], conditionalRates: [0.73]},
			}),
		);
		expect(frame).toContain('specsim  llama-3.1-8b-eagle3  meta-llama/Llama-3.1-8B-Instruct  no speculation');
		expect(lineWith(frame, 'acceptance rate  ')).toMatch(/—\s+—\s+—$/);
		expect(lineWith(frame, 'mean accept. length')).toMatch(/—\s+—\s+—$/);
		expect(frame).not.toContain('1.73');
		expect(frame).toContain('speculative decoding is off (--k 0 or --method none): no draft positions');
	});
});
