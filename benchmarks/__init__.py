"""Performance suite: a generator that scales the real schema, and the benchmark runner.

``python -m benchmarks.run --rows N`` prints one JSON object; see ``docs/performance.md``.
"""
