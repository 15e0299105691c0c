"""company contact email (advisor intake, imports)

Revision ID: b7c1e2d3f4a5
Revises: 4b09d5638432
Create Date: 2026-11-22 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c1e2d3f4a5'
down_revision = '4b09d5638432'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_column('contact_email')
