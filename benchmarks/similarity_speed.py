"""Speed of the similarity report on a synthetic class.

    .venv/bin/python benchmarks/similarity_speed.py [--students 200] [--seed 0]

Builds a class of N students who answered every graded function: each answer is one of the implementations
the tests use (the reference, the catalogues' whole cells, the tests' own solutions) with every name renamed
for that student, and a few copies planted with the tests' disguises. Then it times, as `similarity` runs
them, fingerprinting and comparing every function (``compare_class``) and writing the page and the CSVs
(``write_similarity_folder``, which also reads the saved answers), and prints the seconds.
"""
import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' class builder and disguises (not part of the package)
from similarity_class import DISGUISES, disguised, pools, rename  # noqa: E402

from autograder.results.similarity import ANSWER_CODE, compare_class, load_handout  # noqa: E402
from autograder.results.similarity_report import write_similarity_folder  # noqa: E402


def synthetic_class(students, seed):
    """``{student: {item: answer cell}}``: every student answers every function, renamed; 1 in 20 copies one
    function of another student with a random disguise."""
    rng = random.Random(seed)
    answers = pools()
    names = [f"student{i:03d}" for i in range(students)]
    code = {name: {item: rename(rng.choice(pool)[1], rng) for item, pool in answers.items()} for name in names}
    for copier in rng.sample(names, students // 20):
        source, item = rng.choice(names), rng.choice(list(answers))
        copy = disguised(rng.choice(list(DISGUISES)), code[source][item], rng)
        if copy and source != copier:
            code[copier][item] = copy
    return code


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    code = synthetic_class(args.students, args.seed)
    cells = sum(len(answers) for answers in code.values())
    print(f"{args.students} students, {len(code[next(iter(code))])} graded functions, {cells} answer cells; "
          "seconds of wall clock (and of CPU: on a shared machine the wall clock waits for other work)")
    load_handout()  # the hand-out's fingerprints: once per run, in both timings below
    comparisons = timed("fingerprint and compare every function", compare_class, code)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / ANSWER_CODE).write_text(json.dumps({"students": code}))
        timed("the whole command (read answer_code.json, compare, write the page and CSVs)",
              write_similarity_folder, folder)
    print(f"({sum(int(c.flags.sum()) // 2 for c in comparisons)} pairs flagged: the synthetic answers are renamed "
          "copies of a few implementations each, so most pairs are alike and few stand out)")


def timed(what, function, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    print(f"{what}: {time.perf_counter() - wall:.2f} s ({time.process_time() - cpu:.2f} s CPU)")
    return result

if __name__ == "__main__":
    main()
