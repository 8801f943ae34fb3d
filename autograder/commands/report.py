"""The ``report`` command: the instructor's view of a graded class.

``python -m autograder report DIR`` reads ``DIR/grades.csv`` (written by ``grade``) and prints, per
graded item, its points, the mean score and the pass rate (the share of students with full marks on
it), weakest items first, then the spread of the total scores. It writes the same to ``DIR/report.md``
and draws ``DIR/report.png``: a histogram of the total scores and the pass rate of every item.

When ``DIR/mistakes.csv`` (written by ``grade``) is there, the report also lists, per item, the diagnosed
mistakes and how many students made each, most frequent first (``report.md`` says who), and
``report.png`` shows the most common ones: what to teach again.
"""
from pathlib import Path

from autograder.commands import usage_errors
from autograder.results.gradebook import ReportError, distribution, item_stats, read_gradebook
from autograder.results.mistakes import MISTAKES_FILE, common_mistakes, read_mistakes
from autograder.results.report import report_text, write_report


def report_command(args):
    """Print the report of ``args.dir`` and write its ``report.md`` and ``report.png``."""
    folder = Path(args.dir)
    with usage_errors(ReportError):
        book = read_gradebook(folder / "grades.csv")
        mistakes = read_mistakes(folder / MISTAKES_FILE)
    stats, dist = item_stats(book), distribution(book)
    common = None if mistakes is None else common_mistakes(mistakes, stats)
    print(report_text(book, stats, dist, common))
    with usage_errors(writing=f"the report into {folder}"):
        write_report(folder, book, stats, dist, common)
    print(f"\nReport: {folder / 'report.md'}, plots: {folder / 'report.png'}")
    return 0
