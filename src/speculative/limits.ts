/**
 * The largest number of speculative tokens per draft that specsim accepts anywhere (presets, flags, the
 * dashboard's `]` key, replayed event streams). vLLM itself sets no hard cap, but published deployments use
 * k <= 16 and a draft longer than the token budget can never be scheduled; 64 keeps every per-position
 * array small and the work per step bounded. The effective limit is also capped by the token budget
 * (`max_num_batched_tokens`), which the scheduler checks where the budget is known.
 */
export const MAX_NUM_SPEC_TOKENS = 64;
