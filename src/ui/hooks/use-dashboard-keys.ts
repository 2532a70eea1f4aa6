import {useInput} from 'ink';
import type {DashboardControls} from '../controls.js';

/** View toggles the dashboard owns itself (they change nothing in the simulation). */
export type ViewActions = {
	readonly toggleConditional: () => void;
	readonly toggleExplain: () => void;
	readonly closeExplain: () => void;
	/** ← and → in the explain panel. */
	readonly moveExplain: (step: 1 | -1) => void;
	readonly quit: () => void;
};

/**
 * The dashboard's keys: `p` pause, `+`/`-` speed, `[`/`]` k, `↑`/`↓` acceptance, `t` rates,
 * `e` explain (`←`/`→` change topic, Esc closes), `r` reset, `q` quit. `=` and `_` count as `+`
 * and `-`, so the unshifted key works too.
 */
export default function useDashboardKeys(controls: DashboardControls, view: ViewActions): void {
	useInput((input, key) => {
		if (key.upArrow) return controls.raiseAcceptance();
		if (key.downArrow) return controls.lowerAcceptance();
		if (key.escape) return view.closeExplain();
		if (key.rightArrow) return view.moveExplain(1);
		if (key.leftArrow) return view.moveExplain(-1);
		switch (input) {
			case 'p':
				return controls.togglePause();
			case '+':
			case '=':
				return controls.faster();
			case '-':
			case '_':
				return controls.slower();
			case ']':
				return controls.increaseK();
			case '[':
				return controls.decreaseK();
			case 't':
				return view.toggleConditional();
			case 'e':
				return view.toggleExplain();
			case 'r':
				return controls.reset();
			case 'q':
				return view.quit();
			default:
				return undefined;
		}
	});
}
