"""The checks of bonus: public.py (released to students) and hidden.py."""
