import type {Command} from 'commander';
import {EventStreamError, EventStreamReader} from '../../events/event-stream.js';
import {renderText} from '../../metrics/prom/exposition.js';
import type {SimEvent} from '../../events/event-stream.js';
import {LOG_FORMATS, type LogFormat} from '../../metrics/log/formats.js';
import {Replayer, type ReplayOptions} from '../../replay/replay.js';
import {escapeControl} from '../../util/escape.js';
import {EXIT_RUNTIME, UserError} from '../../util/user-error.js';
import {readLines} from '../io/read-lines.js';
import {logFormatOption, type Output} from '../options.js';
import type {RunEnvironment} from './run.js';

type ReplayFlags = {logFormat?: LogFormat; modelName?: string; verify: boolean; exposition: boolean};

export function registerReplay(program: Command, output: Output, env: Pick<RunEnvironment, 'onStdoutClosed'> = {}): void {
	program
		.command('replay')
		.description('run a recorded event stream (events.jsonl) through the accounting: print each log message, then the Prometheus exposition')
		.argument('<events>', 'event stream file (JSON lines), or - for standard input')
		.addOption(logFormatOption().default(undefined, "the meta record's config, else classic"))
		.option('--model-name <name>', "model_name label of the exposed series (default: the meta record's config, else specsim)")
		.option('--verify', 'fail (exit 1) if a produced message differs from the recorded line', false)
		.option('--no-exposition', 'do not print the Prometheus exposition at the end')
		.action(async (file: string, flags: ReplayFlags) => {
			await replayFile(file, flags, output, env);
		});
}

async function replayFile(file: string, flags: ReplayFlags, output: Output, env: Pick<RunEnvironment, 'onStdoutClosed'>): Promise<void> {
	let replayer: Replayer | undefined;
	let lineNumber = 0;
	const reader = new EventStreamReader();
	// Nobody reads any more (`| head -2`): stop reading and end quietly.
	let closed = false;
	const offClosed = env.onStdoutClosed?.(() => {
		closed = true;
	});
	try {
		for await (const text of readLines(file)) {
			if (closed) return;
			lineNumber += 1;
			if (text.trim() === '') continue;
			let result: ReturnType<Replayer['handle']>;
			try {
				const event = reader.read(text, lineNumber);
				// The meta record (first) may carry the run's config: its log format and model name are the defaults.
				replayer ??= new Replayer(replayOptions(event, flags));
				result = replayer.handle(event);
			} catch (error) {
				if (error instanceof EventStreamError) {
					// The first record tells a vLLM log or a scrape given by mistake from a broken stream.
					const kind = replayer === undefined ? notAnEventStream(text) : undefined;
					if (kind !== undefined)
						throw new UserError(
							`${file}:${lineNumber}: not an event stream but ${kind}: replay reads the events.jsonl of specsim generate; specsim calibrate ${file} fits acceptance to it`,
						);
					throw new UserError(`${file}:${lineNumber}: ${error.message.replace(/^line \d+: /, '')}`);
				}
				if (error instanceof RangeError) throw new UserError(`${file}:${lineNumber}: ${error.message}`);
				throw error;
			}
			if (result === undefined) continue;
			if (result.message !== undefined) output.stdout(`${result.message}\n`);
			if (flags.verify && result.message !== result.event.line) {
				throw new UserError(
					`${file}:${lineNumber}: replayed message differs from the recorded line\n  recorded: ${escapeControl(result.event.line)}\n  replayed: ${result.message ?? '(nothing: no drafts in the interval)'}`,
					EXIT_RUNTIME,
				);
			}
		}
	} finally {
		offClosed?.();
	}
	if (closed) return;
	if (replayer === undefined) throw new UserError(`${file}: empty event stream (expected a "meta" record on line 1)`);
	if (flags.exposition) output.stdout(await renderText(replayer.registry));
}

/** A vLLM server log line (any logger prefix) or a Prometheus exposition line: what users hand replay by mistake. */
const VLLM_LOG_LINE = /^(\(\w+ pid=\d+\) )?((INFO|DEBUG|WARNING|ERROR) \d{2}-\d{2} |SpecDecoding metrics: |Speculative metrics: )/;
const EXPOSITION_LINE = /^(# (HELP|TYPE) |vllm:[a-z_]+[{ ])/;

/** What a line that is not an event record looks like, when it is one of the files replay is not for. */
function notAnEventStream(text: string): string | undefined {
	if (VLLM_LOG_LINE.test(text)) return 'a vLLM log';
	if (EXPOSITION_LINE.test(text)) return 'a Prometheus exposition';
	return undefined;
}

function replayOptions(meta: SimEvent, flags: ReplayFlags): ReplayOptions {
	const config =
		meta.type === 'meta' && typeof meta['config'] === 'object' && meta['config'] !== null ? (meta['config'] as Record<string, unknown>) : {};
	const logging = typeof config['logging'] === 'object' && config['logging'] !== null ? (config['logging'] as Record<string, unknown>) : {};
	const metaFormat = LOG_FORMATS.find(f => f === logging['format']);
	const metaModel = typeof config['servedModelName'] === 'string' ? config['servedModelName'] : undefined;
	return {format: flags.logFormat ?? metaFormat ?? 'classic', modelName: flags.modelName ?? metaModel ?? 'specsim'};
}
