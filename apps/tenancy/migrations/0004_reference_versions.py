"""The versions of the reference data that processes cache (``apps.tenancy.reference_cache``),
and the triggers that bump them.

Every statement that inserts, updates, deletes or truncates a table behind a cached area
bumps the area's version in the tenant's ``tenancy_referenceversion``, in the statement's
own transaction: whatever path the change takes (a service, the Django admin, a shell's
``QuerySet.update()``, psql), every process sees a new version once it commits. Updates
that touch only bookkeeping of use (``auth_user.last_login``, ``tenancy_apitoken.last_used_at``)
are left out (``UPDATE OF`` the other columns), and so are new tokens (``INSERT``): no
cached entry can hold a token that did not exist (unknown tokens are not cached).

Versions come from one sequence (``public.pms_reference_version``): each bump is a new
number, also within one transaction, and a rolled-back bump leaves a number nobody will
ever see committed. The function lives in ``public`` (created idempotently, like the
ledger's, so tenant schemas cloned from the template call the one shared function) and
qualifies the table with ``TG_TABLE_SCHEMA``.
"""
from django.db import migrations, models

from apps.common.migration_sql import in_public


FUNCTION = r"""
CREATE SEQUENCE IF NOT EXISTS public.pms_reference_version;
CREATE OR REPLACE FUNCTION public.pms_reference_changed() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format(
        'INSERT INTO %I.tenancy_referenceversion (area, version) VALUES ($1, nextval(''public.pms_reference_version''))
         ON CONFLICT (area) DO UPDATE SET version = EXCLUDED.version',
        TG_TABLE_SCHEMA
    ) USING TG_ARGV[0];
    RETURN NULL;
END
$fn$;
"""

USER_COLUMNS = "password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined"
API_TOKEN_COLUMNS = "kind, key_hash, family, created_at, expires_at, revoked_at, revoke_reason, user_id, device_id"

# (table, area, events)
TRIGGERS = [
    ("auth_user", "access", f"INSERT OR DELETE OR TRUNCATE OR UPDATE OF {USER_COLUMNS}"),
    ("tenancy_staffprofile", "access", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("tenancy_apitoken", "access", f"DELETE OR TRUNCATE OR UPDATE OF {API_TOKEN_COLUMNS}"),
    ("authtoken_token", "access", "UPDATE OR DELETE OR TRUNCATE"),
    ("tenancy_store", "access", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("guardian_userobjectpermission", "access", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("reports_storebusinessday", "business_day", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("tenancy", "0003_storebusinessday"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("guardian", "0002_generic_permissions_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReferenceVersion",
            fields=[
                ("area", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "reference data version",
                "verbose_name_plural": "reference data versions",
            },
        ),
        # Shared by every tenant schema; never dropped by a reverse migration (other schemas use them).
        migrations.RunSQL(sql=in_public(FUNCTION), reverse_sql=migrations.RunSQL.noop),
        *[
            migrations.RunSQL(
                sql=f"CREATE TRIGGER reference_{area} AFTER {events} ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION public.pms_reference_changed('{area}')",
                reverse_sql=f"DROP TRIGGER reference_{area} ON {table}",
            )
            for table, area, events in TRIGGERS
        ],
    ]
