"""Proyek perubahan: stages, submissions, versions, milestones, consultations, seminars, reviews."""
