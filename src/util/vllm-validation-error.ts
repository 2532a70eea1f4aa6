/**
 * vLLM's `VLLMValidationError` as its 400 responses show it: `str()` of the error is the message,
 * then what it names, `(parameter=P, value=V)`, and the response's `param` is P. Pure, so the
 * engine's context-length check and the OpenAI server share one rendering.
 */

/** A request vLLM refuses with a 400 naming `param`. */
export type ParamError<P extends string = string> = {readonly message: string; readonly param: P};

/** Python's `str()` of a JSON value, as vLLM's error text shows a rejected value. */
function pyStr(value: unknown): string {
	if (typeof value === 'string') return value;
	if (typeof value === 'boolean') return value ? 'True' : 'False';
	if (typeof value === 'number') return String(value);
	return JSON.stringify(value);
}

/** `str(VLLMValidationError(message, parameter=param, value=value))`: the message, then what it names. */
export function vllmValidationError<P extends string>(message: string, param: P, value?: unknown): ParamError<P> {
	const extras = value === undefined ? `parameter=${param}` : `parameter=${param}, value=${pyStr(value)}`;
	return {message: `${message} (${extras})`, param};
}
