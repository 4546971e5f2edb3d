"""Example tests (delete with example_app/): PostgreSQL with `db` and `clean_db`."""

from __future__ import annotations

import psycopg
import pytest
from example_app.accounts import AccountStore, DuplicateEmail, InvalidCredit, register


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
    AccountStore(db).create("left@example.com", "Left behind?")  # rolled back after


def test_duplicate_email_is_refused_and_the_first_account_kept(
    db: psycopg.Connection,
) -> None:
    store = AccountStore(db)
    first = store.create("grace@example.com", "Grace")

    with pytest.raises(DuplicateEmail):
        store.create("GRACE@example.com", "Impostor")

    assert store.find_by_email("grace@example.com") == first
    assert count_accounts(db) == 1


def test_opening_credit_is_stored_with_the_account(db: psycopg.Connection) -> None:
    store = AccountStore(db)

    account = store.open_with_credit("alan@example.com", "Alan", credit=50)

    assert store.balance(account.id) == 50


def test_negative_credit_leaves_no_partial_account(db: psycopg.Connection) -> None:
    store = AccountStore(db)

    with pytest.raises(InvalidCredit):
        store.open_with_credit("edsger@example.com", "Edsger", credit=-1)

    assert store.find_by_email("edsger@example.com") is None


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
