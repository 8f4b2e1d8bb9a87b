"""On PostgreSQL the database also refuses: adding lines to an issued invoice, changing or
deleting an issued credit note, rewinding or deleting an invoice-number sequence, and
TRUNCATE of the audit log and the billing records (which row triggers do not see).

TRUNCATE is refused unless the session has said `SET flexhub.allow_truncate = 'on'`: wiping
a whole database is then a deliberate act (the test suite's flush does it), never a slip. The
service itself runs as a database role that owns no table and has no TRUNCATE privilege
(docs/operations.md), so it can neither drop these triggers nor ask for that.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION flexhub_refuse_issued_line() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND EXISTS (
        SELECT 1 FROM billing_invoice WHERE id = OLD.invoice_id AND status = 'issued'
    ) THEN
        RAISE EXCEPTION 'lines of an issued invoice cannot change';
    END IF;
    IF TG_OP <> 'DELETE' AND EXISTS (
        SELECT 1 FROM billing_invoice WHERE id = NEW.invoice_id AND status = 'issued'
    ) THEN
        RAISE EXCEPTION 'lines of an issued invoice cannot change';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS flexhub_invoice_line_immutable ON billing_invoiceline;
CREATE TRIGGER flexhub_invoice_line_immutable BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION flexhub_refuse_issued_line();

CREATE OR REPLACE FUNCTION flexhub_refuse_credit_note_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'issued credit note % cannot change', OLD.number;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS flexhub_credit_note_immutable ON billing_creditnote;
CREATE TRIGGER flexhub_credit_note_immutable BEFORE UPDATE OR DELETE ON billing_creditnote
    FOR EACH ROW EXECUTE FUNCTION flexhub_refuse_credit_note_change();

CREATE OR REPLACE FUNCTION flexhub_refuse_sequence_rewind() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'number sequence %/%/% cannot be removed', OLD.framework_id, OLD.year, OLD.kind;
    END IF;
    IF NEW.last < OLD.last OR NEW.framework_id <> OLD.framework_id OR NEW.year <> OLD.year
            OR NEW.kind <> OLD.kind THEN
        RAISE EXCEPTION 'number sequence %/%/% cannot be rewound (% to %)',
            OLD.framework_id, OLD.year, OLD.kind, OLD.last, NEW.last;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS flexhub_sequence_forward_only ON billing_numbersequence;
CREATE TRIGGER flexhub_sequence_forward_only BEFORE UPDATE OR DELETE ON billing_numbersequence
    FOR EACH ROW EXECUTE FUNCTION flexhub_refuse_sequence_rewind();

CREATE OR REPLACE FUNCTION flexhub_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('flexhub.allow_truncate', true), '') <> 'on' THEN
        RAISE EXCEPTION '% cannot be truncated: it keeps issued records and the audit log', TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS flexhub_audit_no_truncate ON core_auditentry;
CREATE TRIGGER flexhub_audit_no_truncate BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION flexhub_refuse_truncate();
DROP TRIGGER IF EXISTS flexhub_invoice_no_truncate ON billing_invoice;
CREATE TRIGGER flexhub_invoice_no_truncate BEFORE TRUNCATE ON billing_invoice
    FOR EACH STATEMENT EXECUTE FUNCTION flexhub_refuse_truncate();
DROP TRIGGER IF EXISTS flexhub_invoice_line_no_truncate ON billing_invoiceline;
CREATE TRIGGER flexhub_invoice_line_no_truncate BEFORE TRUNCATE ON billing_invoiceline
    FOR EACH STATEMENT EXECUTE FUNCTION flexhub_refuse_truncate();
DROP TRIGGER IF EXISTS flexhub_credit_note_no_truncate ON billing_creditnote;
CREATE TRIGGER flexhub_credit_note_no_truncate BEFORE TRUNCATE ON billing_creditnote
    FOR EACH STATEMENT EXECUTE FUNCTION flexhub_refuse_truncate();
DROP TRIGGER IF EXISTS flexhub_sequence_no_truncate ON billing_numbersequence;
CREATE TRIGGER flexhub_sequence_no_truncate BEFORE TRUNCATE ON billing_numbersequence
    FOR EACH STATEMENT EXECUTE FUNCTION flexhub_refuse_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS flexhub_audit_no_truncate ON core_auditentry;
DROP TRIGGER IF EXISTS flexhub_invoice_no_truncate ON billing_invoice;
DROP TRIGGER IF EXISTS flexhub_invoice_line_no_truncate ON billing_invoiceline;
DROP TRIGGER IF EXISTS flexhub_credit_note_no_truncate ON billing_creditnote;
DROP TRIGGER IF EXISTS flexhub_sequence_no_truncate ON billing_numbersequence;
DROP FUNCTION IF EXISTS flexhub_refuse_truncate();
DROP TRIGGER IF EXISTS flexhub_sequence_forward_only ON billing_numbersequence;
DROP FUNCTION IF EXISTS flexhub_refuse_sequence_rewind();
DROP TRIGGER IF EXISTS flexhub_credit_note_immutable ON billing_creditnote;
DROP FUNCTION IF EXISTS flexhub_refuse_credit_note_change();
DROP TRIGGER IF EXISTS flexhub_invoice_line_immutable ON billing_invoiceline;
CREATE TRIGGER flexhub_invoice_line_immutable BEFORE UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION flexhub_refuse_issued_line();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_immutable_on_postgresql"),
    ]

    operations = [migrations.RunPython(forward, backward)]
