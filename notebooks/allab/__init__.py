"""Support code for the active learning lab: data sets, public checks, plotting helpers.

Students import from here. Nothing in this package contains an exercise's solution: later parts
use the student's own earlier functions through ``allab.mine``.
"""
