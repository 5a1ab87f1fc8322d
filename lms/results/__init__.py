"""Results: final assessment and predicates, certificates (STTP) and their public verification,
the yearly JP ledger ("JP Saya"), dashboards for admins and pimpinan, and the satisfaction survey."""
