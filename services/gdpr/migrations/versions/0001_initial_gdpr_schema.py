"""initial gdpr schema

Revision ID: 0001
Revises:
Create Date: 2026-12-04

Activities, processors and their links, data-subject requests with their timeline and the
tenant holidays, the consent ledger, breaches and the audit chain; grants (the audit log and
the consent ledger are append-only for the application role) and row-level security.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from aura_common.migration_ops import (
    APP_ROLE,
    disable_tenant_rls,
    enable_tenant_rls,
    grant_schema,
    revoke_schema,
)

SCHEMA = "gdpr"
TENANT_TABLES = ("activities", "processors", "activity_processors", "requests",
                 "request_events", "holidays", "consent_events", "breaches", "audit_log")
# Append-only tables: the application role may read and add rows, never change or remove them.
APPEND_ONLY = ("audit_log", "consent_events")

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in grant_schema(SCHEMA):
        op.execute(statement)
    op.create_table('activities',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('controller', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('joint_controllers', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('representative', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('dpo_contact', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('purposes', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('legal_basis', sa.String(length=40), nullable=False),
    sa.Column('legitimate_interest_assessment', sa.Text(), nullable=True),
    sa.Column('data_subject_categories', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('personal_data_categories', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('special_categories', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('has_special_categories', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('criminal_offence_data', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('criminal_offence_basis', sa.Text(), nullable=True),
    sa.Column('recipients', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('transfers', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('retention_period', sa.String(length=40), nullable=True),
    sa.Column('retention_description', sa.Text(), nullable=True),
    sa.Column('security_measures', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('large_scale', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('profiling', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('systematic_monitoring', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('dpia_required', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('dpia_reasons', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    schema='gdpr'
    )
    op.create_index('ix_activities_tenant_id_id', 'activities', ['tenant_id', 'id'], unique=False, schema='gdpr')
    op.create_table('audit_log',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=100), nullable=False),
    sa.Column('changed_fields', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'seq', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('id', name=op.f('uq_audit_log_id')),
    schema='gdpr'
    )
    op.create_index('ix_audit_log_tenant_id_entity_type_entity_id', 'audit_log', ['tenant_id', 'entity_type', 'entity_id'], unique=False, schema='gdpr')
    op.create_table('breaches',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('aware_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('nature', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('data_categories', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('subjects_approx', sa.BigInteger(), nullable=True),
    sa.Column('records_approx', sa.BigInteger(), nullable=True),
    sa.Column('likely_consequences', sa.Text(), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('risk_level', sa.String(length=10), nullable=False),
    sa.Column('authority_deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('authority_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('authority_reference', sa.String(length=200), nullable=True),
    sa.Column('authority_delay_reason', sa.Text(), nullable=True),
    sa.Column('subjects_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('subjects_notification_method', sa.Text(), nullable=True),
    sa.Column('subject_notification_exemption', sa.String(length=40), nullable=True),
    sa.Column('exemption_note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breaches')),
    schema='gdpr'
    )
    op.create_index('ix_breaches_tenant_id_authority_deadline', 'breaches', ['tenant_id', 'authority_deadline'], unique=False, schema='gdpr')
    op.create_index('ix_breaches_tenant_id_id', 'breaches', ['tenant_id', 'id'], unique=False, schema='gdpr')
    op.create_table('consent_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('subject_ref', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('text_version', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=100), nullable=False),
    sa.Column('evidence', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_events')),
    schema='gdpr'
    )
    op.create_index('ix_consent_events_tenant_id_id', 'consent_events', ['tenant_id', 'id'], unique=False, schema='gdpr')
    op.create_index('ix_consent_events_tenant_id_subject_ref_purpose', 'consent_events', ['tenant_id', 'subject_ref', 'purpose', 'id'], unique=False, schema='gdpr')
    op.create_table('holidays',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'day', name=op.f('pk_holidays')),
    schema='gdpr'
    )
    op.create_table('processors',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('contact', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('countries', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('agreement_status', sa.String(length=20), nullable=False),
    sa.Column('agreement_signed_on', sa.Date(), nullable=True),
    sa.Column('sub_processors', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processors')),
    schema='gdpr'
    )
    op.create_index('ix_processors_tenant_id_id', 'processors', ['tenant_id', 'id'], unique=False, schema='gdpr')
    op.create_table('requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('subject_name', sa.String(length=300), nullable=False),
    sa.Column('subject_contact', sa.String(length=320), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('original_due_at', sa.Date(), nullable=False),
    sa.Column('due_at', sa.Date(), nullable=False),
    sa.Column('extended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requests')),
    schema='gdpr'
    )
    op.create_index('ix_requests_tenant_id_id', 'requests', ['tenant_id', 'id'], unique=False, schema='gdpr')
    op.create_index('ix_requests_tenant_id_status_due_at', 'requests', ['tenant_id', 'status', 'due_at'], unique=False, schema='gdpr')
    op.create_table('activity_processors',
    sa.Column('activity_id', sa.Uuid(), nullable=False),
    sa.Column('processor_id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['gdpr.activities.id'], name=op.f('fk_activity_processors_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['processor_id'], ['gdpr.processors.id'], name=op.f('fk_activity_processors_processor_id_processors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id', 'processor_id', name=op.f('pk_activity_processors')),
    schema='gdpr'
    )
    op.create_index('ix_activity_processors_tenant_id_processor_id', 'activity_processors', ['tenant_id', 'processor_id'], unique=False, schema='gdpr')
    op.create_table('request_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['gdpr.requests.id'], name=op.f('fk_request_events_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_events')),
    schema='gdpr'
    )
    op.create_index('ix_request_events_tenant_id_request_id_id', 'request_events', ['tenant_id', 'request_id', 'id'], unique=False, schema='gdpr')
    for table in TENANT_TABLES:
        for statement in enable_tenant_rls(SCHEMA, table):
            op.execute(statement)
    for table in APPEND_ONLY:
        op.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{SCHEMA}"."{table}" FROM {APP_ROLE}')


def downgrade() -> None:
    for table in TENANT_TABLES:
        for statement in disable_tenant_rls(SCHEMA, table):
            op.execute(statement)
    op.drop_index('ix_request_events_tenant_id_request_id_id', table_name='request_events', schema='gdpr')
    op.drop_table('request_events', schema='gdpr')
    op.drop_index('ix_activity_processors_tenant_id_processor_id', table_name='activity_processors', schema='gdpr')
    op.drop_table('activity_processors', schema='gdpr')
    op.drop_index('ix_requests_tenant_id_status_due_at', table_name='requests', schema='gdpr')
    op.drop_index('ix_requests_tenant_id_id', table_name='requests', schema='gdpr')
    op.drop_table('requests', schema='gdpr')
    op.drop_index('ix_processors_tenant_id_id', table_name='processors', schema='gdpr')
    op.drop_table('processors', schema='gdpr')
    op.drop_table('holidays', schema='gdpr')
    op.drop_index('ix_consent_events_tenant_id_subject_ref_purpose', table_name='consent_events', schema='gdpr')
    op.drop_index('ix_consent_events_tenant_id_id', table_name='consent_events', schema='gdpr')
    op.drop_table('consent_events', schema='gdpr')
    op.drop_index('ix_breaches_tenant_id_id', table_name='breaches', schema='gdpr')
    op.drop_index('ix_breaches_tenant_id_authority_deadline', table_name='breaches', schema='gdpr')
    op.drop_table('breaches', schema='gdpr')
    op.drop_index('ix_audit_log_tenant_id_entity_type_entity_id', table_name='audit_log', schema='gdpr')
    op.drop_table('audit_log', schema='gdpr')
    op.drop_index('ix_activities_tenant_id_id', table_name='activities', schema='gdpr')
    op.drop_table('activities', schema='gdpr')
    for statement in revoke_schema(SCHEMA):
        op.execute(statement)
