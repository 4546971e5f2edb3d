"""Example component (delete me): a directory of users in MongoDB, one per e-mail address."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


class EmailTaken(ValueError):
    """A user with this e-mail address is registered already."""


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str


class UserDirectory:
    """Users in the ``users`` collection of a database the caller gives.

    The unique index on ``email`` is what refuses a second registration: two
    processes registering the same address at once cannot both succeed.
    """

    def __init__(self, database: Database) -> None:
        self.users = database["users"]
        self.users.create_index("email", unique=True)

    def register(self, email: str, name: str) -> User:
        document = {"email": email.strip().lower(), "name": name}
        try:
            result = self.users.insert_one(document)
        except DuplicateKeyError:
            raise EmailTaken(email) from None
        return User(str(result.inserted_id), document["email"], name)

    def find_by_email(self, email: str) -> User | None:
        found = self.users.find_one({"email": email.strip().lower()})
        if found is None:
            return None
        return User(str(found["_id"]), found["email"], found["name"])

    def rename(self, email: str, name: str) -> bool:
        """Change a user's name; False when no user has this address."""
        result = self.users.update_one(
            {"email": email.strip().lower()}, {"$set": {"name": name}}
        )
        return result.matched_count == 1
