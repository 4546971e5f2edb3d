"""Example tables accounts and credits (delete me with example_app/).

The same tables as the SQL example schema, on PostgreSQL and MySQL/MariaDB.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create accounts and the credits that reference them."""
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column("display_name", sa.String(255), nullable=False),
        mysql_engine="InnoDB",
    )
    op.create_table(
        "credits",
        sa.Column(
            "account_id", sa.BigInteger, sa.ForeignKey("accounts.id"), nullable=False
        ),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.CheckConstraint("amount >= 0", name="credits_amount_not_negative"),
        mysql_engine="InnoDB",
    )


def downgrade() -> None:
    """Drop them, credits first."""
    op.drop_table("credits")
    op.drop_table("accounts")
