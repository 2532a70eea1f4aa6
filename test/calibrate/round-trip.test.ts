import {describe, expect, it} from 'vitest';
import {calibrate} from '../../src/calibrate/calibrate.js';
import {collectTexts} from '../../src/calibrate/collect.js';
import type {CalibrationResult} from '../../src/calibrate/report.js';
import {DEFAULT_PRESET, loadPreset, validateConfig} from '../../src/config/load.js';
import type {SimConfig, SimConfigInput} from '../../src/config/schema.js';
import {LOG_FORMATS, type LogFormat} from '../../src/metrics/log/formats.js';
import {formatLogLine} from '../../src/metrics/log/log-prefix.js';
import {buildSimulation} from '../../src/sim/build.js';

const DURATION_S = 300;

/** Run a preset and return its log lines (with vLLM's logger prefix) and its lifetime spec counts. */
function simulate(config: SimConfig, seed: number) {
	const built = buildSimulation(config, {seed});
	const lines: string[] = [];
	built.simulation.subscribe({
		onLog: (engine, t, message) => lines.push(`(APIServer pid=${engine + 1}) ${formatLogLine(message, 1.7e12 + t * 1000, config.logging.format)}`),
	});
	built.simulation.runUntil(DURATION_S);
	const spec = built.metrics[0]!.lifetime.spec;
	const k = config.speculative.numSpecTokens;
	return {
		lines,
		numDrafts: spec.numDrafts,
		numDraftTokens: spec.numDraftTokens,
		numAcceptedTokens: spec.numAcceptedTokens,
		acceptedPerPos: Array.from(spec.acceptedPerPos(new Float64Array(k))),
	};
}

function calibrateLines(lines: readonly string[], base: SimConfigInput): CalibrationResult {
	return calibrate(collectTexts([['sim.log', `${lines.join('\n')}\n`]]), {base});
}

/** |a − b| within 4 combined standard errors. */
function expectWithin4Se(a: number, seA: number, b: number, seB: number, what: string): void {
	const bound = 4 * Math.hypot(seA, seB);
	expect(Math.abs(a - b), `${what}: ${a} vs ${b}, 4 SE = ${bound}`).toBeLessThanOrEqual(bound);
}

async function basePreset(format: LogFormat, heterogeneity?: number): Promise<{input: SimConfigInput; config: SimConfig}> {
	const {input} = await loadPreset(DEFAULT_PRESET);
	const speculative: Record<string, unknown> = {...input.speculative};
	if (heterogeneity === undefined) delete speculative['heterogeneity'];
	else speculative['heterogeneity'] = {concentration: heterogeneity};
	const next = {...input, speculative, logging: {...input.logging, format}} as SimConfigInput;
	return {input: next, config: validateConfig(next, 'test preset')};
}

describe('calibrating lines specsim printed reproduces them', () => {
	it.each(LOG_FORMATS)('%s lines: counts reconstruct; the calibrated preset reproduces mean length and per-position rates', async format => {
		const {input, config} = await basePreset(format);
		const original = simulate(config, 11);
		expect(original.lines.length).toBeGreaterThanOrEqual(25);
		const first = calibrateLines(original.lines, input);
		// Totals are exact; per-position sums within the 3-decimal rounding of each line (~4000 drafts per line).
		expect(first.counts).toMatchObject({
			k: 3,
			numDrafts: original.numDrafts,
			numDraftTokens: original.numDraftTokens,
			numAcceptedTokens: original.numAcceptedTokens,
		});
		first.counts.perPosition!.acceptedPerPos.forEach((a, i) => {
			expect(Math.abs(a - original.acceptedPerPos[i]!)).toBeLessThanOrEqual(original.lines.length * 3);
		});
		expect(first.preset.speculative.numSpecTokens).toBe(3);
		expect(first.preset.speculative.heterogeneity).toBeUndefined();
		expect(first.preset.logging?.format).toBe(format);

		const calibrated = validateConfig(first.preset, 'calibrated preset');
		const again = simulate(calibrated, 12);
		const second = calibrateLines(again.lines, input);
		const L1 = first.fit.meanAcceptanceLength;
		const L2 = second.fit.meanAcceptanceLength;
		expectWithin4Se(L1.value, L1.se, L2.value, L2.se, 'mean acceptance length');
		for (let i = 0; i < 3; i++) {
			const p1 = first.fit.positions![i]!;
			const p2 = second.fit.positions![i]!;
			expectWithin4Se(p1.unconditional, p1.unconditionalSe, p2.unconditional, p2.unconditionalSe, `r_${i}`);
			expectWithin4Se(p1.conditional, p1.conditionalSe, p2.conditional, p2.conditionalSe, `c_${i}`);
		}
	});

	it('with per-request heterogeneity: detects overdispersion, widens the errors, and still reproduces the per-draft rates', async () => {
		const {input, config} = await basePreset('throughput', 4);
		const original = simulate(config, 21);
		const first = calibrateLines(original.lines, input);
		expect(first.fit.dispersion!.phi).toBeGreaterThan(1.5);
		expect(first.warnings.some(w => w.kind === 'dispersion')).toBe(true);
		const binomialSe = Math.sqrt((first.fit.positions![0]!.unconditional * (1 - first.fit.positions![0]!.unconditional)) / first.fit.numDrafts);
		expect(first.fit.positions![0]!.unconditionalSe).toBeCloseTo(binomialSe * first.fit.dispersion!.inflation, 12);
		const again = simulate(validateConfig(first.preset, 'calibrated preset'), 22);
		const second = calibrateLines(again.lines, input);
		expectWithin4Se(
			first.fit.meanAcceptanceLength.value,
			first.fit.meanAcceptanceLength.se,
			second.fit.meanAcceptanceLength.value,
			second.fit.meanAcceptanceLength.se,
			'mean acceptance length',
		);
		for (let i = 0; i < 3; i++) {
			const p1 = first.fit.positions![i]!;
			const p2 = second.fit.positions![i]!;
			expectWithin4Se(p1.unconditional, p1.unconditionalSe, p2.unconditional, p2.unconditionalSe, `r_${i}`);
		}
	});

	it('a preset calibrated to a larger k keeps the observed positions and extends them', async () => {
		const {input, config} = await basePreset('classic');
		const result = calibrate(collectTexts([['sim.log', simulate(config, 31).lines.join('\n')]]), {base: input, k: 6});
		const rates = (result.preset.speculative.acceptance as {rates: number[]}).rates;
		expect(result.preset.speculative.numSpecTokens).toBe(6);
		expect(rates).toHaveLength(6);
		expect(rates.slice(0, 3)).toEqual(result.fit.positions!.map(p => Math.round(p.conditional * 1e6) / 1e6));
		expect(result.preset.published![0]!.numSpecTokens).toBe(3);
		expect(validateConfig(result.preset, 'k = 6 preset').speculative.numSpecTokens).toBe(6);
	});
});
