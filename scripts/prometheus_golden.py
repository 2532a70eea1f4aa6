#!/usr/bin/env python3
"""Regenerate specsim's Prometheus golden files with Python's prometheus_client.

The golden files in test/golden/ are what vLLM's /metrics would show for a small scripted
scenario. This script builds that scenario the way vLLM does -- a Python SpecDecodingStats
accumulator feeding prometheus_client Counters (vllm/v1/spec_decode/metrics.py) and the core
families of PrometheusStatLogger (vllm/v1/metrics/loggers.py) -- and prints the exposition that
prometheus_client renders. It never runs specsim, so a golden file regenerated here is an
independent reference, not a snapshot of specsim's own output.

Usage:
    python3 scripts/prometheus_golden.py NAME    # print one golden file to stdout
    python3 scripts/prometheus_golden.py --version

NAME is one of two-engines-k3.prom, two-engines-k3.om, spec-k3-scrapes.om, api-server.prom,
api-server.om. The scenarios are
the same as test/metrics/prom/scenario.ts and test/metrics/prom/scrapes.ts; docs/prometheus-golden.md
says how the files are compared and which prometheus_client version made them.
"""

import inspect
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest as generate_text
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

CREATED_S = 1700000000.0
LABELNAMES = ['model_name', 'engine']

# vllm/v1/metrics/loggers.py buckets.
TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0,
                640.0, 2560.0]
ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0,
                           1920.0, 7680.0]
FINISH_REASONS = ['stop', 'length', 'abort', 'error', 'repetition']  # vllm/v1/engine FINISH_REASON_STRINGS


def build_1_2_5_buckets(max_value):
    """vllm/v1/metrics/loggers.py build_1_2_5_buckets."""
    buckets = []
    exponent = 0
    while True:
        for mantissa in (1, 2, 5):
            value = mantissa * 10**exponent
            if value > max_value:
                return buckets
            buckets.append(value)
        exponent += 1


@contextmanager
def frozen_clock(seconds):
    """prometheus_client stamps every child's _created with time.time(): fix it."""
    real = time.time
    time.time = lambda: seconds
    try:
        yield
    finally:
        time.time = real


class SpecDecodingStats:
    """vLLM's per-step accumulator (newest version: drafted per position too)."""

    def __init__(self, num_spec_tokens):
        self.num_spec_tokens = num_spec_tokens
        self.num_drafts = 0
        self.num_draft_tokens = 0
        self.num_accepted_tokens = 0
        self.num_accepted_tokens_per_pos = [0] * num_spec_tokens
        self.num_draft_tokens_per_pos = [0] * num_spec_tokens

    def observe_draft(self, num_draft_tokens, num_accepted_tokens):
        assert 0 <= num_accepted_tokens <= num_draft_tokens <= self.num_spec_tokens
        self.num_drafts += 1
        self.num_draft_tokens += num_draft_tokens
        self.num_accepted_tokens += num_accepted_tokens
        for i in range(num_accepted_tokens):
            self.num_accepted_tokens_per_pos[i] += 1
        for i in range(num_draft_tokens):
            self.num_draft_tokens_per_pos[i] += 1


class SpecDecodingProm:
    """vLLM's SpecDecodingProm: one child per engine, k position children per engine."""

    def __init__(self, registry, model_name, engines, k, per_position_drafted):
        per_engine = {e: [model_name, str(e)] for e in engines}

        def counter(name, documentation, labelnames=LABELNAMES):
            return Counter(name=name, documentation=documentation, labelnames=labelnames, registry=registry)

        def make_per_engine(family):
            return {e: family.labels(*lv) for e, lv in per_engine.items()}

        def make_per_position(family):
            return {e: [family.labels(*lv, str(pos)) for pos in range(k)] for e, lv in per_engine.items()}

        draft_tokens_help = 'Number of verified draft tokens.' if per_position_drafted else 'Number of draft tokens.'
        self.drafts = make_per_engine(counter('vllm:spec_decode_num_drafts', 'Number of spec decoding drafts.'))
        self.draft_tokens = make_per_engine(counter('vllm:spec_decode_num_draft_tokens', draft_tokens_help))
        self.accepted_tokens = make_per_engine(counter('vllm:spec_decode_num_accepted_tokens', 'Number of accepted tokens.'))
        pos_labelnames = LABELNAMES + ['position']
        self.accepted_per_pos = make_per_position(
            counter('vllm:spec_decode_num_accepted_tokens_per_pos', 'Accepted tokens per draft position.', pos_labelnames))
        self.drafted_per_pos = None
        if per_position_drafted:
            self.drafted_per_pos = make_per_position(
                counter('vllm:spec_decode_num_draft_tokens_per_pos', 'Verified draft tokens per draft position.', pos_labelnames))

    def observe(self, stats, engine):
        self.drafts[engine].inc(stats.num_drafts)
        self.draft_tokens[engine].inc(stats.num_draft_tokens)
        self.accepted_tokens[engine].inc(stats.num_accepted_tokens)
        for pos, child in enumerate(self.accepted_per_pos[engine]):
            child.inc(stats.num_accepted_tokens_per_pos[pos])
        if self.drafted_per_pos is not None:
            for pos, child in enumerate(self.drafted_per_pos[engine]):
                child.inc(stats.num_draft_tokens_per_pos[pos])


WAITING_REASONS = ['capacity', 'deferred']
SLEEP_STATES = ['awake', 'weights_offloaded', 'discard_all']
PROMPT_SOURCES = ['local_compute', 'local_cache_hit', 'external_kv_transfer']
KV_CACHE_RESIDENCY_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800]
ITERATION_TOKENS_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
CACHE_CONFIG = {'block_size': '16', 'gpu_memory_utilization': '0.9', 'enable_prefix_caching': 'True', 'num_gpu_blocks': '2048'}


class CoreProm:
    """The families of the newest PrometheusStatLogger (vllm/v1/metrics/loggers.py), declared in
    vLLM's order with its HELP texts and buckets; labelled children created reason-major across
    engines, as vLLM's loops do. See docs/vllm-metrics.md."""

    def __init__(self, registry, model_name, engines, max_model_len, kv_cache_metrics=False):
        self.engines = [str(e) for e in engines]
        model = model_name

        def counter(name, doc, extra=()):
            return Counter(name, doc, LABELNAMES + list(extra), registry=registry)

        def gauge(name, doc, extra=()):
            return Gauge(name, doc, LABELNAMES + list(extra), registry=registry)

        def per_engine(metric):
            return {e: metric.labels(model, e) for e in self.engines}

        def per_value(metric, values):
            return {v: {e: metric.labels(model, e, v) for e in self.engines} for v in values}

        def hist(name, doc, buckets):
            return per_engine(Histogram(name, doc, LABELNAMES, buckets=buckets, registry=registry))

        # vllm/v1/metrics/perf.py PerfMetricsProm: created right after the spec-decoding families, with or
        # without --enable-mfu-metrics (vLLM declares the names with their _total suffix).
        self.flops = per_engine(counter('vllm:estimated_flops_per_gpu_total',
                                        'Estimated number of floating point operations per GPU (for Model Flops Utilization calculations).'))
        self.read_bytes = per_engine(counter('vllm:estimated_read_bytes_per_gpu_total',
                                             'Estimated number of bytes read from memory per GPU (for Model Flops Utilization calculations).'))
        self.write_bytes = per_engine(counter('vllm:estimated_write_bytes_per_gpu_total',
                                              'Estimated number of bytes written to memory per GPU (for Model Flops Utilization calculations).'))
        self.running = per_engine(gauge('vllm:num_requests_running', 'Number of requests in model execution batches.'))
        self.waiting = per_engine(gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.'))
        self.by_reason = per_value(gauge(
            'vllm:num_requests_waiting_by_reason',
            "Number of waiting requests by reason. Reason labels: 'capacity' = waiting for scheduling capacity; "
            "'deferred' = deferred by transient constraints (LoRA budget, KV transfer, blocked status). "
            'Sum of all reasons equals vllm:num_requests_waiting.',
            ['reason']), WAITING_REASONS)
        sleep = Gauge('vllm:engine_sleep_state',
                      'Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake; '
                      'weights_offloaded = 1 means sleep level 1; discard_all = 1 means sleep level 2.',
                      LABELNAMES + ['sleep_state'], registry=registry)
        self.sleep = {s: {e: sleep.labels(engine=e, model_name=model, sleep_state=s) for e in self.engines} for s in SLEEP_STATES}
        for e in self.engines:
            self.record_sleep_state(e, False, 0)
        self.kv = per_engine(gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.'))
        self.prefix_queries = per_engine(counter('vllm:prefix_cache_queries', 'Prefix cache queries, in terms of number of queried tokens.'))
        self.prefix_hits = per_engine(counter('vllm:prefix_cache_hits', 'Prefix cache hits, in terms of number of cached tokens.'))
        per_engine(counter('vllm:external_prefix_cache_queries',
                           'External prefix cache queries from KV connector cross-instance cache sharing, in terms of number of queried tokens.'))
        per_engine(counter('vllm:external_prefix_cache_hits',
                           'External prefix cache hits from KV connector cross-instance cache sharing, in terms of number of cached tokens.'))
        per_engine(counter('vllm:mm_cache_queries', 'Multi-modal cache queries, in terms of number of queried items.'))
        per_engine(counter('vllm:mm_cache_hits', 'Multi-modal cache hits, in terms of number of cached items.'))
        self.preemptions = per_engine(counter('vllm:num_preemptions', 'Cumulative number of preemption from the engine.'))
        self.prompt_tokens = per_engine(counter('vllm:prompt_tokens', 'Number of prefill tokens processed.'))
        self.by_source = per_value(counter('vllm:prompt_tokens_by_source', 'Number of prompt tokens by source.', ['source']), PROMPT_SOURCES)
        self.cached = per_engine(counter('vllm:prompt_tokens_cached', 'Number of cached prompt tokens (local + external).'))
        self.generation = per_engine(counter('vllm:generation_tokens', 'Number of generation tokens processed.'))
        self.success = per_value(counter('vllm:request_success', 'Count of successfully processed requests.', ['finished_reason']), FINISH_REASONS)
        tok = build_1_2_5_buckets(max_model_len)
        self.h_prompt = hist('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', tok)
        self.h_gen = hist('vllm:request_generation_tokens', 'Number of generation tokens processed.', tok)
        self.h_iter = hist('vllm:iteration_tokens_total', 'Histogram of number of tokens per engine_step.', ITERATION_TOKENS_BUCKETS)
        self.h_max_gen = hist('vllm:request_max_num_generation_tokens', 'Histogram of maximum number of requested generation tokens.', tok)
        self.h_n = hist('vllm:request_params_n', 'Histogram of the n request parameter.', [1, 2, 5, 10, 20])
        self.h_max_tokens = hist('vllm:request_params_max_tokens', 'Histogram of the max_tokens request parameter.', tok)
        self.h_ttft = hist('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT_BUCKETS)
        self.h_itl = hist('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', ITL_BUCKETS)
        self.h_tpot = hist('vllm:request_time_per_output_token_seconds', 'Histogram of time_per_output_token_seconds per request.', ITL_BUCKETS)
        self.h_e2e = hist('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', REQUEST_LATENCY_BUCKETS)
        self.h_queue = hist('vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', REQUEST_LATENCY_BUCKETS)
        self.h_inference = hist('vllm:request_inference_time_seconds', 'Histogram of time spent in RUNNING phase for request.',
                                REQUEST_LATENCY_BUCKETS)
        self.h_prefill = hist('vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', REQUEST_LATENCY_BUCKETS)
        self.h_decode = hist('vllm:request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', REQUEST_LATENCY_BUCKETS)
        self.h_kv_computed = hist('vllm:request_prefill_kv_computed_tokens',
                                  'Histogram of new KV tokens computed during prefill (excluding cached tokens).', tok)
        if kv_cache_metrics:  # --kv-cache-metrics
            self.h_kv_lifetime = hist('vllm:kv_block_lifetime_seconds',
                                      'Histogram of KV cache block lifetime from allocation to eviction. '
                                      'Sampled metrics (controlled by --kv-cache-metrics-sample).', KV_CACHE_RESIDENCY_BUCKETS)
            self.h_kv_idle = hist('vllm:kv_block_idle_before_evict_seconds',
                                  'Histogram of idle time before KV cache block eviction. '
                                  'Sampled metrics (controlled by --kv-cache-metrics-sample).', KV_CACHE_RESIDENCY_BUCKETS)
            self.h_kv_reuse_gap = hist('vllm:kv_block_reuse_gap_seconds',
                                       'Histogram of time gaps between consecutive KV cache block accesses. '
                                       'Only the most recent accesses are recorded (ring buffer). '
                                       'Sampled metrics (controlled by --kv-cache-metrics-sample).', KV_CACHE_RESIDENCY_BUCKETS)
        info = Gauge('vllm:cache_config_info', 'Information of the LLMEngine CacheConfig', list(dict(CACHE_CONFIG, engine='').keys()),
                     registry=registry)
        for e in self.engines:
            info.labels(**dict(CACHE_CONFIG, engine=e)).set(1)

    def perf(self, e, flops, read_bytes, write_bytes):
        """PerfMetricsProm.observe: one step's PerfStats; a step of all zeros is skipped."""
        if not (flops or read_bytes or write_bytes):
            return
        self.flops[e].inc(flops)
        self.read_bytes[e].inc(read_bytes)
        self.write_bytes[e].inc(write_bytes)

    def record_sleep_state(self, e, is_sleeping, level):
        self.sleep['awake'][e].set(0 if is_sleeping else 1)
        self.sleep['weights_offloaded'][e].set(1 if is_sleeping and level == 1 else 0)
        self.sleep['discard_all'][e].set(1 if is_sleeping and level == 2 else 0)

    def queue(self, e, running, waiting, usage, deferred=0):
        self.running[e].set(running)
        self.waiting[e].set(waiting + deferred)
        self.by_reason['capacity'][e].set(waiting)
        self.by_reason['deferred'][e].set(deferred)
        self.kv[e].set(usage)

    def sources(self, e, computed, local_hit, external):
        self.by_source['local_compute'][e].inc(computed)
        self.by_source['local_cache_hit'][e].inc(local_hit)
        self.by_source['external_kv_transfer'][e].inc(external)
        self.cached[e].inc(local_hit + external)

    def prefill_step(self, e, queue, prompt, generation, sources, queries, hits, tokens, ttft):
        """One engine's step that prefills and produces first tokens."""
        self.queue(e, *queue)
        self.prompt_tokens[e].inc(prompt)
        self.generation[e].inc(generation)
        self.sources(e, *sources)
        self.prefix_queries[e].inc(queries)
        self.prefix_hits[e].inc(hits)
        self.h_iter[e].observe(tokens)
        self.h_ttft[e].observe(ttft)

    def finish(self, e, reason, e2e, prompt, gen, max_tokens=0, progress=2, queued=0, prefill=0, decode=0, inference=0, tpot=0,
               cached_tokens=0):
        """A finished request; progress 0 = never scheduled, 1 = scheduled without a token, 2 = produced tokens."""
        self.success[reason][e].inc()
        self.h_max_gen[e].observe(gen)
        self.h_n[e].observe(1)
        self.h_e2e[e].observe(e2e)
        if progress >= 1:
            self.h_queue[e].observe(queued)
        if progress == 2:
            self.h_prefill[e].observe(prefill)
            self.h_inference[e].observe(inference)
            self.h_decode[e].observe(decode)
        self.h_kv_computed[e].observe(prompt - max(cached_tokens, 0))
        self.h_prompt[e].observe(prompt)
        self.h_gen[e].observe(gen)
        if progress == 2:
            self.h_tpot[e].observe(tpot)
        if max_tokens:
            self.h_max_tokens[e].observe(max_tokens)


def observe_drafts(prom, engine, k, drafts):
    """One step of an engine: a fresh SpecDecodingStats observing (drafted, accepted) pairs, then SpecDecodingProm.observe."""
    stats = SpecDecodingStats(k)
    for drafted, accepted in drafts:
        stats.observe_draft(drafted, accepted)
    prom.observe(stats, engine)


def two_engines_k3():
    """test/metrics/prom/scenario.ts: model sim-model, engines 0 and 1, k = 3, newest vLLM, three steps."""
    registry = CollectorRegistry()
    with frozen_clock(CREATED_S):
        spec = SpecDecodingProm(registry, 'sim-model', [0, 1], 3, per_position_drafted=True)
        core = CoreProm(registry, 'sim-model', [0, 1], max_model_len=1000)
        # Step 0
        observe_drafts(spec, 0, 3, [(3, 2), (3, 0)])
        observe_drafts(spec, 1, 3, [(3, 1)])
        core.prefill_step('0', (2, 1, 0.25, 1), prompt=120, generation=4, sources=(88, 32, 0), queries=128, hits=32, tokens=92, ttft=0.042)
        core.prefill_step('1', (1, 0, 0.125), prompt=40, generation=2, sources=(40, 0, 0), queries=40, hits=0, tokens=42, ttft=0.3)
        # --enable-mfu-metrics: PerfStats of the step (above 1e10 Python prints e.g. 1.4775680512e+012).
        core.perf('0', 1477568051200, 16106127360, 12058624)
        core.perf('1', 0, 0, 0)
        # Step 1: vLLM observes one inter-token latency per generated token.
        observe_drafts(spec, 0, 3, [(3, 3), (2, 1)])
        core.queue('0', 2, 0, 0.3)
        core.generation['0'].inc(6)
        core.preemptions['0'].inc(1)
        core.h_iter['0'].observe(6)
        for _ in range(3):
            core.h_itl['0'].observe(0.03)
        core.h_itl['1'].observe(0.055)
        core.perf('0', 96363134976, 16060522496, 786432)
        core.record_sleep_state('1', True, 1)
        core.finish('1', 'abort', 0.2, 40, 0, progress=1, queued=0.125)
        # Step 2
        observe_drafts(spec, 0, 3, [(3, 1)])
        observe_drafts(spec, 1, 3, [(3, 3), (1, 0)])
        core.queue('0', 0, 0, 0)
        core.generation['0'].inc(2)
        core.h_iter['0'].observe(2)
        core.finish('0', 'stop', 1.25, 120, 9, 880, 2, 0.25, 0.5, 0.5, 1, 0.0625, 32)
        core.finish('0', 'error', 3.5, 500, 64, 64, 2, 2, 1, 0.5, 1.5, 0.5 / 63)
        core.record_sleep_state('1', False, 0)
        core.queue('1', 1, 0, 0.0625)
        core.generation['1'].inc(5)
        core.h_iter['1'].observe(5)
    return registry


# test/golden/prometheus-client.test.ts: sampled KV block evictions (lifetime, idle, reuse gaps).
KV_EVICTIONS = [(9.0, 3.0, (2.0, 3.0)), (0.0004, 0.0004, ()), (1800.0, 1799.5, (0.25, 0.5, 600.0)), (2500.0, 0.001, (2499.0,))]


def kv_residency():
    """One engine with --kv-cache-metrics: what PrometheusStatLogger.record observes for each KVCacheEvictionEvent."""
    registry = CollectorRegistry()
    with frozen_clock(CREATED_S):
        core = CoreProm(registry, 'sim-model', [0], max_model_len=1000, kv_cache_metrics=True)
        for lifetime, idle, gaps in KV_EVICTIONS:
            core.h_kv_lifetime['0'].observe(lifetime)
            core.h_kv_idle['0'].observe(idle)
            for gap in gaps:
                core.h_kv_reuse_gap['0'].observe(gap)
    return registry


# test/metrics/prom/scrapes.ts: PLAN[scrape][engine] = drafts observed before that scrape.
SCRAPE_PLAN = [
    [[(3, 2)], [(3, 0), (3, 3)]],
    [[(3, 1), (2, 2)], []],
    [[(3, 0)], [(3, 1)]],
]


class ScrapeHistory:
    """Every sample of several scrapes, each stamped with its scrape time, one family at a time and
    each series (labels) contiguous in scrape order: what a backfill file of OpenMetrics needs."""

    def __init__(self):
        self.families = {}

    def add(self, registry, timestamp):
        for family in registry.collect():
            entry = self.families.setdefault(family.name, (family.documentation, family.type, {}))
            for sample in family.samples:
                series = tuple(sorted(sample.labels.items()))
                entry[2].setdefault(series, []).append((sample.name, sample.labels, sample.value, timestamp))

    def collect(self):
        for name, (documentation, kind, series) in self.families.items():
            metric = Metric(name, documentation, kind)
            for samples in series.values():
                for sample_name, labels, value, timestamp in samples:
                    metric.add_sample(sample_name, labels, value, timestamp)
            yield metric


def spec_k3_scrapes():
    """Model m, engines 0 and 1, k = 3, V1-e families, created at 1700000000, scraped every 15 s from 1700000015."""
    registry = CollectorRegistry()
    with frozen_clock(CREATED_S):
        spec = SpecDecodingProm(registry, 'm', [0, 1], 3, per_position_drafted=False)
    history = ScrapeHistory()
    for scrape, per_engine in enumerate(SCRAPE_PLAN):
        for engine, drafts in enumerate(per_engine):
            observe_drafts(spec, engine, 3, drafts)
        history.add(registry, 1700000015.0 + 15 * scrape)
    out = CollectorRegistry()
    out.register(history)
    return out


# The API server's own families: prometheus_client's ProcessCollector reading a fixed /proc, and
# prometheus-fastapi-instrumentator's metrics.default() declarations (names, HELP texts with their
# trailing spaces, labels, buckets) as vLLM's Instrumentator(...).add().instrument(app) creates them.
API_PROC_STAT = {'utime': 1234, 'stime': 566, 'starttime': 250000, 'vsize': 21474836480, 'rss': 262144}
API_BTIME = 1699990000
API_OPEN_FDS = 7
# (method, handler, status code, duration s, request bytes, response bytes, at s)
API_REQUESTS = [
    ('POST', '/v1/chat/completions', 200, 0.734, 512, 0, 1700000001.5),
    ('POST', '/v1/chat/completions', 200, 2.25, 2048, 0, 1700000003.0),
    ('POST', '/v1/completions', 500, 0.05, 300, 171, 1700000004.25),
    ('GET', '/v1/models', 200, 0.002, 0, 453, 1700000005.0),
    ('GET', 'none', 404, 0.001, 0, 22, 1700000006.0),
    ('POST', '/v1/chat/completions', 200, 61.0, 4096, 0, 1700000070.0),
]


def api_server():
    """The process, HTTP and sleep-mode families of vLLM's API server process, created at CREATED_S."""
    import os
    import tempfile
    from prometheus_client import ProcessCollector, Summary
    proc = tempfile.mkdtemp()
    os.makedirs(os.path.join(proc, 'self', 'fd'))
    with open(os.path.join(proc, 'stat'), 'w') as f:
        f.write(f'cpu  1 2 3 4\nbtime {API_BTIME}\n')
    fields = ['S'] + ['0'] * 40
    for name, index in (('utime', 11), ('stime', 12), ('starttime', 19), ('vsize', 20), ('rss', 21)):
        fields[index] = str(API_PROC_STAT[name])
    with open(os.path.join(proc, 'self', 'stat'), 'w') as f:
        f.write('4242 (python3) ' + ' '.join(fields) + '\n')
    with open(os.path.join(proc, 'self', 'limits'), 'w') as f:
        f.write('Limit                     Soft Limit           Hard Limit           Units     \n')
        f.write('Max open files            65535                1048576              files     \n')
    for i in range(API_OPEN_FDS):
        open(os.path.join(proc, 'self', 'fd', str(i)), 'w').close()
    registry = CollectorRegistry()
    ProcessCollector(proc=proc, pid=lambda: 'self', registry=registry)
    with frozen_clock(CREATED_S):
        total = Counter('http_requests_total', 'Total number of requests by method, status and handler.',
                        ('method', 'status', 'handler'), registry=registry)
        in_size = Summary('http_request_size_bytes',
                          'Content length of incoming requests by handler. Only value of header is respected. '
                          'Otherwise ignored. No percentile calculated. ', ('handler',), registry=registry)
        out_size = Summary('http_response_size_bytes',
                           'Content length of outgoing responses by handler. Only value of header is respected. '
                           'Otherwise ignored. No percentile calculated. ', ('handler',), registry=registry)
        highr = Histogram('http_request_duration_highr_seconds',
                          'Latency with many buckets but no API specific labels. Made for more accurate percentile calculations. ',
                          buckets=(0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5,
                                   7.5, 10, 30, 60, float('inf')), registry=registry)
        lowr = Histogram('http_request_duration_seconds',
                         'Latency with only few buckets by handler. Made to be only used if aggregation by handler is important. ',
                         ('method', 'handler'), buckets=(0.1, 0.5, 1, float('inf')), registry=registry)
    for method, handler, status, duration, request_bytes, response_bytes, at in API_REQUESTS:
        with frozen_clock(at):
            # The instrumentator's order: total, sizes, high-resolution latency, latency by handler.
            total.labels(method, str(status)[0] + 'xx', handler).inc()
            in_size.labels(handler).observe(request_bytes)
            out_size.labels(handler).observe(response_bytes)
            highr.observe(duration)
            lowr.labels(method, handler).observe(duration)
    # Sleep-mode operations come later: their families are created by the first one, after the HTTP families.
    sleep_mode_operations(registry)
    return registry


# vllm/entrypoints/serve/sleep/metrics.py: dispatched sleep-mode operations, timed by the API server.
SLEEP_MODE_BUCKETS = (0.01, 0.1, 1, 10, 30, 60, 120, 300, 600)
SLEEP_MODE_OPERATIONS = ('sleep', 'release_kv_cache_memory', 'wake')
# (operation, began at s, duration s or None while still awaited)
SLEEP_OPERATIONS = [
    ('sleep', 1700000080.0, 0.692352),
    ('wake', 1700000100.0, 0.05),
    ('sleep', 1700000200.0, 45.25),
    ('sleep', 1700000300.0, None),
]


class SleepModeOperationMetrics:
    """vLLM's SleepModeOperationMetrics: the histogram, then the gauge with every operation at 0."""

    def __init__(self, registry):
        self.duration = Histogram('vllm:sleep_mode_operation_duration_seconds', 'Duration of one sleep-mode operation.', ['operation'],
                                  buckets=SLEEP_MODE_BUCKETS, registry=registry)
        self.in_flight = Gauge('vllm:sleep_mode_operations_in_flight', 'Sleep-mode operations currently awaited.', ['operation'],
                               multiprocess_mode='livesum', registry=registry)
        for operation in SLEEP_MODE_OPERATIONS:
            self.in_flight.labels(operation).set(0)


def sleep_mode_operations(registry):
    """What record(operation) does around each call: created by the first call, in flight until it returns."""
    metrics = None
    for operation, began, duration in SLEEP_OPERATIONS:
        with frozen_clock(began):
            if metrics is None:
                metrics = SleepModeOperationMetrics(registry)
            metrics.in_flight.labels(operation).inc()
        if duration is not None:
            with frozen_clock(began + duration):
                metrics.in_flight.labels(operation).dec()
                metrics.duration.labels(operation).observe(duration)


def openmetrics(registry):
    """OpenMetrics 1.0.0 as prometheus_client serves it to a scraper that accepts UTF-8 names.

    prometheus_client >= 0.23 takes an `escaping` argument; its default (`underscores`, used when
    the Accept header names no escaping) rewrites the ':' of vLLM's sample names to '_' while
    `# HELP`/`# TYPE` keep it. With `allow-utf-8` (what a UTF-8-aware Prometheus asks for) the
    output is the same as prometheus_client < 0.23. See docs/prometheus-golden.md.
    """
    if 'escaping' in inspect.signature(generate_openmetrics).parameters:
        return generate_openmetrics(registry, escaping='allow-utf-8')
    return generate_openmetrics(registry)


GOLDEN = {
    'two-engines-k3.prom': lambda: generate_text(two_engines_k3()),
    'two-engines-k3.om': lambda: openmetrics(two_engines_k3()),
    'spec-k3-scrapes.om': lambda: openmetrics(spec_k3_scrapes()),
    'api-server.prom': lambda: generate_text(api_server()),
    'api-server.om': lambda: openmetrics(api_server()),
    'kv-residency.prom': lambda: generate_text(kv_residency()),
}


def main(argv):
    if argv == ['--version']:
        print(installed_version())
        return 0
    if len(argv) != 1 or argv[0] not in GOLDEN:
        print(f'usage: prometheus_golden.py {{{"|".join(GOLDEN)}}} | --version', file=sys.stderr)
        return 2
    sys.stdout.write(GOLDEN[argv[0]]().decode('utf-8'))
    return 0


def installed_version():
    """The version of the prometheus_client that was imported (not just some installed one)."""
    try:
        from importlib.metadata import PackageNotFoundError, distributions
        for dist in distributions(path=[str(Path(prometheus_client.__file__).parent.parent)]):
            if dist.metadata['Name'].replace('-', '_').lower() == 'prometheus_client':
                return dist.version
    except PackageNotFoundError:
        pass
    return 'unknown (imported from ' + prometheus_client.__file__ + ')'


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
