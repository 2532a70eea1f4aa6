/**
 * The acceptance model: turns an {@link AcceptanceSpec} plus modifiers into per-request profiles
 * and O(1) per-draft sampling.
 *
 * Layout: a profile is the integer `(classIndex · B + temperatureBucket) · L + level`, with B
 * temperature buckets and L heterogeneity levels. Tables are built lazily per
 * (class, temperature bucket) — all L levels at once — the first time a request of that kind
 * appears, and kept. Memory is bounded by classes · B · L · (k+1) · 20 bytes (e.g. 8 classes,
 * 41 buckets, 32 levels, k = 24: 5.2 MB if every combination occurs).
 *
 * Draw order (part of the contract, see vLLM's rejection sampler): `drawProfile` consumes one
 * uniform per request; `sampleAccepted` consumes none itself — the caller passes the one
 * uniform of the draft, and should draw nothing for requests without draft tokens.
 */
import type {Rng} from '../../rng/rng.js';
import {acceptedLengthDistribution, unconditionalToConditional} from './conversions.js';
import {acceptanceLevels, logit, representativeLevel, validateHeterogeneity} from './heterogeneity.js';
import type {AcceptanceExpectation, AcceptanceModel, AcceptanceModelOptions, ExpectedOptions, ProfileCoordinates} from './model-types.js';
import {
	checkNonNegative,
	checkTemperature,
	TEMPERATURE_BUCKETS,
	TEMPERATURE_STEP,
	temperatureBucket,
	temperatureFactor,
	validateClassFactors,
} from './modifiers.js';
import {resolveConditionalRates} from './spec.js';
import {buildProfileBlock, type BlockRecipe, type ProfileBlock} from './tables.js';

/**
 * Create an acceptance model.
 *
 * @example
 * const model = createAcceptanceModel({spec: {kind: 'constant', alpha: 0.7}, k: 4, heterogeneity: {concentration: 20}});
 * const profile = model.drawProfile(rng.fork('acceptance'), 0, 0); // once per request
 * const accepted = model.sampleAccepted(profile, 4, u);           // once per draft
 * @throws RangeError/TypeError naming the bad option.
 */
export function createAcceptanceModel(options: AcceptanceModelOptions): AcceptanceModel {
	return new TableAcceptanceModel(options);
}

class TableAcceptanceModel implements AcceptanceModel {
	readonly k: number;
	readonly options: AcceptanceModelOptions;
	readonly numLevels: number;
	readonly numClasses: number;
	readonly numTemperatureBuckets: number;
	readonly numProfiles: number;
	private readonly recipe: BlockRecipe;
	private readonly classFactors: readonly number[];
	private readonly sensitivity: number;
	private readonly scale: number;
	private readonly blocks: Array<ProfileBlock | undefined>;

	constructor(options: AcceptanceModelOptions) {
		const {spec, k} = options;
		const base = resolveConditionalRates(spec, k);
		this.options = options;
		this.k = k;
		this.classFactors = options.classFactors ?? [1];
		this.numClasses = validateClassFactors(this.classFactors);
		this.sensitivity = options.temperatureSensitivity ?? 0;
		checkNonNegative(this.sensitivity, 'temperatureSensitivity');
		this.scale = options.scale ?? 1;
		checkNonNegative(this.scale, 'scale');
		this.numTemperatureBuckets = this.sensitivity === 0 ? 1 : TEMPERATURE_BUCKETS;
		const heterogeneity = options.heterogeneity;
		this.numLevels = heterogeneity === undefined ? 1 : validateHeterogeneity(heterogeneity);
		if (spec.kind === 'constant') {
			const levelValues =
				heterogeneity === undefined ? new Float64Array([spec.alpha]) : acceptanceLevels(spec.alpha, heterogeneity.concentration, this.numLevels);
			this.recipe = {kind: 'levels', levelValues};
		} else {
			const offsets = new Float64Array(this.numLevels);
			if (heterogeneity !== undefined) {
				const mean = representativeLevel(base);
				const levels = acceptanceLevels(mean, heterogeneity.concentration, this.numLevels);
				const center = logit(mean);
				for (let j = 0; j < this.numLevels; j++) offsets[j] = logit(levels[j]!) - center;
			}
			this.recipe = {kind: 'offsets', base, offsets};
		}
		this.numProfiles = this.numClasses * this.numTemperatureBuckets * this.numLevels;
		this.blocks = new Array<ProfileBlock | undefined>(this.numClasses * this.numTemperatureBuckets).fill(undefined);
	}

	drawProfile(rng: Rng, classIndex: number, temperature: number): number {
		if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= this.numClasses) {
			throw new RangeError(`classIndex must be an integer in [0, ${this.numClasses}), got ${classIndex}`);
		}
		checkTemperature(temperature);
		const u = rng.next();
		const level = Math.min(this.numLevels - 1, Math.floor(u * this.numLevels));
		const blockIndex = classIndex * this.numTemperatureBuckets + temperatureBucket(temperature, this.numTemperatureBuckets);
		this.block(blockIndex);
		return blockIndex * this.numLevels + level;
	}

	sampleAccepted(profile: number, draftLength: number, u: number): number {
		const k = this.k;
		if (!(draftLength >= 0 && draftLength <= k && profile >= 0 && profile < this.numProfiles) || (profile | 0) !== profile) {
			this.throwOutOfRange(profile, draftLength);
		}
		const levels = this.numLevels;
		const blockIndex = (profile / levels) | 0;
		const block = this.blocks[blockIndex] ?? this.block(blockIndex);
		const n = k + 1;
		const x = u * n;
		let column = x | 0;
		if (column > k) column = k;
		const index = (profile - blockIndex * levels) * n + column;
		const accepted = x - column < block.threshold[index]! ? column : block.alias[index]!;
		return Math.min(accepted, draftLength);
	}

	sampleAcceptedBatch(profiles: Int32Array, draftLengths: Int32Array, count: number, rng: Rng, out: Int32Array): void {
		const k = this.k;
		const n = k + 1;
		const levels = this.numLevels;
		const numProfiles = this.numProfiles;
		// The block of the previous entry, profiles [first, first + levels): most batches use one or a few.
		let first = 0;
		let block: ProfileBlock | undefined;
		for (let j = 0; j < count; j++) {
			const draftLength = draftLengths[j]!;
			if (draftLength <= 0) {
				out[j] = 0;
				continue;
			}
			const profile = profiles[j]!;
			const u = rng.next();
			if (!(draftLength <= k && profile >= 0 && profile < numProfiles)) this.throwOutOfRange(profile, draftLength);
			if (block === undefined || profile < first || profile >= first + levels) {
				const blockIndex = (profile / levels) | 0;
				first = blockIndex * levels;
				block = this.blocks[blockIndex] ?? this.block(blockIndex);
			}
			// As sampleAccepted: column of the alias table from u, then its threshold or alias.
			const x = u * n;
			let column = x | 0;
			if (column > k) column = k;
			const index = (profile - first) * n + column;
			const accepted = x - column < block.threshold[index]! ? column : block.alias[index]!;
			// biome-ignore lint/complexity/useMathMinMax: both are integers, and Math.min compares as doubles
			out[j] = accepted < draftLength ? accepted : draftLength;
		}
	}

	private throwOutOfRange(profile: number, draftLength: number): never {
		throw new RangeError(
			`sampleAccepted needs 0 <= draftLength <= k=${this.k} and an integer profile in [0, ${this.numProfiles}), got draftLength=${draftLength}, profile=${profile}`,
		);
	}

	expected(options: ExpectedOptions = {}): AcceptanceExpectation {
		const temperature = options.temperature ?? 0;
		checkTemperature(temperature);
		const weights = this.classWeights(options);
		const k = this.k;
		const population = new Array<number>(k).fill(0);
		const bucket = temperatureBucket(temperature, this.numTemperatureBuckets);
		for (let c = 0; c < this.numClasses; c++) {
			const weight = weights[c]!;
			if (weight === 0) continue;
			// Levels weighted by their share of drafts: what vLLM's per-draft counters converge to.
			const {conditional, draftWeights} = this.block(c * this.numTemperatureBuckets + bucket);
			for (let j = 0; j < this.numLevels; j++) {
				let product = 1;
				for (let i = 0; i < k; i++) {
					product *= conditional[j * k + i]!;
					population[i]! += weight * draftWeights[j]! * product;
				}
			}
		}
		// Mixtures of non-increasing sequences are non-increasing; clamp rounding so validation holds.
		for (let i = 0; i < k; i++) population[i] = Math.min(1, i === 0 ? population[i]! : Math.min(population[i]!, population[i - 1]!));
		let total = 0;
		for (const r of population) total += r;
		return {
			unconditionalRates: population,
			conditionalRates: unconditionalToConditional(population),
			meanAcceptanceLength: 1 + total,
			draftAcceptanceRate: total / k,
			acceptedLengthDistribution: acceptedLengthDistribution(population),
		};
	}

	profileConditionalRates(profile: number): number[] {
		const {classIndex, temperatureBucket: bucket, level} = this.profileCoordinates(profile);
		const {conditional} = this.block(classIndex * this.numTemperatureBuckets + bucket);
		return Array.from(conditional.subarray(level * this.k, (level + 1) * this.k));
	}

	profileCoordinates(profile: number): ProfileCoordinates {
		if (!Number.isInteger(profile) || profile < 0 || profile >= this.numProfiles) {
			throw new RangeError(`profile must be an integer in [0, ${this.numProfiles}), got ${profile}`);
		}
		const level = profile % this.numLevels;
		const blockIndex = (profile - level) / this.numLevels;
		const temperatureBucketIndex = blockIndex % this.numTemperatureBuckets;
		return {classIndex: (blockIndex - temperatureBucketIndex) / this.numTemperatureBuckets, temperatureBucket: temperatureBucketIndex, level};
	}

	withK(k: number): AcceptanceModel {
		return new TableAcceptanceModel({...this.options, k});
	}

	scaled(factor: number): AcceptanceModel {
		if (!(factor > 0 && Number.isFinite(factor))) throw new RangeError(`scale factor must be a finite number > 0, got ${factor}`);
		return new TableAcceptanceModel({...this.options, scale: this.scale * factor});
	}

	/** The tables of block `index` = class · B + bucket, built on first use (a cold path). */
	private block(index: number): ProfileBlock {
		const existing = this.blocks[index];
		if (existing !== undefined) return existing;
		if (!(index >= 0 && index < this.blocks.length)) throw new RangeError(`profile block ${index} out of range`);
		const classIndex = Math.floor(index / this.numTemperatureBuckets);
		const bucket = index - classIndex * this.numTemperatureBuckets;
		const factor = this.scale * this.classFactors[classIndex]! * temperatureFactor(bucket * TEMPERATURE_STEP, this.sensitivity);
		const built = buildProfileBlock(this.recipe, this.k, factor);
		this.blocks[index] = built;
		return built;
	}

	private classWeights(options: ExpectedOptions): number[] {
		const weights = new Array<number>(this.numClasses).fill(0);
		if (options.classWeights === undefined) {
			const classIndex = options.classIndex ?? 0;
			if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= this.numClasses) {
				throw new RangeError(`classIndex must be an integer in [0, ${this.numClasses}), got ${classIndex}`);
			}
			weights[classIndex] = 1;
			return weights;
		}
		const given = options.classWeights;
		if (given.length !== this.numClasses)
			throw new RangeError(`classWeights must have ${this.numClasses} entries (one per class), got ${given.length}`);
		let total = 0;
		for (let c = 0; c < given.length; c++) {
			const w = given[c]!;
			if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`classWeights[${c}] must be a finite number >= 0, got ${w}`);
			total += w;
		}
		if (!(total > 0)) throw new RangeError('classWeights must have a positive sum');
		for (let c = 0; c < given.length; c++) weights[c] = given[c]! / total;
		return weights;
	}
}
