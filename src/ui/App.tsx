import {Box, Text, useApp} from 'ink';
import {useRef, useState} from 'react';
import type {DashboardControls} from './controls.js';
import EnginePanel, {enginePanelRowCount} from './components/EnginePanel.js';
import ExplainPanel, {explainRows, maxExplainScroll} from './components/ExplainPanel.js';
import Footer, {footerRowCount} from './components/Footer.js';
import Header, {headerRowCount} from './components/Header.js';
import Headline, {headlineRowCount} from './components/Headline.js';
import LogPanel, {LOG_PANEL_MIN_ROWS} from './components/LogPanel.js';
import PositionBars, {positionBarsRowCount} from './components/PositionBars.js';
import Trends, {TRENDS_ROWS} from './components/Trends.js';
import {explainNumbersOf, type ExplainFn} from './explain-numbers.js';
import {cumulativeLabel, formatFixed, intervalSeconds, mixedIntervalNote} from './format.js';
import {keysHelpSection} from './help.js';
import useDashboardKeys from './hooks/use-dashboard-keys.js';
import useSnapshot from './hooks/use-snapshot.js';
import useTerminalSize from './hooks/use-terminal-size.js';
import type {DashboardSnapshot, SnapshotSource} from './snapshot.js';

type Props = {
	/** Immutable snapshots, published about 10 times a second. */
	readonly source: SnapshotSource;
	/** What the simulation keys do. */
	readonly controls: DashboardControls;
	/** Sections of the `e` panel from the live numbers. */
	readonly explain: ExplainFn;
	/** Fixed width in columns (tests, captures); the terminal's width, following resizes, otherwise. */
	readonly columns?: number;
	/** Fixed height in rows (tests, captures); the terminal's height otherwise. */
	readonly rows?: number;
	/** Called when `q` is pressed, after the app asks Ink to exit. */
	readonly onQuit?: () => void;
	/** Start with conditional rates shown. @default false */
	readonly initialConditional?: boolean;
	/** Start with the explain panel open. @default false */
	readonly initialExplain?: boolean;
};

/** Two columns from this width up; one below. */
export const WIDE_COLUMNS = 110;

/** The model column when speculation is off: every figure missing. */
const NO_MODEL: DashboardSnapshot['expected'] = {
	unconditionalRates: [],
	conditionalRates: [],
	meanAcceptanceLength: Number.NaN,
	draftAcceptanceRate: Number.NaN,
};

/** Rows a scroll key moves the explain panel. */
const SCROLL_STEP = 5;

/**
 * The live dashboard: header, headline metrics, per-position bars, sparklines, the engine panel,
 * vLLM's log lines, and the keys. It renders snapshots only; the keys act through `controls`, and
 * `q` exits Ink (the caller decides the exit code). Nothing else is written to the terminal while
 * it is up: a line written above Ink's frame wraps at the terminal's width and makes Ink redraw.
 *
 * The live frame stays shorter than the terminal, so the header never scrolls away: the panels
 * below the headline figures give way first (the log panel, bars past the rows left, then trends,
 * then the engine panel), and a long explain topic scrolls.
 */
export default function App({source, controls, explain, columns, rows, onQuit, initialConditional = false, initialExplain = false}: Props) {
	const snapshot = useSnapshot(source);
	const {columns: width, rows: height} = useTerminalSize({
		...(columns === undefined ? {} : {columns}),
		...(rows === undefined ? {} : {rows}),
	});
	// The explain panel's largest scroll offset at the last render (keys clamp to it).
	const maxScroll = useRef(0);
	const {exit} = useApp();
	const [conditional, setConditional] = useState(initialConditional);
	// The view the keys act on. Ink installs a new key handler only after the frame is painted, so a
	// key that arrives in between (typed fast, pasted) reaches the previous render's handler: the ref
	// holds the view as the last key left it, and the state repaints it.
	const [{explaining, explainIndex, scroll}, setExplainView] = useState({explaining: initialExplain, explainIndex: 0, scroll: 0});
	const view = useRef({explaining, explainIndex, scroll});
	const setView = (next: typeof view.current): void => {
		view.current = next;
		setExplainView(next);
	};
	const [notice, setNotice] = useState<string | undefined>(undefined);
	useDashboardKeys(controls, {
		notify: setNotice,
		toggleConditional: () => setConditional(c => !c),
		toggleExplain: () => setView({...view.current, explaining: !view.current.explaining}),
		closeExplain: () => {
			if (view.current.explaining) setView({...view.current, explaining: false});
		},
		moveExplain: step => {
			if (!view.current.explaining) return `${step > 0 ? '→' : '←'} does nothing here: it changes the explain topic (e opens the panel)`;
			setView({...view.current, explainIndex: view.current.explainIndex + step, scroll: 0});
			return undefined;
		},
		scrollExplain: step => {
			const name = step > 0 ? 'PgDn' : 'PgUp';
			if (!view.current.explaining) return `${name} does nothing here: it scrolls the explain panel (e opens it)`;
			// In the panel a scroll at its limit stays silent: the panel's `rows a–b of n` line shows where
			// it is, and a notice would take a row from the panel and move that limit.
			const max = maxScroll.current;
			setView({...view.current, scroll: Math.min(max, Math.max(0, Math.min(view.current.scroll, max) + step * SCROLL_STEP))});
			return undefined;
		},
		showKeys: () => setView({...view.current, explaining: true, explainIndex: -1, scroll: 0}),
		quit: () => {
			exit();
			onQuit?.();
		},
	});
	const {header, interval, lifetime} = snapshot;
	// Without speculation the acceptance model predicts nothing about this run.
	const expected = header.speculative ? snapshot.expected : NO_MODEL;
	const wide = width >= WIDE_COLUMNS;
	const column = wide ? Math.floor((width - 1) / 2) : width;
	const span = interval ?? lifetime;
	const lifetimeLabel = cumulativeLabel(snapshot.kChange);
	// What the last-interval figures cover: the log interval, less right after a reset.
	const intervalS = interval === undefined ? header.logIntervalS : intervalSeconds(interval.durationS, header.logIntervalS);
	const intervalNote = interval === undefined ? undefined : mixedIntervalNote(snapshot.intervalKs, header.k, intervalS);
	const spanLabel = interval === undefined ? lifetimeLabel : (intervalNote ?? `last ${intervalS}s`);
	// Rows for the panels: the terminal minus the header, the keys, the status lines, and the row
	// the cursor rests on (a frame as tall as the terminal makes Ink clear and rewrite the screen).
	// On a terminal too small for both, the keys give way to the header (`?` still shows them).
	const withoutFooter = height - 1 - headerRowCount(header, width) - (header.done ? 1 : 0) - (notice === undefined ? 0 : 1);
	const showFooter = withoutFooter >= footerRowCount(width);
	const budget = showFooter ? withoutFooter - footerRowCount(width) : withoutFooter;
	// Priority: headline figures, a few bars, the engine panel, the trends, the other bars, then the log.
	const headlineRows = headlineRowCount(intervalNote, budget);
	const numPositions = span.unconditionalRates.length;
	const engineRows = enginePanelRowCount(snapshot.engine, column);
	const belowHeadline = Math.max(0, budget - headlineRows);
	const minBars = positionBarsRowCount(numPositions, Math.min(belowHeadline, 4));
	// Wide: the right column (trends, engine) has the whole budget; narrow: what the minimal bars leave.
	let rest = wide ? budget : belowHeadline - minBars;
	const showEngine = rest >= engineRows;
	if (showEngine) rest -= engineRows;
	const showTrends = rest >= TRENDS_ROWS;
	if (showTrends) rest -= TRENDS_ROWS;
	const barsRows = positionBarsRowCount(numPositions, wide ? belowHeadline : minBars + rest);
	// The log panel, full width below the others, takes the rows they leave.
	const rightRows = (showTrends ? TRENDS_ROWS : 0) + (showEngine ? engineRows : 0);
	const logRows = budget - (wide ? Math.max(headlineRows + barsRows, rightRows) : headlineRows + barsRows + rightRows);
	const left = (
		<Box flexDirection="column" width={column}>
			<Headline
				interval={interval}
				lifetime={lifetime}
				lifetimeLabel={lifetimeLabel}
				intervalNote={intervalNote}
				expected={expected}
				logIntervalS={intervalS}
				width={column}
				maxRows={budget}
			/>
			<PositionBars
				rates={conditional ? span.conditionalRates : span.unconditionalRates}
				expected={conditional ? expected.conditionalRates : expected.unconditionalRates}
				conditional={conditional}
				spanLabel={spanLabel}
				modelNote={
					// The model's closed forms are for full-length drafts; n-gram and suffix proposers draft
					// only what they find, so their counters fall short of it (as the run summary says).
					header.speculative && span.numDrafts > 0 && span.numDraftTokens < span.numDrafts * header.k
						? `model: full k=${header.k} drafts (these: ${formatFixed(span.meanDraftTokens)} tokens)`
						: undefined
				}
				width={column}
				maxRows={barsRows}
			/>
		</Box>
	);
	const right = (
		<Box flexDirection="column" width={column}>
			{showTrends ? <Trends history={snapshot.history} width={column} /> : null}
			{showEngine ? (
				<EnginePanel
					engine={snapshot.engine}
					speedupInterval={interval?.estimatedSpeedup}
					speedupLifetime={lifetime.estimatedSpeedup}
					lifetimeLabel={lifetimeLabel}
					logIntervalS={intervalS}
					width={column}
				/>
			) : null}
		</Box>
	);
	const sections = explaining ? [...explain(explainNumbersOf(snapshot)), keysHelpSection(header)] : [];
	const explainMaxRows = budget;
	if (explaining && sections.length > 0) {
		const section = sections[((explainIndex % sections.length) + sections.length) % sections.length]!;
		maxScroll.current = maxExplainScroll(explainRows(section, width).length, explainMaxRows);
	}
	return (
		<Box flexDirection="column" width={width}>
			<Header header={header} width={width} />
			{explaining ? (
				<ExplainPanel sections={sections} index={explainIndex} width={width} maxRows={explainMaxRows} scroll={scroll} />
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
			{!explaining && logRows >= LOG_PANEL_MIN_ROWS ? <LogPanel lines={snapshot.logs.lines} width={width} maxRows={logRows} /> : null}
			{header.done ? <Text color="gray">finished: the run reached its --duration; q quits</Text> : null}
			{notice === undefined ? null : (
				<Text color="yellow" wrap="truncate-end">
					{notice}
				</Text>
			)}
			{showFooter ? <Footer width={width} /> : null}
		</Box>
	);
}
