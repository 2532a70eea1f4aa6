import {findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError} from 'jsonc-parser';

/** A problem in a JSON document, located at a 1-based line. */
export type JsonProblem = {readonly line: number; readonly message: string};

/** Parse JSON text, reporting the first syntax error with its line. */
export function parseJsonWithLines(text: string): {value: unknown; tree: Node | undefined} | {error: JsonProblem} {
	const errors: ParseError[] = [];
	const tree = parseTree(text, errors, {allowTrailingComma: false, disallowComments: true});
	const first = errors[0];
	if (first !== undefined) return {error: {line: lineOf(text, first.offset), message: `invalid JSON: ${describe(printParseErrorCode(first.error))}`}};
	return {value: JSON.parse(text) as unknown, tree};
}

/**
 * The line of the value at `path` (zod's issue path), or of its closest existing ancestor (a
 * missing field is reported at the object that should hold it).
 */
export function lineOfPath(text: string, tree: Node | undefined, path: ReadonlyArray<PropertyKey>): number {
	if (tree === undefined) return 1;
	const segments = path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
	for (let n = segments.length; n >= 0; n--) {
		const node = findNodeAtLocation(tree, segments.slice(0, n));
		if (node !== undefined) {
			// Point at the property's key when there is one (the line a reader looks for).
			const at = node.parent?.type === 'property' ? node.parent.offset : node.offset;
			return lineOf(text, at);
		}
	}
	return 1;
}

export {formatPath} from '../util/config-error.js';

function lineOf(text: string, offset: number): number {
	let line = 1;
	for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
	return line;
}

function describe(code: string): string {
	return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
