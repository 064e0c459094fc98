#!/usr/bin/python3
"""Django (Debian's python3-django, over psycopg2) against Mallard with its defaults: `migrate` of
contrib.contenttypes, auth and sessions (tables with serial keys, unique constraints, indexes and
the DEFERRABLE INITIALLY DEFERRED foreign keys Django adds for every ForeignKey and many-to-many
table, all in transactions), the ORM on them (users, groups, permissions, sessions; a deletion
that Django cascades itself; a fixture's sequence reset), a dangling reference caught when the
transaction commits, schema and data changes in one migration, a migration taken back and applied
again, and a referenced table dropped with CASCADE."""

import os
import sys

import django
from django.conf import settings

settings.configure(
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["MALLARD_DBNAME"],
            "USER": os.environ["MALLARD_USER"],
            "PASSWORD": os.environ["MALLARD_PASSWORD"],
            "HOST": os.environ["MALLARD_HOST"],
            "PORT": os.environ["MALLARD_PORT"],
        }
    },
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
    USE_TZ=True,
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # fast; not what is tested
    SECRET_KEY="client-test-only",
)
django.setup()

from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import IntegrityError, connection, models, transaction  # noqa: E402

failures = []


def check(label, got, want):
    if got != want:
        failures.append(f"{label}: got {got!r}, want {want!r}")


def tables():
    with connection.cursor() as cur:
        return sorted(connection.introspection.table_names(cur))


def migrate_all():
    call_command("migrate", verbosity=0)
    check(
        "tables after migrate",
        tables(),
        ["auth_group", "auth_group_permissions", "auth_permission", "auth_user", "auth_user_groups",
         "auth_user_user_permissions", "django_content_type", "django_migrations", "django_session"],
    )
    # The post-migrate handlers made a content type and four permissions per model.
    check("content types", ContentType.objects.count(), 5)
    check("permissions", Permission.objects.count(), 20)


def introspection():
    with connection.cursor() as cur:
        cons = connection.introspection.get_constraints(cur, "auth_user_groups")
    fks = {name: c["foreign_key"] for name, c in cons.items() if c["foreign_key"]}
    check("foreign keys of auth_user_groups", sorted(fks.values()), [("auth_group", "id"), ("auth_user", "id")])
    uniques = sorted(tuple(c["columns"]) for c in cons.values() if c["unique"] and not c["primary_key"])
    check("unique keys of auth_user_groups", uniques, [("user_id", "group_id")])
    primary = [c["columns"] for c in cons.values() if c["primary_key"]]
    check("primary key of auth_user_groups", primary, [["id"]])


def orm():
    editors = Group.objects.create(name="editors")
    perms = list(Permission.objects.filter(content_type__app_label="auth", codename__startswith="change_"))
    check("change permissions", sorted(p.codename for p in perms), ["change_group", "change_permission", "change_user"])
    editors.permissions.set(perms)
    ada = User.objects.create_user("ada", "ada@example.com", "pw", first_name="Ada")
    bob = User.objects.create_user("bob", "bob@example.com", "pw")
    ada.groups.add(editors)
    bob.groups.add(editors)
    ada.user_permissions.add(Permission.objects.get(codename="view_session"))
    ada = User.objects.get(username="ada")  # no permission cache
    check("ada can change users", ada.has_perm("auth.change_user"), True)
    check("ada can view sessions", ada.has_perm("sessions.view_session"), True)
    check("bob can view sessions", User.objects.get(username="bob").has_perm("sessions.view_session"), False)
    check("editors", sorted(User.objects.filter(groups__name="editors").values_list("username", flat=True)), ["ada", "bob"])
    check("authenticates", User.objects.get(username="ada").check_password("pw"), True)
    # A duplicate username: the unique key, inside a savepoint of the outer transaction.
    with transaction.atomic():
        try:
            with transaction.atomic():
                User.objects.create_user("ada", "other@example.com", "pw")
            failures.append("a duplicate username was accepted")
        except IntegrityError as e:
            check("duplicate username SQLSTATE", e.__cause__.pgcode, "23505")
        check("users after the failed savepoint", User.objects.count(), 2)
    # Sessions: saved, loaded, expired.
    s = SessionStore()
    s["user"] = ada.pk
    s.set_expiry(3600)
    s.create()
    check("session loads", SessionStore(session_key=s.session_key).load().get("user"), ada.pk)
    # Django deletes the many-to-many rows of a user itself, then the user: the deferred foreign
    # keys hold at commit.
    with transaction.atomic():
        bob.delete()
    check("bob's memberships", User.groups.through.objects.count(), 1)
    # A group that no longer exists, referenced: the foreign key fails the commit (23503).
    try:
        with transaction.atomic():
            User.groups.through.objects.create(user_id=ada.pk, group_id=9999)
        failures.append("a membership of a missing group was committed")
    except IntegrityError as e:
        check("dangling reference SQLSTATE", e.__cause__.pgcode, "23503")
    check("memberships after the failed commit", User.groups.through.objects.count(), 1)
    # Deleting a group that still has members without deleting them first: refused at commit.
    try:
        with transaction.atomic():
            Group.objects.filter(name="editors")._raw_delete(connection.alias)
        failures.append("a group with members was deleted")
    except IntegrityError as e:
        check("referenced group SQLSTATE", e.__cause__.pgcode, "23503")
    # The ORM's own deletion cascades to the memberships and permissions.
    editors.delete()
    check("groups", Group.objects.count(), 0)
    check("group permissions", Group.permissions.through.objects.count(), 0)
    # A row with its id given, as loaddata writes a fixture, then the sequence reset loaddata
    # runs after it (setval of pg_get_serial_sequence to the largest id).
    User.objects.create(id=500, username="fixture", password="!")
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), [User]):
            cur.execute(sql)
    check("id after the sequence reset", User.objects.create_user("carl").id, 501)


def field(f, name):
    f.set_attributes_from_name(name)
    return f


def schema_and_data_migration():
    """What a migration with AddField, RunPython and AlterField does: in one transaction, a column
    added to a table with rows, the rows filled in, the column made NOT NULL; and a new model that
    a later operation of the same migration gives a foreign key (as makemigrations writes for
    models that reference each other), rows written between the two."""
    karma = field(models.IntegerField(null=True), "karma")
    with connection.schema_editor() as editor:
        editor.add_field(User, karma)
        with connection.cursor() as cur:
            cur.execute("UPDATE auth_user SET karma = length(username)")
        editor.alter_field(User, karma, field(models.IntegerField(), "karma"))

    class Badge(models.Model):
        name = models.CharField(max_length=20)

        class Meta:
            app_label = "auth"
            db_table = "auth_badge"

    owner = field(models.ForeignKey(User, models.CASCADE, null=True), "owner")
    owner.model = Badge
    with connection.schema_editor() as editor:
        editor.create_model(Badge)
        Badge.objects.create(name="first")
        editor.add_field(Badge, owner)
        with connection.cursor() as cur:
            cur.execute("UPDATE auth_badge SET owner_id = (SELECT min(id) FROM auth_user)")
    with connection.cursor() as cur:
        cur.execute("SELECT sum(karma) = sum(length(username)), bool_and(karma IS NOT NULL) FROM auth_user")
        check("karma filled in", cur.fetchone(), (True, True))
        cur.execute("SELECT count(*) FROM auth_badge b JOIN auth_user u ON u.id = b.owner_id")
        check("badges with an owner", cur.fetchone()[0], 1)
        cons = connection.introspection.get_constraints(cur, "auth_badge")
    check("foreign keys of auth_badge", [c["foreign_key"] for c in cons.values() if c["foreign_key"]],
          [("auth_user", "id")])
    with connection.schema_editor() as editor:  # taken back, as a reverse migration
        editor.delete_model(Badge)
        editor.remove_field(User, field(models.IntegerField(), "karma"))


def main():
    migrate_all()
    introspection()
    orm()
    schema_and_data_migration()
    # A migration taken back (Django drops the table with CASCADE) and applied again.
    call_command("migrate", "sessions", "zero", verbosity=0)
    check("tables without sessions", "django_session" in tables(), False)
    migrate_all()
    # A table that others reference, dropped as Django's schema editor drops one: their foreign
    # keys go with it, their rows stay.
    with connection.schema_editor() as editor:
        editor.delete_model(Group)
    check("tables without groups", "auth_group" in tables(), False)
    with connection.cursor() as cur:
        cons = connection.introspection.get_constraints(cur, "auth_user_groups")
    check("foreign keys left on auth_user_groups",
          sorted(c["foreign_key"] for c in cons.values() if c["foreign_key"]), [("auth_user", "id")])
    if failures:
        print("\n".join(failures))
        return 1
    print("django: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
