"""The checks of part4_modal: public.py (released to students) and hidden.py."""
