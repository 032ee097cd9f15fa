from tests.api.support import fast_sqlite  # noqa: F401  (autouse: SQLite without fsync)
