"""Courses: programs, courses, modules, lessons, angkatan, enrolments, progress and JP."""
