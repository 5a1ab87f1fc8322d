"""Quizzes: each course's question bank (GIFT and Aiken import and export), quizzes placed in a
course or module (practice, pre-test, post-test, exam), learners' timed attempts with autosave
and server-side deadlines, automatic and manual (essay) grading, and the reports (attempts,
pre/post gain, item analysis)."""
