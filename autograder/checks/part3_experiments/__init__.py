"""The checks of part3_experiments: public.py (released to students) and hidden.py."""
