import type {Context, Hono} from 'hono';
import type {SleepTag} from '../engine/faults.js';
import {formatLogTimestamp} from '../metrics/log/log-prefix.js';
import type {Session} from '../runtime/session.js';

/** The memory tags vLLM's `/wake_up?tags=` takes (`CuMemAllocator` tags: weights, KV cache). */
const TAGS: readonly SleepTag[] = ['weights', 'kv_cache'];

/**
 * `[file:line]` of `logger.info("wake up the engine with tags: %s", tags)` in vLLM's sleep router
 * (`entrypoints/serve/dev/sleep/api_router.py`, line 38 of its newest stored version).
 */
const WAKE_UP_CALL_SITE = 'api_router.py:38';

/** Python's `repr` of a list of strings, `['weights', 'kv_cache']`, or `None`. */
function pythonList(tags: readonly string[] | undefined): string {
	return tags === undefined ? 'None' : `[${tags.map(t => `'${t}'`).join(', ')}]`;
}

/** vLLM's 400 body, naming the query parameter. */
function badRequest(c: Context, param: string, message: string): Response {
	return c.json({error: {message, type: 'BadRequestError', param, code: 400}}, 400);
}

/** Options of {@link registerSleepEndpoints}. */
export type SleepEndpointOptions = {
	/** `--enable-sleep-mode`: without it `/sleep` and `/wake_up` are refused (vLLM's engine refuses them). */
	readonly enabled: boolean;
	/** Receives the API server's INFO line of each `/wake_up`. */
	readonly onLogLine?: (line: string) => void;
};

/**
 * vLLM's sleep-mode development endpoints (`VLLM_SERVER_DEV_MODE=1`): `POST /sleep?level=L&mode=M`,
 * `POST /wake_up[?tags=T...]`, `GET /is_sleeping`. They act on every engine at the wall clock's
 * virtual time, as `AsyncLLM.sleep` and `wake_up` reach every engine core: the same sleep and
 * wake-up as a scheduled `--sleep` interval (docs/faults.md), with the same log lines and
 * `vllm:engine_sleep_state`. `/sleep` and `/wake_up` answer 200 with an empty body once the call
 * has taken effect (`mode=wait`: once the running requests have finished and the engines sleep).
 */
export function registerSleepEndpoints(app: Hono, session: Session, options: SleepEndpointOptions): void {
	const simulation = session.built.simulation;
	const runner = session.runner;
	/** `/sleep?mode=wait` calls waiting for the engines to drain. */
	const waiters = new Set<() => void>();
	const settle = (): void => {
		if (waiters.size === 0 || simulation.sleepState().draining) return;
		for (const resolve of waiters) resolve();
		waiters.clear();
	};
	// A drain ends with a step (the engine falls asleep after it) or with a wake-up that cancels it.
	session.subscribe({onSleepState: settle, onStep: () => queueMicrotask(settle)});
	const disabled = (c: Context): Response =>
		c.json(
			{
				error: {
					message: 'Sleep mode is not enabled: start specsim serve with --enable-sleep-mode',
					type: 'BadRequestError',
					param: null,
					code: 400,
				},
			},
			400,
		);

	app.post('/sleep', async c => {
		if (!options.enabled) return disabled(c);
		const levelText = c.req.query('level') ?? '1';
		if (levelText === '0') return badRequest(c, 'level', 'level 0 (pause scheduling without sleeping) is not simulated: use level 1 or 2');
		if (levelText !== '1' && levelText !== '2') return badRequest(c, 'level', `level must be 1 or 2, got "${levelText}"`);
		const mode = c.req.query('mode') ?? 'abort';
		if (mode === 'keep') return badRequest(c, 'mode', 'mode "keep" is not simulated: use abort or wait');
		if (mode !== 'abort' && mode !== 'wait') return badRequest(c, 'mode', `mode must be abort or wait, got "${mode}"`);
		if (c.req.queries('tags') !== undefined) return badRequest(c, 'tags', 'sleeping by memory tags is not simulated: use level');
		// At the wall clock's virtual time, as a request arrives (Runner.catchUp).
		runner.catchUp();
		simulation.sleepNow(levelText === '1' ? 1 : 2, mode);
		runner.wake();
		// mode=wait returns once the engines have drained and fallen asleep (or a wake-up cancelled it).
		if (simulation.sleepState().draining) await new Promise<void>(resolve => waiters.add(resolve));
		return c.body(null, 200);
	});

	app.post('/wake_up', c => {
		if (!options.enabled) return disabled(c);
		const given = c.req.queries('tags');
		const tags = given === undefined || given.length === 0 ? undefined : given;
		const unknown = tags?.find(t => !TAGS.includes(t as SleepTag));
		if (unknown !== undefined) return badRequest(c, 'tags', `unknown tag "${unknown}": the tags are weights and kv_cache`);
		runner.catchUp();
		options.onLogLine?.(
			`INFO ${formatLogTimestamp(session.epochMsAt(session.now))} [${WAKE_UP_CALL_SITE}] wake up the engine with tags: ${pythonList(tags)}`,
		);
		simulation.wakeUpNow(tags as SleepTag[] | undefined);
		runner.wake();
		settle();
		return c.body(null, 200);
	});

	app.get('/is_sleeping', c => c.json({is_sleeping: simulation.sleepState().sleeping}));
}
