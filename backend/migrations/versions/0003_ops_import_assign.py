"""Accounts gain e-mail and phone (the import carries them); cases gain an assignee.

Revision ID: 0003_ops_import_assign
Revises: 0002_staff_accounts
Create Date: 2026-11-25 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_ops_import_assign"
down_revision: str | None = "0002_staff_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_assigned_to"), ["assigned_to"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_assigned_to"))
        batch_op.drop_column("assigned_to")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("phone")
        batch_op.drop_column("email")
