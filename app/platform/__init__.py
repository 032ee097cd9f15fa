"""Plumbing with no domain words: the queue and its write-behind publisher, rate limits, pool
pings, sessions, languages, URL converters, mail transport, secrets at rest, public links, health."""
