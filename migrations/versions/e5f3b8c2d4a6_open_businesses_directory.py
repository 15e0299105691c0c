"""open businesses directory

Revision ID: e5f3b8c2d4a6
Revises: d4e2a7b9c1f3
Create Date: 2026-11-22 19:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5f3b8c2d4a6'
down_revision = 'd4e2a7b9c1f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('company_opening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('hours', sa.String(length=300), nullable=False),
    sa.Column('click_and_collect', sa.Boolean(), nullable=False),
    sa.Column('delivery', sa.Boolean(), nullable=False),
    sa.Column('appointments', sa.Boolean(), nullable=False),
    sa.Column('phone_orders', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=280), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_company_opening_company_id_company'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['user_account.id'], name=op.f('fk_company_opening_hidden_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_company_opening_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_opening')),
    sa.UniqueConstraint('company_id', name=op.f('uq_company_opening_company_id'))
    )
    with op.batch_alter_table('company_opening', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_company_opening_valid_until'), ['valid_until'], unique=False)


def downgrade():
    with op.batch_alter_table('company_opening', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_company_opening_valid_until'))

    op.drop_table('company_opening')
