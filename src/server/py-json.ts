import {formatPydanticFloat, formatPythonRepr} from '../util/py-format.js';

/**
 * A number that Python holds as a `float`. JavaScript has one number type, so `JSON.stringify`
 * writes the float 1.0 as `1`, where vLLM's Python server writes `1.0`; a response marks its
 * float fields (logprobs, acceptance rates, per-request timings) with this box and is written by
 * {@link pythonJson} or {@link pydanticJson}. Unboxed numbers are Python ints.
 */
export class PyFloat {
	readonly value: number;
	constructor(value: number) {
		this.value = value;
	}
}

/** Box a float field; null stays null. */
export function pyFloat(x: number): PyFloat;
export function pyFloat(x: number | null): PyFloat | null;
export function pyFloat(x: number | null): PyFloat | null {
	return x === null ? null : new PyFloat(x);
}

/**
 * A Python `dict` with string keys, written in insertion order. A JavaScript object would put
 * integer-like keys (a token `"1"`, a token id) first; and like a Python dict, setting a key
 * again keeps its first position and takes the last value (vLLM's top-logprobs dicts rely on
 * both).
 */
export class PyDict {
	readonly entries = new Map<string, unknown>();
	set(key: string, value: unknown): this {
		this.entries.set(key, value);
		return this;
	}
}

type FloatFormat = (x: number) => string;

function write(value: unknown, float: FloatFormat): string | undefined {
	if (value === null) return 'null';
	switch (typeof value) {
		case 'string':
		case 'number':
		case 'boolean':
			return JSON.stringify(value);
		case 'object': {
			if (value instanceof PyFloat) return Number.isFinite(value.value) ? float(value.value) : 'null';
			if (value instanceof PyDict) {
				let out = '{';
				let first = true;
				for (const [key, v] of value.entries) {
					out += `${first ? '' : ','}${JSON.stringify(key)}:${write(v, float) ?? 'null'}`;
					first = false;
				}
				return `${out}}`;
			}
			if (Array.isArray(value)) {
				let out = '[';
				for (let i = 0; i < value.length; i++) out += `${i > 0 ? ',' : ''}${write(value[i], float) ?? 'null'}`;
				return `${out}]`;
			}
			let out = '{';
			let first = true;
			for (const key in value) {
				const v = write((value as Record<string, unknown>)[key], float);
				if (v === undefined) continue;
				out += `${first ? '' : ','}${JSON.stringify(key)}:${v}`;
				first = false;
			}
			return `${out}}`;
		}
		default:
			return undefined;
	}
}

/**
 * `value` as Starlette's `JSONResponse` writes vLLM's non-streamed responses:
 * `json.dumps(content, ensure_ascii=False, separators=(",", ":"))`, so a {@link PyFloat} prints as
 * `repr` does (`1.0`, `1e-05`, `-0.0`). Strings, ints, booleans and nulls are written as
 * `JSON.stringify` writes them (the same escapes as `json.dumps` with `ensure_ascii=False`);
 * undefined fields are left out.
 */
export function pythonJson(value: unknown): string {
	return write(value, formatPythonRepr) ?? 'null';
}

/**
 * `value` as pydantic's `model_dump_json` writes vLLM's streamed chunks: compact, with a
 * {@link PyFloat} printed as pydantic-core prints floats (`1.0`, `0.00001`, `1e-7`).
 */
export function pydanticJson(value: unknown): string {
	return write(value, formatPydanticFloat) ?? 'null';
}
