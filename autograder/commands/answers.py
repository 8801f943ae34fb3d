"""The ``answers`` command: the TAs' pages of a graded class's written answers and the CSV of their scores
(:mod:`autograder.results.answers`)."""
from autograder.commands import usage_errors
from autograder.results.answers import AnswersError, write_answers_folder


def answers_command(args):
    """Write ``args.dir/answers/`` and say how to fold the scores in."""
    with usage_errors(AnswersError, writing=f"the answers into {args.dir}"):
        out = write_answers_folder(args.dir, anonymous=args.anonymous)
    print(f"Pages: {out / 'index.html'} (one per written question). Scores: fill in {out / 'scores.csv'}, then "
          f"`python -m autograder grade ... --out {args.dir} --manual {out / 'scores.csv'}`")
    return 0
