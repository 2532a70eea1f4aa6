import {type Key, useInput} from 'ink';
import type {ControlNotice, DashboardControls} from '../controls.js';

/** View toggles the dashboard owns itself (they change nothing in the simulation). */
export type ViewActions = {
	readonly toggleConditional: () => void;
	readonly toggleExplain: () => void;
	readonly closeExplain: () => void;
	/** ← and → in the explain panel; elsewhere they say why they do nothing. */
	readonly moveExplain: (step: 1 | -1) => ControlNotice;
	/** PgDn and PgUp in the explain panel; outside it they say why they do nothing. */
	readonly scrollExplain: (step: 1 | -1) => ControlNotice;
	/** `?` and `h`: the explain panel at its last topic, the keys. */
	readonly showKeys: () => void;
	readonly quit: () => void;
	/** After every key: what a simulation key reported when it did nothing, else undefined (clears the line). */
	readonly notify: (notice: ControlNotice) => void;
};

/**
 * The dashboard's keys: `p` pause, `+`/`-` speed, `[`/`]` k, `↑`/`↓` acceptance, `t` rates,
 * `e` explain (`←`/`→` change topic, PgUp/PgDn scroll, Esc closes), `r` reset, `q` quit, `?`/`h`
 * the keys help. `=` and `_` count as `+` and `-`, so the unshifted key works too, and a capital as
 * its letter (Caps Lock). Any other printable key says it is not a key rather than doing nothing.
 */
export default function useDashboardKeys(controls: DashboardControls, view: ViewActions): void {
	useInput((input, key) => {
		// A held key or a fast typist can deliver several characters in one chunk: act on each.
		if (input.length > 1 && !key.ctrl && !key.meta) {
			let notice: ControlNotice;
			for (const char of input) notice = handle(char, key);
			view.notify(notice);
		} else {
			view.notify(handle(input, key));
		}
	});

	function handle(input: string, key: Key): ControlNotice {
		if (key.upArrow) return controls.raiseAcceptance();
		if (key.downArrow) return controls.lowerAcceptance();
		if (key.escape) return viewAction(view.closeExplain);
		if (key.rightArrow) return view.moveExplain(1);
		if (key.leftArrow) return view.moveExplain(-1);
		if (key.pageDown) return view.scrollExplain(1);
		if (key.pageUp) return view.scrollExplain(-1);
		switch (input.length === 1 ? input.toLowerCase() : input) {
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
				return viewAction(view.toggleConditional);
			case 'e':
				return viewAction(view.toggleExplain);
			case 'r':
				return controls.reset();
			case 'q':
				return viewAction(view.quit);
			case '?':
			case 'h':
				return viewAction(view.showKeys);
			default:
				// Enter, Tab, Ctrl/Alt chords and escape sequences stay silent; a printable key says what to press.
				return input.length === 1 && input >= ' ' && input !== '\u007f' && !key.ctrl && !key.meta
					? `${input === ' ' ? 'space' : input} is not a key: ? shows the keys`
					: undefined;
		}
	}
}

/** Run a view action; it never reports anything. */
function viewAction(action: () => void): ControlNotice {
	action();
	return undefined;
}
