"""ACME's lyncpolicy rules (a test fixture)."""
