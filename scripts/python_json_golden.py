#!/usr/bin/env python3
"""Regenerate test/serve/python-json.golden.json with CPython's json and pydantic.

vLLM answers a non-streamed request with Starlette's JSONResponse, which is
json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")),
and writes every streamed chunk with pydantic's model_dump_json. The two print floats
differently (json: repr, 1e-05; pydantic-core: 0.00001, 1e-7). This script writes, for a fixed set
of floats and one nested response-like object, what each serialiser prints. It never runs
specsim, so the file is an independent reference for src/server/py-json.ts.

Usage:
    python3 scripts/python_json_golden.py > test/serve/python-json.golden.json
"""

import json
import math
import random
import struct
import sys

import pydantic
from pydantic import BaseModel


class Floats(BaseModel):
    x: list[float]


class Anything(BaseModel):
    value: object


def float32(x: float) -> float:
    """The float32 nearest x, as a Python float (vLLM's logprobs are float32 tensors)."""
    return struct.unpack('f', struct.pack('f', x))[0]


def floats() -> list[float]:
    rng = random.Random(20261201)
    values = [0.0, -0.0, 1.0, -1.0, 0.5, 10.0, 100.0, 1e15, 9.99e15, 1e16, 1.5e16, 1e21, 1e22, 1e-4, 1.2e-4, 1e-5, 1.5e-5,
              1e-6, 1.5e-6, 1e-7, 9.99e-7, 5e-324, 1.7976931348623157e308, 2.0 ** 53, 0.1 + 0.2, 1 / 3, -9999.0,
              123456789012345678.0, 1717171717.123456]
    for _ in range(300):
        exponent = rng.uniform(-12, 22)
        values.append(rng.choice([1, -1]) * 10 ** exponent)
    for _ in range(200):
        # Log-probabilities as vLLM returns them: float32 values of log(p).
        values.append(float32(math.log(rng.uniform(1e-9, 1.0))))
    for _ in range(50):
        values.append(float(rng.randint(-10 ** 6, 10 ** 6)))
    return values


def main() -> None:
    values = floats()
    obj = {
        'id': 'cmpl-0',
        'created': 1700000000,
        'text': ' caf\u00e9 \u2014 "quoted" \\ back\nline\ttab \u0001 \U0001f600',
        'logprobs': {
            'tokens': [' the', ' caf\u00e9'],
            'token_logprobs': [-0.0, -1.2345e-5],
            'top_logprobs': [{' the': -0.0, ' a': -3.5}, None],
            'text_offset': [0, 4],
        },
        'metrics': {'mean_acceptance_length': 1.0, 'draft_acceptance_rate': 0.0, 'tokens_per_second': 1234.5678, 'ttft': 1e-7},
        'empty': {},
        'list': [],
        'flag': True,
    }
    golden = {
        'generator': f'python {sys.version.split()[0]}, pydantic {pydantic.VERSION}',
        'floats': [repr(v) for v in values],
        'json_dumps': json.dumps(values, ensure_ascii=False, allow_nan=False, indent=None, separators=(',', ':')),
        'pydantic': Floats(x=values).model_dump_json(),
        'object_json_dumps': json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=None, separators=(',', ':')),
        'object_pydantic': Anything(value=obj).model_dump_json(),
    }
    print(json.dumps(golden, indent='\t', ensure_ascii=False))


if __name__ == '__main__':
    main()
