# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""integration-harness: pytest fixtures for integration tests against real services.

Put your own fixtures in ``tests/integration/conftest.py``; override a harness fixture by
defining one with the same name there.

Layers, in order:
- ``settings``: the ``TEST_*`` settings (environment > .env.test.local > .env.test);
- ``services``: who each service is (rendered from the catalogue);
- ``safety``: refuses to clean anything that does not look like a test service,
  and `redact`, the one place credentials are hidden;
- ``readiness``: one bounded wait for every service before the first test;
- ``naming``: the worker id and `unique_test_name` for what tests create;
- ``databases``: what the SQL modules share (a database per worker, schema files);
- one module per service with its session fixture (``<service>_url``) and its
  per-test isolation fixtures;
- ``plugin``: loads the modules for this project's services and runs the checks.
"""

from .managed import stop_if_broken

stop_if_broken()
