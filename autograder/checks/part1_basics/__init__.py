"""The checks of part1_basics: public.py (released to students) and hidden.py."""
