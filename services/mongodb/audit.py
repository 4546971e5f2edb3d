"""Leak audit of MongoDB (FerretDB natively): documents the tests left, and per-worker
databases not dropped."""

from __future__ import annotations

import pymongo

from native.common import native_service

# The harness's own databases: the test database and its workers' (app_test_gw0, app_test_w1).
SYSTEM_DATABASES = {"admin", "config", "local"}


def _client() -> pymongo.MongoClient:
    return pymongo.MongoClient(
        native_service("mongodb").url, serverSelectionTimeoutMS=5000
    )


def leftovers() -> dict[str, int]:
    """``{database.collection: documents}`` of non-empty collections in any database,
    and ``{"database <name>": 1}`` for each ``app_test_*`` database still there."""
    found: dict[str, int] = {}
    with _client() as client:
        for name in client.list_database_names():
            if name in SYSTEM_DATABASES:
                continue
            if name.startswith("app_test_"):
                found[f"database {name}"] = 1
            database = client[name]
            for collection in database.list_collection_names():
                count = database[collection].count_documents({})
                if count:
                    found[f"{name}.{collection}"] = count
    return found


def make_leftover() -> None:
    """Leave what a killed run leaves: a worker database holding a document (for
    tests/test_native.py)."""
    with _client() as client:
        client["app_test_killedrun"]["users"].insert_one({"email": "left@example.com"})
