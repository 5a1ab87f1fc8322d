"""Factories for the projects feature."""
