"""On PostgreSQL, the database itself refuses to change or remove an issued invoice, its lines,
or any audit entry: the service layer's rule holds even against direct SQL.

(SQLite, the laptop default, relies on the service layer; its test flushes use DELETE.)
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION flexhub_refuse_issued_invoice() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'issued' THEN
        RAISE EXCEPTION 'issued invoice % cannot change; issue a credit note', OLD.number;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION flexhub_refuse_issued_line() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM billing_invoice WHERE id = OLD.invoice_id AND status = 'issued') THEN
        RAISE EXCEPTION 'lines of an issued invoice cannot change';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION flexhub_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS flexhub_invoice_immutable ON billing_invoice;
CREATE TRIGGER flexhub_invoice_immutable BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION flexhub_refuse_issued_invoice();
DROP TRIGGER IF EXISTS flexhub_invoice_line_immutable ON billing_invoiceline;
CREATE TRIGGER flexhub_invoice_line_immutable BEFORE UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION flexhub_refuse_issued_line();
DROP TRIGGER IF EXISTS flexhub_audit_append_only ON core_auditentry;
CREATE TRIGGER flexhub_audit_append_only BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION flexhub_refuse_audit_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS flexhub_invoice_immutable ON billing_invoice;
DROP TRIGGER IF EXISTS flexhub_invoice_line_immutable ON billing_invoiceline;
DROP TRIGGER IF EXISTS flexhub_audit_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS flexhub_refuse_issued_invoice();
DROP FUNCTION IF EXISTS flexhub_refuse_issued_line();
DROP FUNCTION IF EXISTS flexhub_refuse_audit_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
