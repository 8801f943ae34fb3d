"""Support code for the active learning lab: data sets, public checks, plotting helpers.

Students import from here; nothing in this package contains exercise solutions except
``allab.given``, which holds working versions of earlier parts' functions (generated from
the reference solutions) so that one mistake in Part 1 does not break Parts 2-4.
"""
