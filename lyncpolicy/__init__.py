"""lyncpolicy: a policy-as-code linter for Lync / Skype for Business Edge behind F5 BIG-IP."""

__version__ = "0.1.0"
