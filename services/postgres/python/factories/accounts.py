"""Example factory (delete with example_app/, or extend it): accounts as test data.

``AccountFactory.on(db).create_sync()`` saves an account through the example's own
``AccountStore`` on the connection it is given: ``db`` (rolled back after the test) or
``clean_db`` (committed, emptied before and after). ``AccountFactory.build()`` makes an
unsaved ``Account``; keyword arguments override any field.

polyfactory rather than factory_boy: it fills a dataclass from its own type hints (a
field added to ``Account`` gets a value without a factory change), its factories are
typed (``create_sync()`` returns an ``Account`` to the type checker, where factory_boy
returns ``Any``), and saving goes through a persistence handler, which is how one
factory saves on either connection without a global session.

Unique per test and per worker: e-mail addresses come from the harness's
``unique_test_name`` (worker id, time stamp, random part), never from Faker alone:
pytest-randomly reseeds Faker before every test, so its "random" values repeat from
test to test, and two runs sharing a database (or a ``clean_db`` test and a committed
row) would collide on the unique e-mail.
"""

from __future__ import annotations

import psycopg
from example_app.accounts import Account, AccountStore
from integration_harness.naming import unique_test_name
from polyfactory import Use
from polyfactory.factories import DataclassFactory
from polyfactory.persistence import SyncPersistenceProtocol


def unique_email(purpose: str = "account") -> str:
    """An e-mail address no other test or worker uses (``test-gw0-account-…@example.test``)."""
    return f"{unique_test_name('unique_email', purpose, '-')}@example.test"


class _SaveWith(SyncPersistenceProtocol[Account]):
    """Saves built accounts with ``AccountStore`` on one connection."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.store = AccountStore(conn)

    def save(self, data: Account) -> Account:
        return self.store.create(data.email, data.display_name)

    def save_many(self, data: list[Account]) -> list[Account]:
        return [self.save(account) for account in data]


class AccountFactory(DataclassFactory[Account]):
    """Accounts with a unique e-mail address and a realistic display name."""

    email = Use(unique_email)

    @classmethod
    def display_name(cls) -> str:
        """A person's name (Faker; need not be unique)."""
        return cls.__faker__.name()

    @classmethod
    def on(cls, conn: psycopg.Connection) -> type[AccountFactory]:
        """This factory, saving on ``conn`` (the ``db`` or ``clean_db`` fixture)."""
        return type(cls.__name__, (cls,), {"__sync_persistence__": _SaveWith(conn)})
