"""Example component, to show the test patterns: delete this folder and the example tests.

Created once by integration-harness; `copier update` never rewrites it.
"""
