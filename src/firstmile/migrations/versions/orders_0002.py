"""products: the metering point an energy supply supplies

Revision ID: orders_0002
Revises: orders_0001
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "orders_0002"
down_revision: str | Sequence[str] | None = "orders_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUPPLY_KINDS = ("electricity", "gas")


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supply_point", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_products_supply_point"), ["supply_point"])
    _backfill()


def _backfill() -> None:
    """Existing energy products take the metering point their order's quote named, in its
    normal form (ASCII digits only: it was kept as typed before)."""
    bind = op.get_bind()
    products = sa.table(
        "products",
        sa.column("id", sa.String),
        sa.column("order_id", sa.String),
        sa.column("kind", sa.String),
        sa.column("supply_point", sa.String),
    )
    orders = sa.table("orders", sa.column("id", sa.String), sa.column("snapshot", sa.JSON))
    rows = bind.execute(
        sa.select(products.c.id, orders.c.snapshot)
        .select_from(products.join(orders, products.c.order_id == orders.c.id))
        .where(products.c.kind.in_(SUPPLY_KINDS))
    ).all()
    for product_id, snapshot in rows:
        typed = str(((snapshot or {}).get("service_address") or {}).get("supply_point") or "")
        digits = "".join(str(int(c)) for c in typed if c.isdecimal())
        if digits:
            bind.execute(
                sa.update(products).where(products.c.id == product_id).values(supply_point=digits)
            )


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_supply_point"))
        batch_op.drop_column("supply_point")
