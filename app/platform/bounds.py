"""Bounds of the database's column types, checked at the door so no value overflows a column."""

# The largest SQL INTEGER (every id and count column): a larger id in a URL or a body is refused
# as unknown or invalid, never sent to the database to overflow there.
MAX_INT = 2**31 - 1
