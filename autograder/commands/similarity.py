"""The ``similarity`` command: the pairs of students whose answers are unusually alike, as pages to read
(:mod:`autograder.results.similarity_report`)."""
from autograder.commands import usage_errors
from autograder.results.similarity import SimilarityError
from autograder.results.similarity_report import write_similarity_folder


def similarity_command(args):
    """Write ``args.dir/similarity/`` and say how many pairs are flagged."""
    with usage_errors(SimilarityError, writing=f"the similarity report into {args.dir}"):
        out, comparisons, summaries = write_similarity_folder(args.dir, anonymous=args.anonymous)
    flagged = sum(c.flagged(i, j) for c in comparisons for i, j in c.pairs())
    several = sum(len(p.flagged) > 1 for p in summaries)
    print(f"{flagged} pair(s) of answers flagged; {several} pair(s) of students alike on more than one function. "
          f"Page: {out / 'index.html'} (evidence to read, not a verdict); tables: {out / 'pairs.csv'}, "
          f"{out / 'submissions.csv'}")
    return 0
