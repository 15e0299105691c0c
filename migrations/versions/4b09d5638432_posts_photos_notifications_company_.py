"""posts, photos, notifications, company suspension and import refs

Revision ID: 4b09d5638432
Revises: 89269b27c898
Create Date: 2026-11-22 12:32:42.333048

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b09d5638432'
down_revision = '89269b27c898'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)

    op.create_table('post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('offer', 'need', name='post_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('category', sa.Enum('storage', 'premises', 'raw_materials', 'supplies', 'equipment', 'transport', 'staff', 'production', 'services', 'surplus_goods', name='category', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.Column('postcode', sa.String(length=5), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('insee_code', sa.String(length=5), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('departement', sa.String(length=3), nullable=False),
    sa.Column('region', sa.String(length=2), nullable=False),
    sa.Column('radius_km', sa.Integer(), nullable=True),
    sa.Column('available_from', sa.Date(), nullable=True),
    sa.Column('available_until', sa.Date(), nullable=True),
    sa.Column('is_free', sa.Boolean(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'pending', 'published', 'closed', 'expired', 'rejected', name='post_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('close_reason', sa.Enum('fulfilled', 'withdrawn', name='close_reason', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('exchanged_quantity', sa.Float(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('entered_by_cci', sa.Boolean(), nullable=False),
    sa.Column('consent_note', sa.Text(), nullable=True),
    sa.Column('external_ref', sa.String(length=100), nullable=True),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('available_until IS NULL OR available_from IS NULL OR available_until >= available_from', name=op.f('ck_post_dates_ordered')),
    sa.CheckConstraint('quantity IS NULL OR quantity >= 0', name=op.f('ck_post_quantity_positive')),
    sa.CheckConstraint('radius_km IS NULL OR (radius_km >= 1 AND radius_km <= 1000)', name=op.f('ck_post_radius_range')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_post_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_post_company_id_company'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['user_account.id'], name=op.f('fk_post_moderated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_post_external_ref'))
    )
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_departement'), ['departement'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_renewed_at'), ['renewed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('post_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_photo_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_photo')),
    sa.UniqueConstraint('filename', name=op.f('uq_post_photo_filename'))
    )
    with op.batch_alter_table('post_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_photo_post_id'), ['post_id'], unique=False)

    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspension_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('external_ref', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_company_external_ref'), ['external_ref'])



def downgrade():
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_company_external_ref'), type_='unique')
        batch_op.drop_column('external_ref')
        batch_op.drop_column('suspension_reason')
        batch_op.drop_column('suspended_at')

    with op.batch_alter_table('post_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_photo_post_id'))

    op.drop_table('post_photo')
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_post_status'))
        batch_op.drop_index(batch_op.f('ix_post_renewed_at'))
        batch_op.drop_index(batch_op.f('ix_post_region'))
        batch_op.drop_index(batch_op.f('ix_post_published_at'))
        batch_op.drop_index(batch_op.f('ix_post_departement'))
        batch_op.drop_index(batch_op.f('ix_post_company_id'))
        batch_op.drop_index(batch_op.f('ix_post_category'))

    op.drop_table('post')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_created_at'))

    op.drop_table('notification')
