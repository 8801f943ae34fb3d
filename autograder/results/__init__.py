"""Results: what grading writes (gradebook, feedback, Gradescope results, reports, written answers)."""
