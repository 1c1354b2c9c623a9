"""Integration tokens replace DRF's clear-text keys; deactivation revokes a user's tokens.

- ``ApiToken`` gets the kind ``integration`` (``Authorization: Token <key>``) and a name.
- Every key of ``rest_framework.authtoken``'s table (stored in clear: whoever read a dump
  could use it) becomes an integration token holding only the key's SHA-256, valid for
  ``PMS_INTEGRATION_TOKEN_DAYS`` from the upgrade, so integrations keep working with the
  key they have until then; the clear keys are deleted. A trigger then refuses any new row
  in that table: nothing may store a key in clear again. (The app stays installed: earlier
  migrations depend on it.)
- Deactivating an account (``is_active`` true -> false, by any path: a service, the admin,
  ``QuerySet.update()``, psql) revokes every live token of the user, in the same statement's
  transaction: a trigger, not a signal, because ``update()`` and SQL send no signal.
  Password changes revoke tokens in Python (``apps.tenancy.auth_services.PasswordChangeRevokesTokens``):
  the hash column also changes when Django rehashes a password at log-in, which is not a
  change of password, and SQL cannot tell the two apart.

The functions live in ``public`` (created idempotently, like ``pms_reference_changed``) and
qualify the tables with ``TG_TABLE_SCHEMA``.
"""
from django.conf import settings
from django.db import migrations, models

from apps.common.migration_sql import in_public


FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION public.pms_refuse_clear_token() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'authtoken_token is retired: API keys are stored as hashes (tenancy_apitoken, kind integration)'
        USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE OR REPLACE FUNCTION public.pms_user_deactivated() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format(
        'UPDATE %I.tenancy_apitoken SET revoked_at = now(), revoke_reason = ''inactive''
         WHERE user_id = $1 AND revoked_at IS NULL',
        TG_TABLE_SCHEMA
    ) USING NEW.id;
    RETURN NULL;
END
$fn$;
"""

DROP_REFERENCE_TRIGGER = "DROP TRIGGER reference_access ON tenancy_apitoken"
CREATE_REFERENCE_TRIGGER = (
    "CREATE TRIGGER reference_access AFTER DELETE OR TRUNCATE OR UPDATE OF kind, key_hash, family, created_at,"
    " expires_at, revoked_at, revoke_reason, user_id, device_id ON tenancy_apitoken"
    " FOR EACH STATEMENT EXECUTE FUNCTION public.pms_reference_changed('access')"
)


def hash_clear_keys(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tenancy_apitoken (user_id, kind, name, key_hash, family, created_at, expires_at, revoke_reason)"
            " SELECT user_id, 'integration', 'API key', encode(sha256(convert_to(key, 'UTF8')), 'hex'), gen_random_uuid(),"
            " created, now() + make_interval(days => %s), '' FROM authtoken_token",
            [settings.PMS_INTEGRATION_TOKEN_DAYS],
        )
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):

    dependencies = [
        ("tenancy", "0004_reference_versions"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="name",
            field=models.CharField(blank=True, max_length=100, verbose_name="name"),
        ),
        # PostgreSQL does not widen a column that a trigger's ``UPDATE OF`` names: drop the
        # reference trigger of tenancy.0004 around the change and make it again as it was.
        migrations.RunSQL(sql=DROP_REFERENCE_TRIGGER, reverse_sql=CREATE_REFERENCE_TRIGGER),
        migrations.AlterField(
            model_name="apitoken",
            name="kind",
            field=models.CharField(
                choices=[("access", "Access"), ("refresh", "Refresh"), ("integration", "Integration")], max_length=20
            ),
        ),
        migrations.RunSQL(sql=CREATE_REFERENCE_TRIGGER, reverse_sql=DROP_REFERENCE_TRIGGER),
        migrations.AlterField(
            model_name="apitoken",
            name="revoke_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("rotated", "Exchanged for a new pair"), ("logout", "Logged out"), ("reuse", "Refresh token used twice"),
                    ("revoked", "Revoked"), ("password", "Password changed"), ("inactive", "Account deactivated"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunPython(hash_clear_keys, migrations.RunPython.noop),
        # Shared by every tenant schema; never dropped by a reverse migration (other schemas use them).
        migrations.RunSQL(sql=in_public(FUNCTIONS), reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(
            sql="CREATE TRIGGER refuse_clear_keys BEFORE INSERT OR UPDATE ON authtoken_token "
            "FOR EACH ROW EXECUTE FUNCTION public.pms_refuse_clear_token()",
            reverse_sql="DROP TRIGGER refuse_clear_keys ON authtoken_token",
        ),
        migrations.RunSQL(
            sql="CREATE TRIGGER revoke_tokens_on_deactivation AFTER UPDATE OF is_active ON auth_user "
            "FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active) EXECUTE FUNCTION public.pms_user_deactivated()",
            reverse_sql="DROP TRIGGER revoke_tokens_on_deactivation ON auth_user",
        ),
    ]
