"""Fault-injection scenarios of RELIABILITY.md: each checks invariants I1-I4."""
