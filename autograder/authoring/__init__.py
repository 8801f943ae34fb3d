"""Authoring: from the solutions to what students get (release, hand-out, examples, the reference lab)."""
