"""Baseline for `npm run bench`: the same draft stream through a Python accumulator with vLLM's
semantics (SpecDecodingStats.observe_draft looping over accepted positions, SpecDecodingLogging
keeping per-step lists, SpecDecodingProm incrementing prometheus_client counters per step).
Written for this benchmark from the semantics in docs/accounting.md; run with `python3 test/bench/vllm_accumulator_baseline.py`.
"""
import time

K = 5
DRAFTS_PER_STEP = 256
TOTAL = 2_000_000

try:
    from prometheus_client import CollectorRegistry, Counter
    registry = CollectorRegistry()
    labels = ["model_name", "engine"]
    drafts_c = Counter("vllm:spec_decode_num_drafts", "Number of spec decoding drafts.", labels, registry=registry).labels("bench", "0")
    tokens_c = Counter("vllm:spec_decode_num_draft_tokens", "Number of draft tokens.", labels, registry=registry).labels("bench", "0")
    acc_c = Counter("vllm:spec_decode_num_accepted_tokens", "Number of accepted tokens.", labels, registry=registry).labels("bench", "0")
    pos_base = Counter("vllm:spec_decode_num_accepted_tokens_per_pos", "Accepted tokens per draft position.", labels + ["position"], registry=registry)
    pos_c = [pos_base.labels("bench", "0", str(p)) for p in range(K)]
except ImportError:  # prometheus_client missing: measure the accumulator alone
    drafts_c = None


class Stats:
    def __init__(self, k):
        self.num_spec_tokens = k
        self.num_drafts = 0
        self.num_draft_tokens = 0
        self.num_accepted_tokens = 0
        self.num_accepted_tokens_per_pos = [0] * k

    def observe_draft(self, d, a):
        self.num_drafts += 1
        self.num_draft_tokens += d
        self.num_accepted_tokens += a
        assert a <= self.num_spec_tokens
        for i in range(a):
            self.num_accepted_tokens_per_pos[i] += 1


stream = []
state = 12345
for _ in range(1 << 16):
    state = (state * 1103515245 + 12345) % 2147483648
    stream.append(min(K, int(state / 2147483648 * 6)))
mask = len(stream) - 1

lists = ([], [], [], [])
start = time.perf_counter()
cursor = 0
for step in range(TOTAL // DRAFTS_PER_STEP):
    s = Stats(K)
    for _ in range(DRAFTS_PER_STEP):
        s.observe_draft(K, stream[cursor & mask])
        cursor += 1
    lists[0].append(s.num_drafts); lists[1].append(s.num_draft_tokens)
    lists[2].append(s.num_accepted_tokens); lists[3].append(s.num_accepted_tokens_per_pos)
    if drafts_c is not None:
        drafts_c.inc(s.num_drafts); tokens_c.inc(s.num_draft_tokens); acc_c.inc(s.num_accepted_tokens)
        for p, c in enumerate(pos_c):
            c.inc(s.num_accepted_tokens_per_pos[p])
    if step % 40 == 39:
        lists = ([], [], [], [])
elapsed = time.perf_counter() - start
print(f"python vLLM-semantics accumulator: {TOTAL / elapsed:,.0f} drafts/s (prometheus_client: {drafts_c is not None})")
