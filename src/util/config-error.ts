/** A path into a configuration object, as zod reports it: `['speculative', 'acceptance', 'rates', 1]`. */
export type ConfigPath = ReadonlyArray<PropertyKey>;

/** `speculative.acceptance.rates[1]` from a path. */
export function formatPath(path: ConfigPath): string {
	let out = '';
	for (const segment of path) {
		if (typeof segment === 'number') out += `[${segment}]`;
		else out += out === '' ? String(segment) : `.${String(segment)}`;
	}
	return out === '' ? '(root)' : out;
}

/**
 * A configuration that passes the schema but cannot be built (an unknown built-in name, a KV
 * cache too small for `max_model_len`, ...). `path` names the field, so the CLI can point at its
 * line in the preset file.
 */
export class ConfigError extends RangeError {
	readonly path: ConfigPath;
	readonly detail: string;

	constructor(path: ConfigPath, detail: string) {
		super(`${formatPath(path)}: ${detail}`);
		this.name = 'ConfigError';
		this.path = path;
		this.detail = detail;
	}
}

/** Run `fn`, turning a RangeError or TypeError it throws into a {@link ConfigError} at `path`. */
export function atPath<T>(path: ConfigPath, fn: () => T): T {
	try {
		return fn();
	} catch (error) {
		if (error instanceof ConfigError) throw error;
		if (error instanceof RangeError || error instanceof TypeError) throw new ConfigError(path, error.message);
		throw error;
	}
}
