"""Benchmark harness: synthetic SOP projects, timed builds and a WeasyPrint baseline.

``python -m bench.generate`` writes projects, ``python -m bench.run`` measures them,
``python -m bench.profiling`` shows where one build spends its time,
``python -m bench.reading`` what reading a handbook costs, phase by phase.
"""
