"""Built-in declarative rule packs (YAML), shipped as package data."""
