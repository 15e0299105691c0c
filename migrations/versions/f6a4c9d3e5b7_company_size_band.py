"""company size band (headcount bands close to INSEE's, for the dashboard's share of companies by size)

Revision ID: f6a4c9d3e5b7
Revises: e5f3b8c2d4a6
Create Date: 2026-11-22 19:00:50.181111

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6a4c9d3e5b7'
down_revision = 'e5f3b8c2d4a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('size_band', sa.Enum('0', '1-9', '10-49', '50-249', '250+', name='company_size_band', native_enum=False, create_constraint=True, length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_company_company_size_band'), type_='check')
        batch_op.drop_column('size_band')
