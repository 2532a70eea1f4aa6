import {Box, Text} from 'ink';
import {fit, formatCount, formatFactor, formatLatency, formatPercent, formatRate} from '../format.js';
import type {EngineView, Percentiles} from '../snapshot.js';
import {flowRows} from '../reflow.js';
import Panel, {PANEL_CHROME} from './Panel.js';

type Props = {
	readonly engine: EngineView;
	/** Speedup estimates: the last interval's (undefined before the first tick) and since start. */
	readonly speedupInterval: number | undefined;
	readonly speedupLifetime: number;
	/** `since start` or `since k=N` (the span of `speedupLifetime`). */
	readonly lifetimeLabel: string;
	readonly logIntervalS: number;
	readonly width: number;
};

/**
 * The fault items of the state line (docs/faults.md), shown once a fault happened: errors and
 * aborts since start, and how many engines sleep now; and the requests the API server refused
 * with HTTP 400 (prompt and max_tokens beyond max_model_len), which never reach an engine.
 */
function faultItems(engine: EngineView): string[] {
	const items: string[] = [];
	if (engine.numRejected > 0) items.push(`rejected ${formatCount(engine.numRejected)}`);
	if (engine.numErrors > 0 || engine.numAborts > 0) items.push(`errors ${formatCount(engine.numErrors)}`, `aborts ${formatCount(engine.numAborts)}`);
	if (engine.numAsleep > 0) items.push(`asleep ${formatCount(engine.numAsleep)}`);
	return items;
}

/** Rows the panel takes at `width`: its title, the wrapping state line, two latency lines and the speedup. */
export function enginePanelRowCount(engine: EngineView, width: number): number {
	const items = [
		`running ${formatCount(engine.numRunning)}`,
		`waiting ${formatCount(engine.numWaiting)}`,
		`batch ${formatCount(engine.batchTokens)} tok`,
		`KV ${formatPercent(engine.kvUsage)}`,
		`output ${formatRate(engine.outputTokensPerS)} tok/s`,
		...faultItems(engine),
	];
	return (
		1 +
		flowRows(
			items.map(item => item.length),
			width - PANEL_CHROME,
			2,
		) +
		3
	);
}

/** The scheduler's state and latency: what `vllm:num_requests_*`, KV usage and the histograms show. */
export default function EnginePanel({engine, speedupInterval, speedupLifetime, lifetimeLabel, logIntervalS, width}: Props) {
	const latency = (label: string, p: Percentiles) => (
		<Text>
			{fit(label, 6)}p50 {fit(formatLatency(p.p50), 9, 'right')} p90 {fit(formatLatency(p.p90), 9, 'right')} p99{' '}
			{fit(formatLatency(p.p99), 9, 'right')}
		</Text>
	);
	return (
		<Panel title="Engine" subtitle="now; latencies since start" width={width}>
			<Box flexWrap="wrap" columnGap={2}>
				<Text>
					running <Text bold>{formatCount(engine.numRunning)}</Text>
				</Text>
				<Text>
					waiting <Text bold>{formatCount(engine.numWaiting)}</Text>
				</Text>
				<Text>
					batch <Text bold>{formatCount(engine.batchTokens)}</Text> tok
				</Text>
				<Text>
					KV <Text bold>{formatPercent(engine.kvUsage)}</Text>
				</Text>
				<Text>
					output <Text bold>{formatRate(engine.outputTokensPerS)}</Text> tok/s
				</Text>
				{faultItems(engine).map(item => {
					const [label, value] = item.split(' ');
					return (
						<Text key={label}>
							{label}{' '}
							<Text bold color={label === 'asleep' ? 'yellow' : 'red'}>
								{value}
							</Text>
						</Text>
					);
				})}
			</Box>
			{latency('TTFT', engine.ttft)}
			{latency('ITL', engine.interTokenLatency)}
			<Text wrap="truncate-end">
				est. speedup vs no spec{' '}
				<Text bold color="green">
					{formatFactor(speedupInterval)}
				</Text>
				<Text dimColor>{` last ${logIntervalS}s  `}</Text>
				{formatFactor(speedupLifetime)}
				<Text dimColor> {lifetimeLabel}</Text>
			</Text>
		</Panel>
	);
}
