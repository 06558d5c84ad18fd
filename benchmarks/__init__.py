"""Offline benchmarks for asktell: searchers and schedulers compared on a simulated clock.

Run `python -m benchmarks <suite> [--seeds N --budget B --workers W --out DIR]`; suites are `searchers`,
`schedulers` (with the ASHA-paper plot), `parallel` and `overhead`. Nothing in the library imports this package.
"""
