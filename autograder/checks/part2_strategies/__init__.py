"""The checks of part2_strategies: public.py (released to students) and hidden.py."""
