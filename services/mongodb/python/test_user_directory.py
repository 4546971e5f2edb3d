"""Example tests (delete with example_app/): MongoDB with the `mongodb` fixture."""

from __future__ import annotations

import pymongo
import pytest
from example_app.user_directory import EmailTaken, UserDirectory
from pymongo.database import Database


def test_registered_user_can_be_found(mongodb: Database) -> None:
    directory = UserDirectory(mongodb)

    registered = directory.register("Ada@Example.com", "Ada")

    assert directory.find_by_email("ada@example.com") == registered
    assert registered.email == "ada@example.com"


def test_every_test_starts_with_no_users(mongodb: Database) -> None:
    assert mongodb["users"].count_documents({}) == 0
    UserDirectory(mongodb).register("left@example.com", "Left behind?")  # emptied after


def test_a_taken_email_is_refused_and_the_first_user_kept(mongodb: Database) -> None:
    directory = UserDirectory(mongodb)
    first = directory.register("grace@example.com", "Grace")

    with pytest.raises(EmailTaken):
        directory.register("GRACE@example.com ", "Impostor")

    assert directory.find_by_email("grace@example.com") == first
    assert mongodb["users"].count_documents({}) == 1


def test_the_unique_index_outlives_the_cleanup(mongodb: Database) -> None:
    UserDirectory(mongodb)

    unique = [i for i in mongodb["users"].list_indexes() if i.get("unique")]

    assert [list(index["key"]) for index in unique] == [["email"]]


def test_renaming_an_unknown_user_changes_nothing(mongodb: Database) -> None:
    directory = UserDirectory(mongodb)
    directory.register("alan@example.com", "Alan")

    assert directory.rename("nobody@example.com", "Nobody") is False
    assert directory.rename("alan@example.com", "Alan T.") is True
    assert directory.find_by_email("alan@example.com").name == "Alan T."  # type: ignore[union-attr]


def test_code_with_its_own_client_is_cleaned_up_too(
    mongodb: Database, mongodb_url: str
) -> None:
    """Code under test gets ``mongodb_url``; ``mongodb`` empties what it wrote."""
    with pymongo.MongoClient(mongodb_url) as client:
        directory = UserDirectory(client.get_default_database())
        directory.register("barbara@example.com", "Barbara")

        assert directory.find_by_email("barbara@example.com") is not None
    assert mongodb["users"].count_documents({}) == 1
