"""Leak audit of the MySQL choice: our CI verifies it against MariaDB (see native.py),
so its audit is MariaDB's."""

from __future__ import annotations

from services.mariadb.audit import leftovers

__all__ = ["leftovers"]
