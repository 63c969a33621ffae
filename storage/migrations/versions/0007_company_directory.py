"""company directory: companies, aliases, corporate groups, "keep apart" decisions

Every participant's typed company is linked to an employer of the directory. Existing
participants are linked by the normalised key of what they typed (the rule the matching used
until now), one company per key, named by its most frequent spelling.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:10:00
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.companies import normalize_company

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "company_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_groups")),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["company_groups.id"],
            name=op.f("fk_companies_group_id_company_groups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("key", name=op.f("uq_companies_key")),
    )
    op.create_index(op.f("ix_companies_group_id"), "companies", ["group_id"], unique=False)
    op.create_table(
        "company_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_aliases_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_aliases")),
        sa.UniqueConstraint("key", name=op.f("uq_company_aliases_key")),
    )
    op.create_index(
        op.f("ix_company_aliases_company_id"), "company_aliases", ["company_id"], unique=False
    )
    op.create_table(
        "company_distinctions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_a", sa.Integer(), nullable=False),
        sa.Column("company_b", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("company_a < company_b", name=op.f("ck_company_distinctions_order")),
        sa.ForeignKeyConstraint(
            ["company_a"],
            ["companies.id"],
            name=op.f("fk_company_distinctions_company_a_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_b"],
            ["companies.id"],
            name=op.f("fk_company_distinctions_company_b_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_distinctions")),
        sa.UniqueConstraint("company_a", "company_b", name="uq_company_distinctions_pair"),
    )
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("company_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_participants_company_id"), ["company_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_participants_company_id_companies"),
            "companies",
            ["company_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _link_existing_participants()


def _link_existing_participants() -> None:
    bind = op.get_bind()
    participants = sa.table(
        "participants", sa.column("id", sa.Integer), sa.column("company", sa.String),
        sa.column("company_id", sa.Integer),
    )  # fmt: skip
    companies = sa.table(
        "companies", sa.column("id", sa.Integer), sa.column("name", sa.String),
        sa.column("key", sa.String), sa.column("created_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    by_key: dict[str, list[int]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for pid, company in bind.execute(sa.select(participants.c.id, participants.c.company)):
        name = " ".join((company or "").split())
        if not name:
            continue
        key = normalize_company(name)
        by_key[key].append(pid)
        spellings[key][name] += 1
    now = dt.datetime.now(dt.UTC)
    for key, ids in sorted(by_key.items()):
        name = spellings[key].most_common(1)[0][0]
        company_id = bind.execute(
            sa.insert(companies)
            .values(name=name[:200], key=key[:200], created_at=now)
            .returning(companies.c.id)
        ).scalar_one()
        bind.execute(
            sa.update(participants).where(participants.c.id.in_(ids)).values(company_id=company_id)
        )


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint(batch.f("fk_participants_company_id_companies"), type_="foreignkey")
        batch.drop_index(batch.f("ix_participants_company_id"))
        batch.drop_column("company_id")
    op.drop_table("company_distinctions")
    op.drop_index(op.f("ix_company_aliases_company_id"), table_name="company_aliases")
    op.drop_table("company_aliases")
    op.drop_index(op.f("ix_companies_group_id"), table_name="companies")
    op.drop_table("companies")
    op.drop_table("company_groups")
