"""The database role the application runs as, apart from the one that owns the tables.

Migrations run as the owner. The application (web, worker, beat) connects as a role that may
read and write rows but owns nothing: it cannot ALTER a table, so it cannot switch off the
audit tables' triggers, and it holds no UPDATE, DELETE or TRUNCATE on them at all. Run
`manage.py grant_app_role ROLE` as the owner after every `migrate` (docker-compose does)."""

from psycopg import sql

AUDIT_TABLES = ("governance_auditevent", "governance_auditverification")


def grant_app_role(connection, role: str, password: str | None = None) -> None:
    """Create `role` if needed (LOGIN, with `password` if given) and give it exactly the rights
    the application needs on this database's tables. Idempotent."""
    if connection.vendor != "postgresql":
        raise ValueError("a separate application role is a PostgreSQL feature")
    name = sql.Identifier(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        if role == owner:
            raise ValueError(f"{role} is the role running this command (the owner): choose another")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        login = sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
            sql.SQL(verb), name
        )
        if password:
            login = sql.SQL("{} PASSWORD {}").format(login, sql.Literal(password))
        statements = [
            login,
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), name),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(name),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
            *(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                    sql.Identifier(table), name
                )
                for table in AUDIT_TABLES
            ),
        ]
        for statement in statements:
            cursor.execute(statement)
