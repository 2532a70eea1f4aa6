import {runCli} from '../../src/cli/program.js';

/** Run the CLI in-process and capture what it writes. */
export async function cli(...argv: string[]): Promise<{code: number; stdout: string; stderr: string}> {
	let stdout = '';
	let stderr = '';
	const code = await runCli(argv, {
		stdout: text => {
			stdout += text;
		},
		stderr: text => {
			stderr += text;
		},
	});
	return {code, stdout, stderr};
}
