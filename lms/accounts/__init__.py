"""Accounts: users, NIP, instansi and unit kerja, roles, login sessions."""
