"""Example component (delete me): accounts and their opening credit in MySQL or MariaDB."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pymysql
from pymysql.connections import Connection

DUPLICATE_KEY = 1062
CHECK_CONSTRAINT_FAILED = (3819, 4025)  # MySQL, MariaDB


class DuplicateEmail(ValueError):
    """An account with this e-mail address exists already."""


class InvalidCredit(ValueError):
    """An opening credit must not be negative."""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    display_name: str


class AccountStore:
    """Accounts on a connection the caller owns (and commits, or not)."""

    _savepoints = itertools.count()

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        """All statements inside, or none of them (a savepoint in the caller's transaction)."""
        name = f"sp_{next(self._savepoints)}"
        with self.conn.cursor() as cursor:
            cursor.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            with self.conn.cursor() as cursor:
                cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
            raise
        with self.conn.cursor() as cursor:
            cursor.execute(f"RELEASE SAVEPOINT {name}")

    def create(self, email: str, display_name: str) -> Account:
        email = email.lower()
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO accounts (email, display_name) VALUES (%s, %s)",
                    (email, display_name),
                )
                return Account(cursor.lastrowid, email, display_name)
        except pymysql.err.IntegrityError as error:
            if error.args[0] == DUPLICATE_KEY:
                raise DuplicateEmail(email) from None
            raise

    def find_by_email(self, email: str) -> Account | None:
        with self.conn.cursor() as cursor:
            cursor.execute(
                "SELECT id, email, display_name FROM accounts WHERE email = %s",
                (email.lower(),),
            )
            row = cursor.fetchone()
        return Account(*row) if row else None

    def get(self, account_id: int) -> Account | None:
        with self.conn.cursor() as cursor:
            cursor.execute(
                "SELECT id, email, display_name FROM accounts WHERE id = %s",
                (account_id,),
            )
            row = cursor.fetchone()
        return Account(*row) if row else None

    def page(self, after: int = 0, limit: int = 20) -> list[Account]:
        """Up to ``limit`` accounts with ids above ``after``, in id order (keyset paging)."""
        with self.conn.cursor() as cursor:
            cursor.execute(
                "SELECT id, email, display_name FROM accounts WHERE id > %s ORDER BY id LIMIT %s",
                (after, limit),
            )
            rows = cursor.fetchall()
        return [Account(*row) for row in rows]

    def open_with_credit(self, email: str, display_name: str, credit: int) -> Account:
        """Create the account and its opening credit together: both or neither."""
        try:
            with self._atomic():
                account = self.create(email, display_name)
                with self.conn.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO credits (account_id, amount) VALUES (%s, %s)",
                        (account.id, credit),
                    )
        except pymysql.err.OperationalError as error:
            if error.args[0] in CHECK_CONSTRAINT_FAILED:
                raise InvalidCredit(credit) from None
            raise
        return account

    def balance(self, account_id: int) -> int:
        with self.conn.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(amount), 0) FROM credits WHERE account_id = %s",
                (account_id,),
            )
            row = cursor.fetchone()
        assert row is not None
        return int(row[0])


def register(
    connect: Callable[[], Connection], email: str, display_name: str
) -> Account:
    """Application-style entry point: its own connection, committed on success."""
    with connect() as conn:
        account = AccountStore(conn).create(email, display_name)
        conn.commit()
        return account
