"""Regenerate test/golden/two-engines-k3.{prom,om} with Python's prometheus_client.

The same scripted traffic as test/metrics/prom/scenario.ts, recorded the way vLLM's
PrometheusStatLogger and SpecDecodingProm record it (vllm/v1/metrics/loggers.py,
vllm/v1/spec_decode/metrics.py): families declared in vLLM's order, labelled children created
reason-major across engines, `_created` pinned to 1700000000. Run from the repository root:

    python3 test/metrics/prom/golden_two_engines.py

(Debian: apt-get install python3-prometheus-client.) The output is what specsim must match byte
for byte; the test never runs this script, it compares against the files it wrote.
"""

import time

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.openmetrics import exposition as om

time.time = lambda: 1700000000.0  # every _created

MODEL = "sim-model"
ENGINES = ["0", "1"]
K = 3
MAX_MODEL_LEN = 1000
TTFT = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
ITL = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
LAT = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0]
CACHE_CONFIG = {"block_size": "16", "gpu_memory_utilization": "0.9", "enable_prefix_caching": "True", "num_gpu_blocks": "2048"}


def build_1_2_5_buckets(max_value):
    buckets, exponent = [], 0
    while True:
        for m in (1, 2, 5):
            value = m * 10**exponent
            if value > max_value:
                return buckets
            buckets.append(value)
        exponent += 1


registry = CollectorRegistry()
L = ["model_name", "engine"]


def counter(name, doc, extra=()):
    return Counter(name, doc, L + list(extra), registry=registry)


def gauge(name, doc, extra=()):
    return Gauge(name, doc, L + list(extra), registry=registry)


def hist(name, doc, buckets):
    return Histogram(name, doc, L, buckets=buckets, registry=registry)


def per_engine(metric):
    return {e: metric.labels(MODEL, e) for e in ENGINES}


# SpecDecodingProm (newest: verified draft tokens, drafted per position)
drafts = per_engine(counter("vllm:spec_decode_num_drafts", "Number of spec decoding drafts."))
draft_tokens = per_engine(counter("vllm:spec_decode_num_draft_tokens", "Number of verified draft tokens."))
accepted = per_engine(counter("vllm:spec_decode_num_accepted_tokens", "Number of accepted tokens."))
acc_pos_base = counter("vllm:spec_decode_num_accepted_tokens_per_pos", "Accepted tokens per draft position.", ["position"])
acc_pos = {e: [acc_pos_base.labels(MODEL, e, str(p)) for p in range(K)] for e in ENGINES}
drf_pos_base = counter("vllm:spec_decode_num_draft_tokens_per_pos", "Verified draft tokens per draft position.", ["position"])
drf_pos = {e: [drf_pos_base.labels(MODEL, e, str(p)) for p in range(K)] for e in ENGINES}

# PrometheusStatLogger
running = per_engine(gauge("vllm:num_requests_running", "Number of requests in model execution batches."))
waiting = per_engine(gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed."))
by_reason_base = gauge(
    "vllm:num_requests_waiting_by_reason",
    "Number of waiting requests by reason. Reason labels: 'capacity' = waiting for scheduling capacity; "
    "'deferred' = deferred by transient constraints (LoRA budget, KV transfer, blocked status). "
    "Sum of all reasons equals vllm:num_requests_waiting.",
    ["reason"],
)
by_reason = {r: {e: by_reason_base.labels(MODEL, e, r) for e in ENGINES} for r in ("capacity", "deferred")}
sleep_base = gauge(
    "vllm:engine_sleep_state",
    "Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake; "
    "weights_offloaded = 1 means sleep level 1; discard_all = 1 means sleep level 2.",
    ["sleep_state"],
)
sleep = {s: {e: sleep_base.labels(engine=e, model_name=MODEL, sleep_state=s) for e in ENGINES} for s in ("awake", "weights_offloaded", "discard_all")}


def record_sleep_state(engine, is_sleeping, level):
    sleep["awake"][engine].set(0 if is_sleeping else 1)
    sleep["weights_offloaded"][engine].set(1 if is_sleeping and level == 1 else 0)
    sleep["discard_all"][engine].set(1 if is_sleeping and level == 2 else 0)


for e in ENGINES:
    record_sleep_state(e, False, 0)
kv = per_engine(gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage."))
prefix_queries = per_engine(counter("vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens."))
prefix_hits = per_engine(counter("vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens."))
per_engine(counter("vllm:external_prefix_cache_queries", "External prefix cache queries from KV connector cross-instance cache sharing, in terms of number of queried tokens."))
per_engine(counter("vllm:external_prefix_cache_hits", "External prefix cache hits from KV connector cross-instance cache sharing, in terms of number of cached tokens."))
per_engine(counter("vllm:mm_cache_queries", "Multi-modal cache queries, in terms of number of queried items."))
per_engine(counter("vllm:mm_cache_hits", "Multi-modal cache hits, in terms of number of cached items."))
preemptions = per_engine(counter("vllm:num_preemptions", "Cumulative number of preemption from the engine."))
prompt_tokens = per_engine(counter("vllm:prompt_tokens", "Number of prefill tokens processed."))
by_source_base = counter("vllm:prompt_tokens_by_source", "Number of prompt tokens by source.", ["source"])
by_source = {s: {e: by_source_base.labels(MODEL, e, s) for e in ENGINES} for s in ("local_compute", "local_cache_hit", "external_kv_transfer")}
cached = per_engine(counter("vllm:prompt_tokens_cached", "Number of cached prompt tokens (local + external)."))
generation = per_engine(counter("vllm:generation_tokens", "Number of generation tokens processed."))
success_base = counter("vllm:request_success", "Count of successfully processed requests.", ["finished_reason"])
success = {r: {e: success_base.labels(MODEL, e, r) for e in ENGINES} for r in ("stop", "length", "abort", "error", "repetition")}
tok = build_1_2_5_buckets(MAX_MODEL_LEN)
h_prompt = per_engine(hist("vllm:request_prompt_tokens", "Number of prefill tokens processed.", tok))
h_gen = per_engine(hist("vllm:request_generation_tokens", "Number of generation tokens processed.", tok))
h_iter = per_engine(hist("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]))
h_max_gen = per_engine(hist("vllm:request_max_num_generation_tokens", "Histogram of maximum number of requested generation tokens.", tok))
h_n = per_engine(hist("vllm:request_params_n", "Histogram of the n request parameter.", [1, 2, 5, 10, 20]))
h_max_tokens = per_engine(hist("vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", tok))
h_ttft = per_engine(hist("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TTFT))
h_itl = per_engine(hist("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", ITL))
h_tpot = per_engine(hist("vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", ITL))
h_e2e = per_engine(hist("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", LAT))
h_queue = per_engine(hist("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", LAT))
h_inference = per_engine(hist("vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", LAT))
h_prefill = per_engine(hist("vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", LAT))
h_decode = per_engine(hist("vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", LAT))
h_kv_computed = per_engine(hist("vllm:request_prefill_kv_computed_tokens", "Histogram of new KV tokens computed during prefill (excluding cached tokens).", tok))
info_labels = dict(CACHE_CONFIG, engine="")
info = Gauge("vllm:cache_config_info", "Information of the LLMEngine CacheConfig", list(info_labels.keys()), registry=registry)
for e in ENGINES:
    info.labels(**dict(CACHE_CONFIG, engine=e)).set(1)


def spec(e, pairs):
    drafts[e].inc(len(pairs))
    draft_tokens[e].inc(sum(d for d, _ in pairs))
    accepted[e].inc(sum(a for _, a in pairs))
    for p in range(K):
        acc_pos[e][p].inc(sum(1 for _, a in pairs if a > p))
        drf_pos[e][p].inc(sum(1 for d, _ in pairs if d > p))


def queue(e, r, w, usage, deferred=0):
    running[e].set(r)
    waiting[e].set(w + deferred)
    by_reason["capacity"][e].set(w)
    by_reason["deferred"][e].set(deferred)
    kv[e].set(usage)


def sources(e, computed, local_hit, external):
    by_source["local_compute"][e].inc(computed)
    by_source["local_cache_hit"][e].inc(local_hit)
    by_source["external_kv_transfer"][e].inc(external)
    cached[e].inc(local_hit + external)


def finish(e, reason, e2e, prompt, gen, max_tokens=0, progress=2, queued=0, prefill=0, decode=0, inference=0, tpot=0, cached_tokens=0):
    success[reason][e].inc()
    h_max_gen[e].observe(gen)
    h_n[e].observe(1)
    h_e2e[e].observe(e2e)
    if progress >= 1:
        h_queue[e].observe(queued)
    if progress == 2:
        h_prefill[e].observe(prefill)
        h_inference[e].observe(inference)
        h_decode[e].observe(decode)
    h_kv_computed[e].observe(prompt - max(cached_tokens, 0))
    h_prompt[e].observe(prompt)
    h_gen[e].observe(gen)
    if progress == 2:
        h_tpot[e].observe(tpot)
    if max_tokens:
        h_max_tokens[e].observe(max_tokens)


# step 0
spec("0", [(3, 2), (3, 0)])
spec("1", [(3, 1)])
queue("0", 2, 1, 0.25, 1)
prompt_tokens["0"].inc(120)
generation["0"].inc(4)
sources("0", 88, 32, 0)
prefix_queries["0"].inc(128)
prefix_hits["0"].inc(32)
h_iter["0"].observe(92)
h_ttft["0"].observe(0.042)
queue("1", 1, 0, 0.125)
prompt_tokens["1"].inc(40)
generation["1"].inc(2)
sources("1", 40, 0, 0)
prefix_queries["1"].inc(40)
prefix_hits["1"].inc(0)
h_iter["1"].observe(42)
h_ttft["1"].observe(0.3)
# step 1
spec("0", [(3, 3), (2, 1)])
queue("0", 2, 0, 0.3)
generation["0"].inc(6)
preemptions["0"].inc(1)
h_iter["0"].observe(6)
for _ in range(3):
    h_itl["0"].observe(0.03)
h_itl["1"].observe(0.055)
record_sleep_state("1", True, 1)
finish("1", "abort", 0.2, 40, 0, progress=1, queued=0.125)
# step 2
spec("0", [(3, 1)])
spec("1", [(3, 3), (1, 0)])
queue("0", 0, 0, 0)
generation["0"].inc(2)
h_iter["0"].observe(2)
finish("0", "stop", 1.25, 120, 9, 880, 2, 0.25, 0.5, 0.5, 1, 0.0625, 32)
finish("0", "error", 3.5, 500, 64, 64, 2, 2, 1, 0.5, 1.5, 0.5 / 63)
record_sleep_state("1", False, 0)
queue("1", 1, 0, 0.0625)
generation["1"].inc(5)
h_iter["1"].observe(5)

with open("test/golden/two-engines-k3.prom", "wb") as f:
    f.write(prometheus_client.generate_latest(registry))
with open("test/golden/two-engines-k3.om", "wb") as f:
    f.write(om.generate_latest(registry))
