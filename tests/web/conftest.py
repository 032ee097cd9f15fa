from tests.support.api import fast_sqlite  # noqa: F401  (autouse: SQLite without fsync)
