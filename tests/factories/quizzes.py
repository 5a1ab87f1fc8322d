"""Factories for the quizzes feature."""
