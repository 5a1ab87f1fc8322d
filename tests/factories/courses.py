"""Factories for the courses feature."""
