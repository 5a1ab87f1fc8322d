"""Notifications: in-app messages (the bell) and an email outbox sent by the worker."""
