"""Quizzes: the question bank, question types, quizzes (pre-test, post-test, module quizzes), attempts,
grading and reports."""
