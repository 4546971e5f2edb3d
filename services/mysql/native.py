"""MySQL has no Debian package: the MySQL choice is verified against MariaDB.

Both speak the same protocol to PyMySQL; the README says which was run.
"""

from __future__ import annotations

from services.mariadb.native import start, stop

__all__ = ["start", "stop"]
