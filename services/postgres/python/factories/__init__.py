"""Test-data factories: one module per model (yours: `copier update` never changes them).

A factory makes a valid row with values no other test or worker uses, so a test
states only what matters to it; see accounts.py.
"""
