import {benchAccounting} from './accounting.bench.js';
import {benchEngine, benchEngineBeforeAfter, benchGenerate, benchLongRunHeap} from './engine.bench.js';
import {benchGenerateScrapes} from './generate-scrape.bench.js';
import {formatResults, type BenchResult} from './harness.js';
import {benchServe} from './serve.bench.js';

/** `npm run bench`: every benchmark, as a Markdown table (the README quotes it). */
const results: BenchResult[] = [];
const only = process.argv[2];
const sections: Array<[string, () => Promise<BenchResult[]>]> = [
	['accounting', () => benchAccounting(10_000_000)],
	['engine', benchEngine],
	['engine-ab', benchEngineBeforeAfter],
	['generate', benchGenerate],
	['generate-scrape', benchGenerateScrapes],
	['heap', benchLongRunHeap],
	['serve', benchServe],
];
for (const [name, run] of sections) {
	if (only && only !== name) continue;
	process.stderr.write(`bench: ${name}...\n`);
	results.push(...(await run()));
}
process.stdout.write(`${formatResults(results)}\n`);
