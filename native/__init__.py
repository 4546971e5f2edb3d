"""Native servers on 127.0.0.1 for the template's own tests and CI (no Docker here).

Each module in this package starts one catalogue service idempotently, on the
host port and with the credentials that ``catalogue/services.yml`` gives, so the
generated projects' ``.env.test`` works against these servers unchanged.
"""
