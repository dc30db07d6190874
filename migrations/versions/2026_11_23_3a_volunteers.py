"""volunteers: profiles, training records, VOG, checks, themabijeenkomsten, reminders

Revision ID: 3a_volunteers
Revises: 0cc83c0799a4
Create Date: 2026-11-23 08:00:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.crypto


# revision identifiers, used by Alembic.
revision = "3a_volunteers"
down_revision = "0cc83c0799a4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('training_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('attendance_recorded_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_training_session_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_training_session_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session'))
    )
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_session_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_starts_at'), ['starts_at'], unique=False)

    op.create_table('volunteer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phone', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('gender', sa.String(length=1), nullable=True),
    sa.Column('pc4', sa.String(length=4), nullable=True),
    sa.Column('postcode_letters', sa.String(length=2), nullable=True),
    sa.Column('travel_km', sa.Integer(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('dutch_level', sa.String(length=8), nullable=True),
    sa.Column('refugee_background', sa.Boolean(), nullable=False),
    sa.Column('origin_country', sa.String(length=8), nullable=True),
    sa.Column('arrival_year', sa.Integer(), nullable=True),
    sa.Column('religion', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('religion_for_matching', sa.Boolean(), nullable=False),
    sa.Column('parenting_experience', sa.JSON(), nullable=False),
    sa.Column('occupation', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('dagdelen', sa.JSON(), nullable=False),
    sa.Column('max_families', sa.Integer(), nullable=False),
    sa.Column('hours_per_week', sa.Integer(), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('motivation', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('notes', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('paused_until', sa.Date(), nullable=True),
    sa.Column('left_at', sa.DateTime(), nullable=True),
    sa.Column('consent_at', sa.DateTime(), nullable=True),
    sa.Column('consent_version', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('calendar_token', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('calendar_token_index', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_volunteer_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer')),
    sa.UniqueConstraint('calendar_token_index', name=op.f('uq_volunteer_calendar_token_index')),
    sa.UniqueConstraint('user_id', name=op.f('uq_volunteer_user_id'))
    )
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_pc4'), ['pc4'], unique=False)

    op.create_table('additional_check_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_additional_check_record_recorded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_additional_check_record_volunteer_id_volunteer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_additional_check_record'))
    )
    with op.batch_alter_table('additional_check_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_additional_check_record_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('reminder_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=60), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_reminder_log_volunteer_id_volunteer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_log'))
    )
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_log_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('session_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_session_signup_session_id_training_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_session_signup_volunteer_id_volunteer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_signup')),
    sa.UniqueConstraint('session_id', 'volunteer_id', name='uq_session_signup_volunteer')
    )
    with op.batch_alter_table('session_signup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_signup_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_signup_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('training_completion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=60), nullable=False),
    sa.Column('part', sa.String(length=60), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('certificate_file', sa.String(length=80), nullable=True),
    sa.Column('certificate_type', sa.String(length=40), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_training_completion_recorded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_training_completion_session_id_training_session'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user.id'], name=op.f('fk_training_completion_verified_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_training_completion_volunteer_id_volunteer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_completion'))
    )
    with op.batch_alter_table('training_completion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_completion_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('training_session_programme',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_training_session_programme_programme_id_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_training_session_programme_session_id_training_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'programme_id', name=op.f('pk_training_session_programme'))
    )
    op.create_table('volunteer_programme',
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_volunteer_programme_programme_id_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_volunteer_programme_volunteer_id_volunteer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('volunteer_id', 'programme_id', name=op.f('pk_volunteer_programme'))
    )
    op.create_table('volunteer_vog',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('screening_profile', sa.String(length=80), nullable=False),
    sa.Column('free_vog_scheme', sa.Boolean(), nullable=False),
    sa.Column('original_seen', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_volunteer_vog_recorded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_volunteer_vog_volunteer_id_volunteer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_vog'))
    )
    with op.batch_alter_table('volunteer_vog', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_vog_volunteer_id'), ['volunteer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('volunteer_vog', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_vog_volunteer_id'))

    op.drop_table('volunteer_vog')
    op.drop_table('volunteer_programme')
    op.drop_table('training_session_programme')
    with op.batch_alter_table('training_completion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_completion_volunteer_id'))

    op.drop_table('training_completion')
    with op.batch_alter_table('session_signup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_signup_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_session_signup_session_id'))

    op.drop_table('session_signup')
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_log_volunteer_id'))

    op.drop_table('reminder_log')
    with op.batch_alter_table('additional_check_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_additional_check_record_volunteer_id'))

    op.drop_table('additional_check_record')
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_pc4'))

    op.drop_table('volunteer')
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_session_starts_at'))
        batch_op.drop_index(batch_op.f('ix_training_session_organisation_id'))

    op.drop_table('training_session')
