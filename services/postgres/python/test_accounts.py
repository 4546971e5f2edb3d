"""Example tests (delete with example_app/): PostgreSQL with `db` and `clean_db`.

Test data comes from factories/accounts.py (`AccountFactory.on(conn)`), which saves on
either fixture's connection with e-mail addresses no other test or worker uses.
"""

from __future__ import annotations

import psycopg
import pytest
from example_app.accounts import AccountStore, DuplicateEmail, InvalidCredit, register
from factories.accounts import AccountFactory, unique_email


def count_accounts(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM accounts").fetchone()
    assert row is not None
    return int(row[0])


def test_created_account_can_be_found(db: psycopg.Connection) -> None:
    store = AccountStore(db)

    created = store.create("Ada@Example.com", "Ada")

    assert store.find_by_email("ada@example.com") == created
    assert created.email == "ada@example.com"


def test_every_test_starts_with_no_accounts(db: psycopg.Connection) -> None:
    assert count_accounts(db) == 0
    AccountFactory.on(db).create_sync()  # rolled back after


def test_duplicate_email_is_refused_and_the_first_account_kept(
    db: psycopg.Connection,
) -> None:
    store = AccountStore(db)
    first = AccountFactory.on(db).create_sync()

    with pytest.raises(DuplicateEmail):
        store.create(first.email.upper(), "Impostor")

    assert store.find_by_email(first.email) == first
    assert count_accounts(db) == 1


def test_factory_accounts_have_unique_emails_so_two_can_be_created(
    db: psycopg.Connection,
) -> None:
    first, second = AccountFactory.on(db).create_batch_sync(2)  # no DuplicateEmail

    assert first.email != second.email
    assert AccountStore(db).page() == [first, second]


def test_opening_credit_is_stored_with_the_account(db: psycopg.Connection) -> None:
    store = AccountStore(db)

    account = store.open_with_credit("alan@example.com", "Alan", credit=50)

    assert store.balance(account.id) == 50


def test_negative_credit_leaves_no_partial_account(db: psycopg.Connection) -> None:
    store = AccountStore(db)
    email = unique_email()

    with pytest.raises(InvalidCredit):
        store.open_with_credit(email, "Edsger", credit=-1)

    assert store.find_by_email(email) is None


def test_code_that_commits_is_cleaned_up_by_clean_db(
    clean_db: psycopg.Connection, database_url: str
) -> None:
    assert count_accounts(clean_db) == 0

    account = register(database_url, "barbara@example.com", "Barbara")

    assert AccountStore(clean_db).find_by_email("barbara@example.com") == account


def test_clean_db_starts_empty_after_a_committing_test(
    clean_db: psycopg.Connection, database_url: str
) -> None:
    register(database_url, "barbara@example.com", "Barbara")  # no DuplicateEmail

    assert count_accounts(clean_db) == 1


def test_factory_saves_on_clean_db_for_code_on_other_connections(
    clean_db: psycopg.Connection, database_url: str
) -> None:
    account = AccountFactory.on(clean_db).create_sync(display_name="Margaret")

    with psycopg.connect(database_url) as other:
        assert AccountStore(other).get(account.id) == account
