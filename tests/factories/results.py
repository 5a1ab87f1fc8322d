"""Factories for the results feature."""
