"""Read-models of the quizzes pages and their cached statements, one module per page or list.

They may import models, permissions and question types, never services (services import them).
"""
