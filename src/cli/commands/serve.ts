import {type Command, Option} from 'commander';
import {DEFAULT_PRESET} from '../../config/load.js';
import {QPS_RANGE} from '../../config/schema.js';
import {readProcessStats} from '../../server/process-stats.js';
import {Session} from '../../runtime/session.js';
import {MAX_NUM_SPEC_TOKENS} from '../../speculative/limits.js';
import {resolveMethodName} from '../../speculative/proposers/methods.js';
import {startOpenAiServer} from '../../server/openai-server.js';
import type {SpecDecodeMetricsLevel} from '../../server/serve-engine.js';
import {UserError} from '../../util/user-error.js';
import type {Output} from '../options.js';
import {addMetricsFlags, type MetricsFlags, parseMetricsFlags} from '../metrics-flags.js';
import {buildChecked, parseInteger, parseSpeed, parseStartFlag, resolveSimConfig, speedOption, type SimFlags} from '../sim-options.js';
import {listenForStopSignals, parsePort, type RunEnvironment, runDashboard, serverLog} from './run.js';

/** The simulation flags `serve` shares with `run`: the preset, the seed, prefix caching, faults and KV metrics. */
type ServeSimFlags = Pick<SimFlags, 'preset' | 'seed' | 'enablePrefixCaching' | 'errorRate' | 'abortRate' | 'abortAfter' | 'sleep'> & MetricsFlags;

type ServeFlags = ServeSimFlags & {
	host: string;
	port: string;
	speed: string;
	start?: string;
	servedModelName?: string[];
	speculativeConfig?: string;
	maxNumSeqs?: string;
	maxNumBatchedTokens?: string;
	maxModelLen?: string;
	numGpuBlocksOverride?: string;
	apiKey?: string;
	enableForceIncludeUsage: boolean;
	enablePerRequestMetrics: boolean;
	enablePromptTokensDetails: boolean;
	maxLogprobs?: string;
	perRequestSpecDecodeMetrics: SpecDecodeMetricsLevel;
	backgroundQps?: string;
	headless: boolean;
	enableSleepMode?: boolean;
};

/** The keys of vLLM's `--speculative-config` that specsim reads (`model` is accepted and only named). */
const SPECULATIVE_KEYS = new Set(['method', 'num_speculative_tokens', 'model']);

/**
 * `specsim serve [MODEL]`: the simulated engine behind vLLM's OpenAI-compatible API, with vLLM's
 * flag names where the concept exists so a script can swap `vllm serve` for it.
 */
export function registerServe(program: Command, output: Output, env: RunEnvironment): void {
	const command = program
		.command('serve [model]')
		.description("serve the simulated engine over vLLM's OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions, /metrics, ...)")
		.option('--host <host>', 'address to listen on', '127.0.0.1')
		.option('--port <n>', 'port to listen on (0 picks a free port and prints it)', '8000')
		.option('--served-model-name <names...>', "model names the API answers to (default: MODEL, else the preset's servedModelName)")
		.option('--speculative-config <json>', 'vLLM\'s speculative config: {"method": ..., "num_speculative_tokens": k}')
		.option('--max-num-seqs <n>', 'most requests running at once (scheduler.maxNumSeqs)')
		.option('--max-num-batched-tokens <n>', 'token budget of one step (scheduler.maxNumBatchedTokens)')
		.option('--max-model-len <n>', 'longest prompt + output in tokens (scheduler.maxModelLen)')
		.option('--num-gpu-blocks-override <n>', "KV cache blocks per engine instead of those the GPU memory gives (vLLM's flag; scheduler.numKvBlocks)")
		.option('--enable-prefix-caching', "vLLM's automatic prefix caching: prompts sharing a prefix share KV blocks (default: the preset's, on)")
		.option('--no-enable-prefix-caching', 'turn prefix caching off')
		.option('--api-key <key>', 'require Authorization: Bearer KEY on every /v1 request')
		.option('--enable-force-include-usage', 'end every stream with a usage chunk, whether or not stream_options.include_usage asks', false)
		.option('--enable-per-request-metrics', "timing metrics (TTFT, queue, decode, ITL, tokens/s) in each response's metrics object", false)
		.option(
			'--enable-prompt-tokens-details',
			'report the prompt tokens found in the prefix cache as cached_tokens in usage.prompt_tokens_details',
			false,
		)
		.option('--max-logprobs <n>', 'largest logprobs / top_logprobs / prompt_logprobs a request may ask for (-1: the vocabulary)', '20')
		.addOption(
			new Option('--per-request-spec-decode-metrics <level>', "per-request acceptance metrics in each response's metrics.speculative_decoding")
				.choices(['none', 'summary', 'detailed'])
				.default('none'),
		)
		.option('--background-qps <x>', "keep the preset's synthetic workload running at this rate beside real clients (default 0: none)")
		.option('--start <iso-time>', "wall-clock time of virtual time 0: log timestamps, responses' created (default: when the server starts)")
		.option('--headless', 'print log lines instead of the dashboard (implied when stdin or stdout is not a terminal)', false)
		.addOption(speedOption());
	// The preset and seed flags; the workload flags of `run` do not apply (clients are the workload).
	command
		.option('--preset <name|file>', 'preset name (see `specsim presets`) or a preset JSON file', DEFAULT_PRESET)
		.option('--seed <n>', 'root random seed', '0')
		// Faults (docs/faults.md): errors and sleep reach clients; client aborts only the background load.
		.option('--error-rate <fraction>', 'fraction of requests the engine ends with finish reason error (HTTP 500, or an error event in a stream)')
		.option('--abort-rate <fraction>', 'fraction of --background-qps requests whose simulated client aborts after --abort-after')
		.option('--abort-after <delay>', 'when a background client aborts, from arrival: a duration (30s), exp:MEAN or uniform:MIN..MAX')
		.option('--sleep <schedule>', 'engine sleep intervals START-END[:LEVEL][/wait][@ENGINE] in virtual time, comma-separated, e.g. 1m-2m');
	command.option(
		'--enable-sleep-mode',
		"vLLM's sleep mode: with VLLM_SERVER_DEV_MODE=1, POST /sleep?level=1|2 and POST /wake_up put the engine to sleep and wake it",
	);
	addMetricsFlags(command);
	command.action(async (model: string | undefined, flags: ServeFlags) => {
		const port = parsePort(flags.port);
		const metricsFlags = parseMetricsFlags(flags);
		const speed = parseSpeed(flags.speed);
		// A live server's clock starts now, as a real vLLM's log lines and `created` do; run and generate
		// keep a fixed default origin so that their outputs are reproducible byte for byte.
		const startEpochMs = parseStartFlag(flags.start) ?? Date.now();
		const simFlags: SimFlags = {preset: flags.preset, seed: flags.seed};
		if (flags.enablePrefixCaching !== undefined) simFlags.enablePrefixCaching = flags.enablePrefixCaching;
		for (const key of ['errorRate', 'abortRate', 'abortAfter', 'sleep'] as const) if (flags[key] !== undefined) simFlags[key] = flags[key];
		if (flags.servedModelName?.some(name => name.trim() === '') === true) throw new UserError('--served-model-name: a model name must not be empty');
		const names = flags.servedModelName ?? (model === undefined ? undefined : [model]);
		if (names !== undefined) simFlags.modelName = names[0]!;
		if (flags.speculativeConfig !== undefined) Object.assign(simFlags, parseSpeculativeConfig(flags.speculativeConfig));
		let background = 0;
		if (flags.backgroundQps !== undefined) {
			background = Number(flags.backgroundQps);
			// 0 (the default) means none; any other rate is the preset's arrival rate, checked as --qps is.
			if (background !== 0)
				Object.assign(simFlags, {qps: flags.backgroundQps, qpsFlag: '--background-qps', qpsRule: `must be 0 (none) or ${QPS_RANGE}`});
		}
		// Real clients abort by disconnecting; the simulated client aborts are the background load's.
		if (flags.abortRate !== undefined && !(background > 0))
			throw new UserError('--abort-rate applies to the background load only: give --background-qps too (real clients abort by disconnecting)');
		if (flags.maxModelLen !== undefined) simFlags.maxModelLen = flags.maxModelLen;
		const resolved = await resolveSimConfig(simFlags);
		const scheduler = {...resolved.config.scheduler};
		if (flags.maxNumSeqs !== undefined) scheduler.maxNumSeqs = parseInteger(flags.maxNumSeqs, '--max-num-seqs', 1, 65_536);
		if (flags.maxNumBatchedTokens !== undefined)
			scheduler.maxNumBatchedTokens = parseInteger(flags.maxNumBatchedTokens, '--max-num-batched-tokens', 1, 10_000_000);
		if (flags.numGpuBlocksOverride !== undefined)
			scheduler.numKvBlocks = parseInteger(flags.numGpuBlocksOverride, '--num-gpu-blocks-override', 1, 100_000_000);
		// Sleep mode needs the fault injector that runs sleeps and wake-ups, even with no fault configured.
		const sleepMode = flags.enableSleepMode === true;
		const faults = resolved.config.faults ?? (sleepMode ? {errorRate: 0, sleep: []} : undefined);
		const config = {...resolved.config, scheduler, ...(faults === undefined ? {} : {faults})};
		// vLLM serves its sleep endpoints only in development mode.
		const devMode = env.env?.['VLLM_SERVER_DEV_MODE'] === '1';
		if (sleepMode && !devMode)
			output.stderr('specsim: --enable-sleep-mode: /sleep, /wake_up and /is_sleeping are served only with VLLM_SERVER_DEV_MODE=1, as by vLLM\n');
		// Without background traffic the engine sees only the clients: an empty trace is the source.
		// The scheduler flags are applied after the preset is read: an engine that refuses them names them beside the file.
		const schedulerFlags = (
			[
				['--max-num-seqs', flags.maxNumSeqs],
				['--max-num-batched-tokens', flags.maxNumBatchedTokens],
				['--num-gpu-blocks-override', flags.numGpuBlocksOverride],
			] as const
		).flatMap(([flag, value]) => (value === undefined ? [] : [`${flag} ${value}`]));
		const session = buildChecked(
			schedulerFlags.length === 0
				? resolved
				: {
						presetPath: `${resolved.presetPath} with ${schedulerFlags.join(' ')}`,
						where: path => (path[0] === 'scheduler' ? `${resolved.where(path)} with ${schedulerFlags.join(' ')}` : resolved.where(path)),
					},
			() =>
				new Session(config, {
					seed: resolved.seed,
					speed,
					startEpochMs,
					waitWhenIdle: true,
					server: {readProcess: readProcessStats},
					...metricsFlags,
					...(background > 0 ? {} : {traceLines: []}),
				}),
		);
		if (flags.perRequestSpecDecodeMetrics !== 'none' && !session.info.speculative)
			throw new UserError('--per-request-spec-decode-metrics requires speculative decoding to be enabled (via --speculative-config).');
		const dashboard = env.isTTY && !flags.headless;
		// The server log: stdout headless; under the dashboard, which keeps the terminal, only a redirected stderr.
		const logTo = !dashboard ? output.stdout : env.isStderrTTY ? undefined : output.stderr;
		const server = await startOpenAiServer(session, {
			host: flags.host,
			port,
			servedModelNames: names ?? [config.servedModelName],
			modelPath: model ?? config.servedModelName,
			...(flags.apiKey === undefined ? {} : {apiKey: flags.apiKey}),
			enableForceIncludeUsage: flags.enableForceIncludeUsage,
			// uvicorn's access lines join the server log: on stdout headless, on a redirected stderr under the dashboard.
			onAccessLine: line => logTo?.(`${line}\n`),
			// The API server's ERROR lines join the server log too.
			onLogLine: line => logTo?.(`${line}\n`),
			enablePerRequestMetrics: flags.enablePerRequestMetrics,
			devMode,
			enableSleepMode: sleepMode,
			enablePromptTokensDetails: flags.enablePromptTokensDetails,
			maxLogprobs: parseInteger(flags.maxLogprobs ?? '20', '--max-logprobs', -1, 10_000_000),
			perRequestSpecDecodeMetrics: flags.perRequestSpecDecodeMetrics,
		});
		// The handlers are in place before the serving line: a script may signal as soon as it reads it.
		const signals = listenForStopSignals(env);
		if (!dashboard) signals.onStop(() => session.runner.stop());
		// A reader that went away (`| head -1`) ends the server as it ends `run`: quietly, exit 0.
		const offClosed = dashboard ? undefined : env.onStdoutClosed?.(() => session.runner.stop());
		const line = `specsim: serving the OpenAI-compatible API on ${server.baseUrl} (model ${names?.[0] ?? config.servedModelName})\n`;
		if (dashboard) output.stdout(line);
		else output.stderr(uvicornLines(['Started server process [%d]', 'Waiting for application startup.', 'Application startup complete.']) + line);
		let stopped = false;
		try {
			if (dashboard) {
				// Ink and React load only for the dashboard.
				const ui = await import('../../ui/start-dashboard.js');
				// The dashboard's header shows where /metrics is: the API server serves it.
				await runDashboard(ui.startDashboard, session, {metricsUrl: `${server.baseUrl}/metrics`}, env, signals, logTo && serverLog(session, logTo));
			} else {
				session.subscribe(serverLog(session, output.stdout));
				await session.runner.run();
				stopped = true;
				output.stderr(uvicornLines(['Shutting down']));
			}
		} finally {
			signals.off();
			offClosed?.();
			// Stop accepting; requests still in flight get a terminal response with finish_reason abort.
			await server.close();
		}
		if (stopped) output.stderr(uvicornLines(['Waiting for application shutdown.', 'Application shutdown complete.', 'Finished server process [%d]']));
	});
}

/**
 * uvicorn's lifecycle lines, as vLLM's API server prints them on stderr around serving (logger
 * `uvicorn.error`, uvicorn's DefaultFormatter without colours: `INFO:` padded to 9 characters, a
 * space, the message; `%d` is the process id). See docs/serve.md.
 */
function uvicornLines(messages: readonly string[]): string {
	return messages.map(message => `INFO:     ${message.replace('%d', String(process.pid))}\n`).join('');
}

/** vLLM's `--speculative-config` JSON as specsim's `--method` and `--k`. */
function parseSpeculativeConfig(text: string): Pick<SimFlags, 'method' | 'k'> {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw new UserError(`--speculative-config: not JSON: ${(error as Error).message}`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError('--speculative-config must be a JSON object');
	const config = value as {method?: unknown; num_speculative_tokens?: unknown};
	for (const key of Object.keys(config)) {
		if (!SPECULATIVE_KEYS.has(key))
			throw new UserError(`--speculative-config: key "${key}" is not supported (specsim reads ${[...SPECULATIVE_KEYS].join(', ')})`);
	}
	const out: Pick<SimFlags, 'method' | 'k'> = {};
	if (config.method !== undefined) {
		if (typeof config.method !== 'string') throw new UserError('--speculative-config: method must be a string');
		// Checked here so that an error names the key the user wrote, not specsim's --method.
		try {
			if (config.method !== 'none') resolveMethodName(config.method);
		} catch (error) {
			throw new UserError(`--speculative-config: method: ${(error as Error).message}`);
		}
		out.method = config.method;
	}
	if (config.num_speculative_tokens !== undefined) {
		const k = config.num_speculative_tokens;
		if (!(Number.isInteger(k) && (k as number) >= 0 && (k as number) <= MAX_NUM_SPEC_TOKENS))
			throw new UserError(
				`--speculative-config: num_speculative_tokens must be an integer from 0 to ${MAX_NUM_SPEC_TOKENS}, got ${JSON.stringify(k)}`,
			);
		out.k = String(k);
	}
	return out;
}
