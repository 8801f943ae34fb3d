"""Grading: reading submissions, running student code in a worker, checking and scoring it."""
