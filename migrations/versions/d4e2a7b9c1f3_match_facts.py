"""match facts: what the matching engine read in each post, kept with the post

Revision ID: d4e2a7b9c1f3
Revises: c3a1f0e9d2b7
Create Date: 2026-11-22 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e2a7b9c1f3'
down_revision = 'c3a1f0e9d2b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('match_facts',
    sa.Column('post_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('post_updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_match_facts_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_match_facts'))
    )


def downgrade():
    op.drop_table('match_facts')
