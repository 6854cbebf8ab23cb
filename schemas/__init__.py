"""JSON Schemas for the model, rules, configuration and reports, shipped as package data."""
