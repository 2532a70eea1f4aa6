import {Box, Text, useApp} from 'ink';
import {useState} from 'react';
import type {DashboardControls} from './controls.js';
import EnginePanel from './components/EnginePanel.js';
import ExplainPanel from './components/ExplainPanel.js';
import Footer from './components/Footer.js';
import Header from './components/Header.js';
import Headline from './components/Headline.js';
import LogLines from './components/LogLines.js';
import PositionBars from './components/PositionBars.js';
import Trends from './components/Trends.js';
import {explainNumbersOf, type ExplainFn} from './explain-numbers.js';
import {cumulativeLabel, mixedIntervalNote} from './format.js';
import useDashboardKeys from './hooks/use-dashboard-keys.js';
import useSnapshot from './hooks/use-snapshot.js';
import useTerminalWidth from './hooks/use-terminal-width.js';
import type {SnapshotSource} from './snapshot.js';

type Props = {
	/** Immutable snapshots, published about 10 times a second. */
	readonly source: SnapshotSource;
	/** What the simulation keys do. */
	readonly controls: DashboardControls;
	/** Sections of the `e` panel from the live numbers. */
	readonly explain: ExplainFn;
	/** Fixed width in columns (tests, captures); the terminal's width, following resizes, otherwise. */
	readonly columns?: number;
	/** Called when `q` is pressed, after the app asks Ink to exit. */
	readonly onQuit?: () => void;
	/** Start with conditional rates shown. @default false */
	readonly initialConditional?: boolean;
	/** Start with the explain panel open. @default false */
	readonly initialExplain?: boolean;
};

/** Two columns from this width up; one below. */
export const WIDE_COLUMNS = 110;

/**
 * The live dashboard: vLLM log lines above (printed once), then header, headline metrics,
 * per-position bars, sparklines and the engine panel, and the keys. It renders snapshots only;
 * the keys act through `controls`, and `q` exits Ink (the caller decides the exit code).
 */
export default function App({source, controls, explain, columns, onQuit, initialConditional = false, initialExplain = false}: Props) {
	const snapshot = useSnapshot(source);
	const width = useTerminalWidth(columns);
	const {exit} = useApp();
	const [conditional, setConditional] = useState(initialConditional);
	// One state, updated functionally: Ink installs a new key handler only after the frame is
	// painted, so a key that arrives in between (typed fast, pasted) reaches the previous render's
	// handler; reading the view from that render's closure would drop it.
	const [{explaining, explainIndex}, setExplainView] = useState({explaining: initialExplain, explainIndex: 0});
	const [notice, setNotice] = useState<string | undefined>(undefined);
	useDashboardKeys(controls, {
		notify: setNotice,
		toggleConditional: () => setConditional(c => !c),
		toggleExplain: () => setExplainView(v => ({...v, explaining: !v.explaining})),
		closeExplain: () => setExplainView(v => (v.explaining ? {...v, explaining: false} : v)),
		moveExplain: step => setExplainView(v => (v.explaining ? {...v, explainIndex: v.explainIndex + step} : v)),
		quit: () => {
			exit();
			onQuit?.();
		},
	});
	const {header, interval, lifetime, expected} = snapshot;
	const wide = width >= WIDE_COLUMNS;
	const column = wide ? Math.floor((width - 1) / 2) : width;
	const span = interval ?? lifetime;
	const lifetimeLabel = cumulativeLabel(snapshot.kChange);
	const intervalNote = interval === undefined ? undefined : mixedIntervalNote(snapshot.intervalKs, header.k, header.logIntervalS);
	const spanLabel = interval === undefined ? lifetimeLabel : (intervalNote ?? `last ${header.logIntervalS}s`);
	const left = (
		<Box flexDirection="column" width={column}>
			<Headline
				interval={interval}
				lifetime={lifetime}
				lifetimeLabel={lifetimeLabel}
				intervalNote={intervalNote}
				expected={expected}
				logIntervalS={header.logIntervalS}
				width={column}
			/>
			<PositionBars
				rates={conditional ? span.conditionalRates : span.unconditionalRates}
				expected={conditional ? expected.conditionalRates : expected.unconditionalRates}
				conditional={conditional}
				spanLabel={spanLabel}
				width={column}
			/>
		</Box>
	);
	const right = (
		<Box flexDirection="column" width={column}>
			<Trends history={snapshot.history} width={column} />
			<EnginePanel
				engine={snapshot.engine}
				speedupInterval={interval?.estimatedSpeedup}
				speedupLifetime={lifetime.estimatedSpeedup}
				lifetimeLabel={lifetimeLabel}
				logIntervalS={header.logIntervalS}
				width={column}
			/>
		</Box>
	);
	return (
		<Box flexDirection="column" width={width}>
			<LogLines logs={snapshot.logs} />
			<Header header={header} width={width} />
			{explaining ? (
				<ExplainPanel sections={explain(explainNumbersOf(snapshot))} index={explainIndex} width={width} />
			) : wide ? (
				<Box flexDirection="row" columnGap={1}>
					{left}
					{right}
				</Box>
			) : (
				<Box flexDirection="column">
					{left}
					{right}
				</Box>
			)}
			{header.done ? <Text color="gray">finished: the run reached its --duration; q quits</Text> : null}
			{notice === undefined ? null : (
				<Text color="yellow" wrap="truncate-end">
					{notice}
				</Text>
			)}
			<Footer width={width} />
		</Box>
	);
}
