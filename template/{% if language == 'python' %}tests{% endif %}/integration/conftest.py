"""Your fixtures for the integration tests.

Created once by integration-harness; `copier update` never changes this file.
The harness's fixtures (see README.md here) come from the plugin named below;
override any of them by defining a fixture with the same name in this file,
for example ``database_schema`` to run your migrations instead of schema/*.sql.
"""

pytest_plugins = ("integration_harness.plugin",)
