"""Example component (delete me): accounts and their opening credit in PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.errors import CheckViolation, UniqueViolation


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

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def create(self, email: str, display_name: str) -> Account:
        try:
            with self.conn.transaction():
                row = self.conn.execute(
                    "INSERT INTO accounts (email, display_name) VALUES (%s, %s)"
                    " RETURNING id, email, display_name",
                    (email.lower(), display_name),
                ).fetchone()
        except UniqueViolation:
            raise DuplicateEmail(email) from None
        assert row is not None
        return Account(*row)

    def find_by_email(self, email: str) -> Account | None:
        row = self.conn.execute(
            "SELECT id, email, display_name FROM accounts WHERE email = %s",
            (email.lower(),),
        ).fetchone()
        return Account(*row) if row else None

    def get(self, account_id: int) -> Account | None:
        row = self.conn.execute(
            "SELECT id, email, display_name FROM accounts WHERE id = %s", (account_id,)
        ).fetchone()
        return Account(*row) if row else None

    def page(self, after: int = 0, limit: int = 20) -> list[Account]:
        """Up to ``limit`` accounts with ids above ``after``, in id order (keyset paging)."""
        rows = self.conn.execute(
            "SELECT id, email, display_name FROM accounts WHERE id > %s ORDER BY id LIMIT %s",
            (after, limit),
        ).fetchall()
        return [Account(*row) for row in rows]

    def open_with_credit(self, email: str, display_name: str, credit: int) -> Account:
        """Create the account and its opening credit together: both or neither."""
        try:
            with self.conn.transaction():
                account = self.create(email, display_name)
                self.conn.execute(
                    "INSERT INTO credits (account_id, amount) VALUES (%s, %s)",
                    (account.id, credit),
                )
        except CheckViolation:
            raise InvalidCredit(credit) from None
        return account

    def balance(self, account_id: int) -> int:
        row = self.conn.execute(
            "SELECT coalesce(sum(amount), 0) FROM credits WHERE account_id = %s",
            (account_id,),
        ).fetchone()
        assert row is not None
        return int(row[0])


def register(database_url: str, email: str, display_name: str) -> Account:
    """Application-style entry point: its own connection, committed on success."""
    with psycopg.connect(database_url) as conn:
        return AccountStore(conn).create(email, display_name)
