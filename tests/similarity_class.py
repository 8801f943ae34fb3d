"""A class of answers for testing the similarity report: who wrote what, and which pairs are copies.

The answers come from three sources: the reference solution (and one catalogued mutant made from it), the
catalogues' whole-cell implementations (correct and wrong), and :data:`OWN`, correct solutions
written for this test independently of the reference and of each other. Copies are then planted with each
disguise of :data:`DISGUISES`. Every answer has an *origin*: answers of the same origin are related (a copy,
or an edit of the same code); the planted pairs are the copies, the independent pairs those of different
origins.
"""
import ast
import io
import random
import tokenize

from catalogue import MUTANTS, VARIANTS

from autograder import NOTEBOOKS_DIR, SOLUTIONS_DIR
from autograder.markscheme import load_items
from autograder.notebook import answer_cells, read_json_notebook, strip_solution_markers

OWN = {
    "create_initial_split": ['''
def create_initial_split(X_train, y_train, n_initial=20, *, random_state=None):
    X = np.asarray(X_train)
    y = np.asarray(y_train)
    labels = np.unique(y)
    if n_initial < len(labels) or n_initial >= len(y):
        raise ValueError(f"n_initial={n_initial} is out of range")
    generator = np.random.default_rng(random_state)
    picked = []
    for label in labels:
        rows = np.where(y == label)[0]
        picked.append(int(generator.choice(rows)))
    taken = set(picked)
    remaining = [i for i in range(len(y)) if i not in taken]
    extra = generator.choice(remaining, size=n_initial - len(picked), replace=False)
    labelled = np.array(picked + list(extra), dtype=int)
    mask = np.ones(len(y), dtype=bool)
    mask[labelled] = False
    pool = np.flatnonzero(mask)
    return X[labelled], y[labelled], X[pool], y[pool], pool
''', '''
def create_initial_split(X_train, y_train, n_initial=20, *, random_state=None):
    X_train = np.array(X_train, copy=True)
    y_train = np.array(y_train, copy=True)
    n = y_train.shape[0]
    classes = sorted(set(y_train.tolist()))
    if not (len(classes) <= n_initial < n):
        raise ValueError("n_initial must be between the number of classes and the number of samples")
    rng = np.random.default_rng(random_state)
    order = rng.permutation(n)
    head, tail = list(order[:n_initial]), list(order[n_initial:])
    for c in classes:
        if not any(y_train[i] == c for i in head):
            swap = next(k for k, i in enumerate(tail) if y_train[i] == c)
            counts = [sum(y_train[j] == y_train[h] for j in head) for h in head]
            victim = int(np.argmax(counts))
            head[victim], tail[swap] = tail[swap], head[victim]
    head, tail = np.array(head), np.array(sorted(tail))
    return X_train[head], y_train[head], X_train[tail], y_train[tail], tail
''', '''
def create_initial_split(X_train, y_train, n_initial=20, *, random_state=None):
    Xa, ya = np.asarray(X_train), np.asarray(y_train)
    by_class = {}
    for index, label in enumerate(ya):
        by_class.setdefault(label, []).append(index)
    if n_initial < len(by_class) or n_initial >= len(ya):
        raise ValueError("invalid n_initial")
    rng = np.random.default_rng(random_state)
    seeds = [members[rng.integers(len(members))] for members in by_class.values()]
    others = np.setdiff1d(np.arange(len(ya)), seeds)
    rng.shuffle(others)
    chosen = np.concatenate([np.array(seeds), others[:n_initial - len(seeds)]]).astype(int)
    rest = np.sort(others[n_initial - len(seeds):])
    return Xa[chosen], ya[chosen], Xa[rest], ya[rest], rest
'''],
    "uncertainty_sampling": ['''
def uncertainty_sampling(model, X_pool, n_samples=10):
    confidence = model.predict_proba(X_pool).max(axis=1)
    k = min(n_samples, X_pool.shape[0])
    ranked = np.argsort(confidence, kind="mergesort")
    return ranked[:k]
''', '''
def uncertainty_sampling(model, X_pool, n_samples=10):
    probabilities = model.predict_proba(X_pool)
    scores = [1.0 - max(row) for row in probabilities]
    order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
    return np.array(order[:n_samples], dtype=int)
''', '''
def uncertainty_sampling(model, X_pool, n_samples=10):
    p = model.predict_proba(X_pool)
    least_confident = -np.amax(p, axis=1)
    count = min(len(p), n_samples)
    top = np.argpartition(least_confident, -count)[-count:] if count < len(p) else np.arange(len(p))
    return top[np.argsort(-least_confident[top], kind="stable")]
'''],
    "noisy_oracle": ['''
def noisy_oracle(X_query, y_pool, query_idx, error_rate=0.1, *, random_state=None):
    if not 0 <= error_rate <= 1:
        raise ValueError(f"error_rate must be between 0 and 1, got {error_rate}")
    y_pool = np.asarray(y_pool)
    true_labels = y_pool[np.asarray(query_idx, dtype=int)]
    noisy = true_labels.copy()
    rng = np.random.default_rng(random_state)
    n_flip = int(len(query_idx) * error_rate)
    all_classes = np.unique(y_pool)
    if len(all_classes) < 2:
        return noisy
    positions = rng.permutation(len(noisy))[:n_flip]
    for pos in positions:
        alternatives = all_classes[all_classes != noisy[pos]]
        noisy[pos] = alternatives[rng.integers(len(alternatives))]
    return noisy
''', '''
def noisy_oracle(X_query, y_pool, query_idx, error_rate=0.1, *, random_state=None):
    if error_rate < 0.0 or error_rate > 1.0:
        raise ValueError("error_rate outside [0, 1]")
    generator = np.random.default_rng(random_state)
    result = np.array([y_pool[i] for i in query_idx])
    how_many = int(len(query_idx) * error_rate)
    options = sorted(set(np.asarray(y_pool).tolist()))
    wrong = generator.choice(len(result), size=how_many, replace=False) if how_many and len(options) > 1 else []
    for w in wrong:
        result[w] = generator.choice([c for c in options if c != result[w]])
    return result
''', '''
def noisy_oracle(X_query, y_pool, query_idx, error_rate=0.1, *, random_state=None):
    if not (0 <= error_rate <= 1):
        raise ValueError("error_rate must lie in [0, 1]")
    rng = np.random.default_rng(random_state)
    classes, codes = np.unique(np.asarray(y_pool), return_inverse=True)
    picked = codes[np.asarray(query_idx, dtype=int)]
    n_bad = int(len(picked) * error_rate)
    if len(classes) > 1 and n_bad > 0:
        where = rng.choice(len(picked), n_bad, replace=False)
        shift = rng.integers(1, len(classes), size=n_bad)
        picked[where] = (picked[where] + shift) % len(classes)
    return classes[picked]
'''],
    "active_learning_loop": ['''
def active_learning_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                         n_iterations=20, n_queries=10, *, query_strategy=uncertainty_sampling,
                         model=None, verbose=True):
    from sklearn.base import clone
    learner = LogisticRegression(random_state=42, max_iter=1000) if model is None else clone(model)
    X_lab = np.array(X_labeled, copy=True)
    y_lab = np.array(y_labeled, copy=True)
    X_rest = np.array(X_pool, copy=True)
    y_rest = np.array(y_pool, copy=True)
    accuracies, n_labeled = [], []
    for round_number in range(1, n_iterations + 1):
        learner.fit(X_lab, y_lab)
        acc = learner.score(X_test, y_test)
        accuracies.append(acc)
        n_labeled.append(len(y_lab))
        if verbose:
            print(f"round {round_number}: {len(y_lab)} labels, accuracy {acc:.3f}")
        if len(y_rest) == 0 or round_number == n_iterations:
            break
        chosen = np.asarray(query_strategy(learner, X_rest, min(n_queries, len(y_rest))), dtype=int)
        X_lab = np.concatenate([X_lab, X_rest[chosen]])
        y_lab = np.concatenate([y_lab, oracle(X_rest[chosen], y_rest, chosen)])
        keep = np.ones(len(y_rest), dtype=bool)
        keep[chosen] = False
        X_rest, y_rest = X_rest[keep], y_rest[keep]
    return accuracies, n_labeled
''', '''
def active_learning_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                         n_iterations=20, n_queries=10, *, query_strategy=uncertainty_sampling,
                         model=None, verbose=True):
    import sklearn.base
    clf = sklearn.base.clone(model) if model is not None else LogisticRegression(random_state=42, max_iter=1000)
    labelled_X, labelled_y = list(np.asarray(X_labeled)), list(np.asarray(y_labeled))
    remaining = list(range(len(X_pool)))
    X_pool, y_pool = np.asarray(X_pool), np.asarray(y_pool)
    history, sizes = [], []
    step = 0
    while step < n_iterations:
        clf.fit(np.array(labelled_X), np.array(labelled_y))
        history.append(float(clf.score(X_test, y_test)))
        sizes.append(len(labelled_y))
        if verbose:
            print("iteration", step, "accuracy", history[-1])
        step += 1
        if not remaining or step == n_iterations:
            break
        picks = query_strategy(clf, X_pool[remaining], min(n_queries, len(remaining)))
        taken = [remaining[int(p)] for p in picks]
        for row in taken:
            labelled_X.append(X_pool[row])
            labelled_y.append(y_pool[row])
        gone = set(taken)
        remaining = [r for r in remaining if r not in gone]
    return history, sizes
'''],
    "margin_sampling": ['''
def margin_sampling(model, X_pool, n_samples=10):
    proba = model.predict_proba(X_pool)
    best_two = np.sort(proba, axis=1)[:, ::-1][:, :2]
    gap = best_two[:, 0] - best_two[:, 1]
    how_many = min(n_samples, len(gap))
    return np.argsort(gap, kind="stable")[:how_many]
''', '''
def margin_sampling(model, X_pool, n_samples=10):
    probs = model.predict_proba(X_pool)
    margins = []
    for row in probs:
        first, second = sorted(row, reverse=True)[:2]
        margins.append(first - second)
    idx = sorted(range(len(margins)), key=margins.__getitem__)
    return np.asarray(idx[:n_samples], dtype=int)
''', '''
def margin_sampling(model, X_pool, n_samples=10):
    P = model.predict_proba(X_pool)
    top = P.argmax(axis=1)
    highest = P[np.arange(len(P)), top]
    masked = P.copy()
    masked[np.arange(len(P)), top] = -np.inf
    runner_up = masked.max(axis=1)
    return np.argsort(highest - runner_up, kind="mergesort")[:min(n_samples, len(P))]
'''],
    "entropy_sampling": ['''
def entropy_sampling(model, X_pool, n_samples=10):
    p = np.clip(model.predict_proba(X_pool), 1e-300, 1)
    h = -np.sum(p * np.log(p), axis=1)
    k = min(n_samples, len(h))
    return np.argsort(-h, kind="stable")[:k]
''', '''
def entropy_sampling(model, X_pool, n_samples=10):
    import math
    probabilities = model.predict_proba(X_pool)
    scores = []
    for dist in probabilities:
        scores.append(-sum(q * math.log(q) for q in dist if q > 0))
    ranking = np.argsort(-np.array(scores), kind="stable")
    return ranking[:min(n_samples, len(scores))]
''', '''
def entropy_sampling(model, X_pool, n_samples=10):
    from scipy.special import entr
    uncertainty = entr(model.predict_proba(X_pool)).sum(axis=1)
    n = min(n_samples, uncertainty.shape[0])
    order = np.argsort(-uncertainty, kind="stable")
    return order[:n]
'''],
    "random_sampling_loop": ['''
def random_sampling_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                         n_iterations=20, n_queries=10, *, model=None, random_state=None, verbose=True):
    from sklearn.base import clone
    rng = np.random.default_rng(random_state)
    clf = LogisticRegression(random_state=42, max_iter=1000) if model is None else clone(model)
    Xl, yl = np.asarray(X_labeled), np.asarray(y_labeled)
    Xp, yp = np.asarray(X_pool), np.asarray(y_pool)
    accs, sizes = [], []
    for i in range(n_iterations):
        clf.fit(Xl, yl)
        accs.append(clf.score(X_test, y_test))
        sizes.append(len(yl))
        if verbose:
            print(f"[random] round {i}: {accs[-1]:.3f}")
        if len(yp) == 0 or i == n_iterations - 1:
            break
        pick = rng.choice(len(yp), size=min(n_queries, len(yp)), replace=False)
        Xl, yl = np.vstack([Xl, Xp[pick]]), np.concatenate([yl, yp[pick]])
        Xp, yp = np.delete(Xp, pick, axis=0), np.delete(yp, pick)
    return accs, sizes
''', '''
def random_sampling_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                         n_iterations=20, n_queries=10, *, model=None, random_state=None, verbose=True):
    generator = np.random.default_rng(random_state)
    pick_randomly = lambda learner, pool, k: generator.permutation(len(pool))[:k]
    return active_learning_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                                n_iterations=n_iterations, n_queries=n_queries,
                                query_strategy=pick_randomly, model=model, verbose=verbose)
'''],
    "labels_to_target": ['''
def labels_to_target(accuracies, n_labeled, target):
    for i in range(len(accuracies)):
        if accuracies[i] >= target:
            return int(n_labeled[i])
    return None
''', '''
def labels_to_target(accuracies, n_labeled, target):
    hits = [n for a, n in zip(accuracies, n_labeled) if a >= target]
    return int(hits[0]) if hits else None
'''],
    "area_under_curve": ['''
def area_under_curve(accuracies, n_labeled):
    acc = np.asarray(accuracies, dtype=float)
    n = np.asarray(n_labeled, dtype=float)
    if acc.size == 0 or acc.size != n.size:
        raise ValueError("need equally long, non-empty sequences")
    if acc.size == 1:
        return float(acc[0])
    heights = (acc[1:] + acc[:-1]) / 2.0
    widths = n[1:] - n[:-1]
    return float(np.dot(heights, widths) / (n[-1] - n[0]))
''', '''
def area_under_curve(accuracies, n_labeled):
    if len(accuracies) != len(n_labeled) or len(accuracies) == 0:
        raise ValueError("accuracies and n_labeled must be non-empty and of equal length")
    if len(accuracies) == 1:
        return float(accuracies[0])
    total = 0.0
    for i in range(1, len(accuracies)):
        width = n_labeled[i] - n_labeled[i - 1]
        total += width * (accuracies[i] + accuracies[i - 1]) / 2
    return float(total / (n_labeled[-1] - n_labeled[0]))
''', '''
def area_under_curve(accuracies, n_labeled):
    pts = list(zip(n_labeled, accuracies))
    if not pts or len(accuracies) != len(n_labeled):
        raise ValueError("mismatched or empty learning curve")
    if len(pts) == 1:
        return float(pts[0][1])
    area = sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in zip(pts, pts[1:]))
    return float(area / (pts[-1][0] - pts[0][0]))
'''],
}


def _cells(folder):
    cells = {}
    for path in sorted(folder.glob("*.ipynb")):
        cells.update(answer_cells(read_json_notebook(path)))
    return cells


STUBS = _cells(NOTEBOOKS_DIR)
SOLUTIONS = _cells(SOLUTIONS_DIR)


def into_stub(function, implementation):
    """The hand-out's answer cell of ``function`` with its stub replaced by ``implementation``'s body, as a
    student fills it in (what the implementation has around its ``def`` is kept around the cell)."""
    lines = implementation.strip("\n").splitlines()
    node = next(n for n in ast.parse(implementation.strip("\n")).body
                if isinstance(n, ast.FunctionDef) and n.name == function)
    stub = STUBS[function].splitlines()
    start = next(i for i, line in enumerate(stub) if "YOUR CODE HERE" in line)
    end = next(i for i in range(start, len(stub)) if "raise NotImplementedError" in stub[i])
    return "\n".join([*lines[:node.lineno - 1], *stub[:start], *lines[node.body[0].lineno - 1:node.end_lineno],
                      *stub[end + 1:], *lines[node.end_lineno:]]) + "\n"


# Whole-cell catalogue entries that are the reference with a few edits (read, not measured): related to it.
DERIVED = {("create_initial_split", "the handout's signature: no random_state"),
           ("random_sampling_loop", "the handout's signature: no random_state")}


def pools(max_mutants=1):
    """``{function: [(origin, source)]}``: the different answers of each graded function (see the module
    docstring); answers derived from the reference have the origin ``reference``."""
    result = {}
    for it in load_items():
        solution = SOLUTIONS[it.function]
        pool = [("reference", strip_solution_markers(solution))]
        edits = [e for e in [*MUTANTS, *VARIANTS] if e.function == it.function]
        for edit in [e for e in edits if not e.source][:max_mutants]:
            pool.append(("reference", strip_solution_markers(edit.apply(solution))))
        for edit in [e for e in edits if e.source]:
            origin = "reference" if (it.function, edit.name) in DERIVED else f"catalogue: {edit.name}"
            pool.append((origin, into_stub(it.function, edit.source)))
        pool += [(f"own {i}", into_stub(it.function, text)) for i, text in enumerate(OWN.get(it.function, []))]
        result[it.name] = pool
    return result


# --- disguises: each takes an answer cell and returns a copy that still runs the same way ---------------------

GRADED = {it.function for it in load_items()}
WORDS = ["alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma", "theta", "lam", "rho", "phi", "psi"]


def _replace_at(text, edits):
    """``text`` with each ``(line, column, old, new)`` (ast positions: line from 1, column in UTF-8 bytes)
    replaced, the last first so that earlier positions stay valid."""
    lines = text.splitlines(keepends=True)
    for line, column, old, new in sorted(edits, reverse=True):
        encoded = lines[line - 1].encode("utf-8")
        assert encoded[column:column + len(old.encode())].decode() == old, (line, column, old)
        lines[line - 1] = (encoded[:column] + new.encode() + encoded[column + len(old.encode()):]).decode()
    return "".join(lines)


def rename(text, rng):
    """Every name the student chose (locals, loop variables, helpers and their parameters) renamed; the
    graded function's name and parameters stay, or it would no longer be graded."""
    tree = ast.parse(text)
    fixed = set(GRADED)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in GRADED:
            fixed |= {a.arg for a in [*node.args.args, *node.args.kwonlyargs]}
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in [*n.args, *n.kwonlyargs]}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    names = sorted(bound - fixed)
    new = {name: f"{rng.choice(WORDS)}_{i}" for i, name in enumerate(names)}
    edits = [(n.lineno, n.col_offset, n.id, new[n.id]) for n in ast.walk(tree)
             if isinstance(n, ast.Name) and n.id in new]
    edits += [(n.lineno, n.col_offset, n.arg, new[n.arg]) for n in ast.walk(tree)
              if isinstance(n, ast.arg) and n.arg in new]
    for n in ast.walk(tree):
        if isinstance(n, ast.FunctionDef) and n.name in new:
            column = len(text.splitlines()[n.lineno - 1].encode()[:n.col_offset]) + \
                text.splitlines()[n.lineno - 1][n.col_offset:].index(n.name)
            edits.append((n.lineno, column, n.name, new[n.name]))
    return _replace_at(text, edits)


def recomment(text, rng):
    """Other comments and another docstring: the old ones gone, a comment before every other statement."""
    lines = text.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            lines[row - 1] = lines[row - 1][:col].rstrip()
    text = "\n".join(lines) + "\n"
    tree = ast.parse(text)
    lines = text.splitlines()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and isinstance(getattr(node.body[0], "value", None), ast.Constant):
            doc = node.body[0]
            indent = " " * doc.col_offset
            lines[doc.lineno - 1:doc.end_lineno] = [f'{indent}"""My own version: {rng.choice(WORDS)}."""']
    text = "\n".join(lines) + "\n"
    statements = sorted({(n.lineno, n.col_offset) for n in ast.walk(ast.parse(text))
                         if isinstance(n, ast.stmt) and not isinstance(n, ast.FunctionDef)})
    lines = text.splitlines()
    for i, (row, col) in enumerate(reversed(statements)):
        if i % 2 == 0 and not lines[row - 1].lstrip().startswith('"""'):
            lines.insert(row - 1, " " * col + f"# step {len(statements) - i}: {rng.choice(WORDS)}")
    return "\n".join(lines) + "\n"


def _touches(node, local):
    """``(written, read)`` names of a statement; a method call on a ``local`` name writes it (it may change
    it: ``rng.choice``, ``picked.append``), a call on a module (``np.asarray``) does not."""
    written, read = set(), set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            (written if isinstance(n.ctx, ast.Store) else read).add(n.id)
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name) \
                and n.func.value.id in local:
            written.add(n.func.value.id)
    return written, read


def _independent(a, b, local):
    simple = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)
    if not isinstance(a, simple) or not isinstance(b, simple) or isinstance(getattr(a, "value", None), ast.Constant):
        return False
    (wa, ra), (wb, rb) = _touches(a, local), _touches(b, local)
    return not (wa & (rb | wb)) and not (wb & ra)


def reorder(text, rng):
    """Neighbouring statements that do not depend on each other swapped (as many pairs as there are)."""
    lines = text.splitlines()
    tree = ast.parse(text)
    local = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    local |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    swaps = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        i = 0
        while i + 1 < len(body):
            if _independent(body[i], body[i + 1], local):
                swaps.append((body[i], body[i + 1]))
                i += 2
            else:
                i += 1
    for a, b in sorted(swaps, key=lambda pair: -pair[0].lineno):
        first, second = lines[a.lineno - 1:a.end_lineno], lines[b.lineno - 1:b.end_lineno]
        lines[a.lineno - 1:b.end_lineno] = second + lines[a.end_lineno:b.lineno - 1] + first
    return "\n".join(lines) + "\n"


def blank_lines(text, rng):
    """A blank line after every line (not after a line continued with a backslash)."""
    return "".join(line + ("" if line.rstrip("\n").endswith("\\") else "\n")
                   for line in text.splitlines(keepends=True))


def _append_loop(loop, name):
    """The ``(element, condition)`` of ``for ...: [if c:] name.append(element)``, or None."""
    body = loop.body
    condition = None
    if len(body) == 1 and isinstance(body[0], ast.If) and not body[0].orelse:
        condition, body = body[0].test, body[0].body
    if (len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Call)
            and isinstance(body[0].value.func, ast.Attribute) and body[0].value.func.attr == "append"
            and isinstance(body[0].value.func.value, ast.Name) and body[0].value.func.value.id == name
            and len(body[0].value.args) == 1 and not loop.orelse):
        return body[0].value.args[0], condition
    return None


def comprehension(text, rng):
    """``x = []; for ...: x.append(e)`` as ``x = [e for ...]``, and a list comprehension as such a loop."""
    tree = ast.parse(text)
    lines = text.splitlines()
    seg = lambda node: ast.get_source_segment(text, node)  # noqa: E731
    changes = []  # (first line, last line, new lines)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for i, stmt in enumerate(body):
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            name, indent = stmt.targets[0].id, " " * stmt.col_offset
            value = stmt.value
            if isinstance(value, ast.List) and not value.elts and i + 1 < len(body) and \
                    isinstance(body[i + 1], ast.For) and _append_loop(body[i + 1], name):
                loop = body[i + 1]
                element, condition = _append_loop(loop, name)
                test = f" if {seg(condition)}" if condition is not None else ""
                comprehension = f"[{seg(element)} for {seg(loop.target)} in {seg(loop.iter)}{test}]"
                changes.append((stmt.lineno, loop.end_lineno, [f"{indent}{name} = {comprehension}"]))
            elif isinstance(value, ast.ListComp) and len(value.generators) == 1 and len(value.generators[0].ifs) <= 1:
                gen = value.generators[0]
                new = [f"{indent}{name} = []", f"{indent}for {seg(gen.target)} in {seg(gen.iter)}:"]
                inner = indent + "    "
                if gen.ifs:
                    new.append(f"{inner}if {seg(gen.ifs[0])}:")
                    inner += "    "
                changes.append((stmt.lineno, stmt.end_lineno, new + [f"{inner}{name}.append({seg(value.elt)})"]))
    for first, last, new in sorted(changes, reverse=True):
        lines[first - 1:last] = new
    return "\n".join(lines) + "\n"


def reformat(text, rng):
    """What a formatter makes of it (``ast.unparse``): another layout, quotes and brackets; comments gone."""
    return ast.unparse(ast.parse(text)) + "\n"


def everything(text, rng):
    """Every disguise at once."""
    for disguise in (comprehension, reorder, rename, recomment, blank_lines):
        text = disguise(text, rng)
    return text


DISGUISES = {"renamed": rename, "comments and docstring": recomment, "reordered": reorder,
             "blank lines": blank_lines, "loop as comprehension": comprehension, "reformatted": reformat,
             "all at once": everything}


def disguised(name, text, rng):
    """``text`` with disguise ``name``, or None when it does not apply (nothing to reorder, no loop)."""
    new = DISGUISES[name](text, rng)
    compile(new, "<disguised>", "exec")  # a copy still runs
    return new if new != text else None


# --- the class -------------------------------------------------------------------------------------------

def _demo(function):
    """A hand-out cell that is no answer cell (a demo), from the notebook of ``function``: what a student
    who only ran the demos may have pasted into the answer cell."""
    from autograder.notebook import nbgrader_meta, source
    for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        cells = read_json_notebook(path)["cells"]
        if function in answer_cells({"cells": cells}):
            demos = [source(c) for c in cells if c["cell_type"] == "code" and not nbgrader_meta(c).get("solution")
                     and function in source(c) and "check." not in source(c)]
            return demos[0] if demos else ""
    return ""


class Class:
    """A class of answers: ``code`` ``{student: {item name: answer cell}}``; ``origin`` ``{item: {student:
    origin}}`` of every answer that is not the stub; ``planted`` ``{item: {(source, copier): disguise}}``;
    ``whole`` the ``(source, copier)`` of the student who copied every answer; ``handout_only`` the students
    whose answer cells hold only the hand-out's code."""

    def __init__(self, seed=0, plant_every=3):
        rng = random.Random(seed)
        items = {it.name: it.function for it in load_items()}
        answers = pools()
        base = max(len(pool) for pool in answers.values()) + 2
        names = iter(f"student{n:03d}" for n in rng.sample(range(1000), 1000))
        students = [next(names) for _ in range(base)]
        self.code = {s: {item: STUBS[f] for item, f in items.items()} for s in students}
        self.origin = {item: {} for item in items}
        for item, pool in answers.items():
            for student, (origin, text) in zip(rng.sample(students, len(pool)), pool, strict=True):
                self.code[student][item] = text
                self.origin[item][student] = origin
        self.planted = {item: {} for item in items}
        for d, disguise in enumerate(DISGUISES):
            for i, item in enumerate(items):
                if (i + d) % plant_every == 0:
                    self._plant(item, disguise, next(names), rng)
        self._copy_all(next(names), rng)
        self.handout_only = [next(names) for _ in range(4)]
        untouched, commented, *pasted = self.handout_only
        self.code[untouched] = {item: STUBS[f] for item, f in items.items()}
        self.code[commented] = {item: STUBS[f].replace("# YOUR CODE HERE", "# TODO: later")
                                for item, f in items.items()}
        for student in pasted:
            self.code[student] = {item: STUBS[f] + "\n" + _demo(f) for item, f in items.items()}

    def _copy(self, item, source, copier, disguise, rng):
        text = disguised(disguise, self.code[source][item], rng)
        if text is None:
            return False
        self.code.setdefault(copier, {i: STUBS[f] for i, f in ((it.name, it.function) for it in load_items())})
        self.code[copier][item] = text
        self.origin[item][copier] = self.origin[item][source]
        self.planted[item][source, copier] = disguise
        return True

    def _plant(self, item, disguise, copier, rng):
        """Plant a copy of one answer to ``item`` (one not copied yet, if there is one) as ``copier``'s."""
        copied = [origin for origin in (self.origin[item][a] for a, _ in self.planted[item])]
        sources = [s for s in sorted(self.origin[item]) if not self._is_copier(s)]
        rng.shuffle(sources)
        for source in sorted(sources, key=lambda s: copied.count(self.origin[item][s])):
            if self._copy(item, source, copier, disguise, rng):
                return

    def _is_copier(self, student):
        return any(student == b for pairs in self.planted.values() for _, b in pairs)

    def _copy_all(self, copier, rng):
        source = max(sorted(self.origin[next(iter(self.origin))]),
                     key=lambda s: sum(s in by_student for by_student in self.origin.values()))
        for n, item in enumerate(self.origin):
            if source in self.origin[item]:
                names = list(DISGUISES)
                for disguise in names[n % len(names):] + names[:n % len(names)]:
                    if self._copy(item, source, copier, disguise, rng):
                        break
        self.whole = (source, copier)

    def independent(self, item, a, b):
        """Whether ``a`` and ``b`` wrote their answers to ``item`` independently (different origins)."""
        origin = self.origin[item]
        return a in origin and b in origin and origin[a] != origin[b]


def measure(klass, comparisons):
    """How well ``comparisons`` (of ``klass.code``) rank the planted copies, per function and per disguise.

    Returns ``{"functions": {item: (planted, hits in the top `planted`, planted above every independent
    pair)}, "disguises": {disguise: (planted, above every independent pair of its function, flagged)}}``.
    A planted pair missing from a comparison (no code of its own left) counts as ranked last; ties count
    against the planted pair.
    """
    functions, disguises = {}, {name: [0, 0, 0] for name in DISGUISES}
    for c in comparisons:
        index = {s: n for n, s in enumerate(c.students)}
        planted = {}
        for (a, b), disguise in klass.planted[c.item].items():
            found = a in index and b in index
            planted[a, b] = (c.similarity[index[a], index[b]] if found else -1.0, disguise,
                             found and c.flagged(index[a], index[b]))
        independent = [c.similarity[index[a], index[b]] for n, a in enumerate(c.students)
                       for b in c.students[n + 1:] if klass.independent(c.item, a, b)]
        top = max(independent, default=-1.0)
        ranked = sorted([(s, 0) for s in independent] + [(s, 1) for s, _, _ in planted.values()],
                        key=lambda pair: (-pair[0], pair[1]))  # ties: the independent pair first
        k = len(planted)
        functions[c.item] = (k, sum(kind for _, kind in ranked[:k]), sum(s > top for s, _, _ in planted.values()))
        for s, disguise, flagged in planted.values():
            disguises[disguise][0] += 1
            disguises[disguise][1] += s > top
            disguises[disguise][2] += flagged
    return {"functions": functions, "disguises": {d: tuple(v) for d, v in disguises.items()}}


def table(measured):
    """The figures of :func:`measure` as text."""
    lines = ["disguise                  planted  ranked above every independent pair  flagged"]
    for disguise, (n, above, flagged) in measured["disguises"].items():
        lines.append(f"{disguise:25} {n:7}  {above:35}  {flagged:7}")
    planted = sum(n for n, _, _ in measured["functions"].values())
    hits = sum(h for _, h, _ in measured["functions"].values())
    lines.append(f"precision at the number of planted pairs, function by function: {hits}/{planted}")
    return "\n".join(lines)
