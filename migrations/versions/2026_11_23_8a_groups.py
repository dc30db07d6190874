"""Parent groups (Preventieve Ouderschapsondersteuning): rounds, staff, invitations and
follow-ups, groups, members and evaluations, meetings, attendance, reminders, referrals.

Revision ID: 8a_groups
Revises: 7b_matches
Create Date: 2026-11-23 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.crypto


revision = "8a_groups"
down_revision = "7b_matches"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('group_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('municipality', sa.String(length=120), nullable=True),
    sa.Column('settled_since', sa.Date(), nullable=True),
    sa.Column('first_meeting_on', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('pc4', sa.String(length=4), nullable=True),
    sa.Column('slots', sa.JSON(), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('min_size', sa.Integer(), nullable=False),
    sa.Column('max_size', sa.Integer(), nullable=False),
    sa.Column('max_km', sa.Integer(), nullable=False),
    sa.Column('formation', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_group_round_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_group_round_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_round'))
    )
    with op.batch_alter_table('group_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_round_programme_id'), ['programme_id'], unique=False)

    op.create_table('group_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('slots', sa.JSON(), nullable=False),
    sa.Column('genders', sa.JSON(), nullable=False),
    sa.Column('max_groups', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_group_staff_programme_id_programme')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_group_staff_volunteer_id_volunteer'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_staff'))
    )
    with op.batch_alter_table('group_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_staff_programme_id'), ['programme_id'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=10), nullable=False),
    sa.Column('slots', sa.JSON(), nullable=False),
    sa.Column('family_wish', sa.String(length=10), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_invitation_family_id_family'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_invitation_message_id_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['parent.id'], name=op.f('fk_invitation_parent_id_parent'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['group_round.id'], name=op.f('fk_invitation_round_id_group_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('round_id', 'parent_id', name='uq_invitation_round_parent')
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_round_id'), ['round_id'], unique=False)

    op.create_table('parent_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('slot', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('trainer_id', sa.Integer(), nullable=True),
    sa.Column('support_id', sa.Integer(), nullable=True),
    sa.Column('whatsapp_link', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('override_reason', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_parent_group_approved_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_parent_group_programme_id_programme')),
    sa.ForeignKeyConstraint(['round_id'], ['group_round.id'], name=op.f('fk_parent_group_round_id_group_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['support_id'], ['group_staff.id'], name=op.f('fk_parent_group_support_id_group_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trainer_id'], ['group_staff.id'], name=op.f('fk_parent_group_trainer_id_group_staff'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parent_group'))
    )
    with op.batch_alter_table('parent_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parent_group_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parent_group_round_id'), ['round_id'], unique=False)

    op.create_table('group_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('theme', sa.String(length=30), nullable=False),
    sa.Column('guest', sa.String(length=30), nullable=True),
    sa.Column('guest_name', sa.String(length=200), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('override_reason', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('attendance_recorded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['parent_group.id'], name=op.f('fk_group_meeting_group_id_parent_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_meeting')),
    sa.UniqueConstraint('group_id', 'number', name='uq_meeting_number')
    )
    with op.batch_alter_table('group_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_meeting_group_id'), ['group_id'], unique=False)

    op.create_table('group_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('useful', sa.String(length=10), nullable=True),
    sa.Column('wishes', sa.JSON(), nullable=False),
    sa.Column('themes_next', sa.JSON(), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['parent_group.id'], name=op.f('fk_group_member_group_id_parent_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_group_member_invitation_id_invitation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_member')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_group_member_invitation_id'))
    )
    with op.batch_alter_table('group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_member_group_id'), ['group_id'], unique=False)

    op.create_table('invitation_follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('note', webapp.crypto.EncryptedText(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_invitation_follow_up_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_invitation_follow_up_invitation_id_invitation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_follow_up'))
    )
    with op.batch_alter_table('invitation_follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_follow_up_invitation_id'), ['invitation_id'], unique=False)

    op.create_table('group_referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('consent_on', sa.Date(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_group_referral_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['group_member.id'], name=op.f('fk_group_referral_member_id_group_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_group_referral_programme_id_programme')),
    sa.ForeignKeyConstraint(['request_id'], ['family_request.id'], name=op.f('fk_group_referral_request_id_family_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_referral'))
    )
    with op.batch_alter_table('group_referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_referral_member_id'), ['member_id'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['group_meeting.id'], name=op.f('fk_meeting_attendance_meeting_id_group_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['group_member.id'], name=op.f('fk_meeting_attendance_member_id_group_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'member_id', name='uq_attendance_member')
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('problem', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['group_meeting.id'], name=op.f('fk_meeting_reminder_meeting_id_group_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['group_member.id'], name=op.f('fk_meeting_reminder_member_id_group_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_meeting_reminder_message_id_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_reminder')),
    sa.UniqueConstraint('meeting_id', 'member_id', name='uq_reminder_member')
    )
    with op.batch_alter_table('meeting_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_reminder_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('meeting_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_reminder_meeting_id'))

    op.drop_table('meeting_reminder')
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_meeting_id'))

    op.drop_table('meeting_attendance')
    with op.batch_alter_table('group_referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_referral_member_id'))

    op.drop_table('group_referral')
    with op.batch_alter_table('invitation_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_follow_up_invitation_id'))

    op.drop_table('invitation_follow_up')
    with op.batch_alter_table('group_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_member_group_id'))

    op.drop_table('group_member')
    with op.batch_alter_table('group_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_meeting_group_id'))

    op.drop_table('group_meeting')
    with op.batch_alter_table('parent_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parent_group_round_id'))
        batch_op.drop_index(batch_op.f('ix_parent_group_programme_id'))

    op.drop_table('parent_group')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_round_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_family_id'))

    op.drop_table('invitation')
    with op.batch_alter_table('group_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_staff_programme_id'))

    op.drop_table('group_staff')
    with op.batch_alter_table('group_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_round_programme_id'))

    op.drop_table('group_round')
