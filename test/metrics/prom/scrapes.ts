import {Registry} from 'prom-client';
import {SpecDecodingStats} from '../../../src/metrics/stats/spec-decoding-stats.js';
import {createSpecDecodingProm} from '../../../src/metrics/prom/spec-decoding-prom.js';
import {renderOpenMetricsScrape, type OpenMetricsChunk} from '../../../src/metrics/prom/exposition.js';

/**
 * The multi-scrape golden scenario: model `m`, engines 0 and 1, k = 3, the families of vLLM 0.10.2 and later
 * (`perPositionDrafted: false`), created at 1700000000, scraped at 1700000015, ...030, ...045.
 * `PLAN[scrape][engine]` lists the [drafted, accepted] drafts observed before that scrape.
 */
const PLAN: ReadonlyArray<ReadonlyArray<ReadonlyArray<readonly [number, number]>>> = [
	[
		[[3, 2]],
		[
			[3, 0],
			[3, 3],
		],
	],
	[
		[
			[3, 1],
			[2, 2],
		],
		[],
	],
	[[[3, 0]], [[3, 1]]],
];

/** Run the scenario, handing each scrape's chunks to `onScrape`. */
export async function runSpecScrapes(onScrape: (chunks: OpenMetricsChunk[]) => void): Promise<void> {
	const registry = new Registry();
	const engines = [0, 1].map(engine => createSpecDecodingProm({registry, modelName: 'm', engine, numSpecTokens: 3, perPositionDrafted: false}));
	const stats = new SpecDecodingStats(3);
	for (const [scrape, perEngine] of PLAN.entries()) {
		perEngine.forEach((drafts, engine) => {
			stats.reset();
			for (const [drafted, accepted] of drafts) stats.observeDraft(drafted, accepted);
			engines[engine]!.observe(stats);
		});
		onScrape(await renderOpenMetricsScrape(registry, {createdS: 1700000000, timestampS: 1700000015 + 15 * scrape}));
	}
}
