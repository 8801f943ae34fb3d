"""The student path in a real browser: JupyterLab on the release, headless Chromium driven by playwright.

Open Part 1, run its first cells, then write `oracle` three times (the stub, a wrong answer, a right one) and
run its check cell each time, reading the check's message as JupyterLab renders it.

Needs Chromium from the Debian package (`apt-get install chromium`, which `make test` does as root) and the
`playwright` pip package (requirements.txt); playwright's own browser download is never used.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from needs import CHROMIUM

from autograder import NOTEBOOKS_DIR

pytestmark = [pytest.mark.slow, pytest.mark.needs_browser]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
TOKEN = "allab-browser-test"
WAIT_MS = 120_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url, process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"jupyter lab did not answer at {url} within {timeout} s")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the release (the browser may autosave into it); yields its URL."""
    root = tmp_path_factory.mktemp("browser")
    handout = root / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, handout, ignore=shutil.ignore_patterns("__pycache__", "figures", "results"))
    settings = root / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "news and updates" prompt over the notebook (and no network call for it).
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false",
                                                                          "checkForUpdates": False}))
    port = free_port()
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(root / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"), JUPYTER_RUNTIME_DIR=str(root / "runtime"),
               JUPYTER_DATA_DIR=str(root / "data"),
               MPLBACKEND="Agg")
    log = open(root / "jupyter.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={handout}",
         "--ServerApp.port_retries=0",
         # window.jupyterapp, to wait for the kernel itself (KERNEL_READY): the execution indicator says "idle"
         # before a kernel is attached, and a cell run before then may miss the kernel the next cells run in.
         "--LabApp.expose_app_in_browser=True"],
        cwd=handout, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


KERNEL_READY = """() => {
    const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
    return kernel?.connectionStatus === "connected" && kernel.status === "idle";
}"""


def run_cell(page, cell):
    """Select ``cell`` (a locator) by its input prompt and run it with Shift+Enter, as a student does; for a code
    cell, wait until this run has finished (its prompt shows a new execution count), so the next step sees it."""
    from playwright.sync_api import expect
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    prompt.click()
    expect(cell).to_have_class(re.compile(r"\bjp-mod-active\b"))
    page.keyboard.press("Shift+Enter")
    if "jp-CodeCell" in (cell.get_attribute("class") or ""):
        expect(prompt).not_to_have_text(before)  # "[*]" while it runs, then the new count
        expect(prompt).to_have_text(re.compile(r"\[\d+\]"))


def set_source(page, cell, text):
    """Replace the code of ``cell``: click into its editor, select all, insert ``text`` (no auto-brackets)."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def write_and_check(page, answer, check, source=None):
    """Write ``source`` into the ``answer`` cell (keep it if None), run it, then run the ``check`` cell."""
    if source is not None:
        set_source(page, answer, source)
    run_cell(page, answer)
    run_cell(page, check)


def cell_by_text(cells, text):
    """The first cell whose source contains ``text``."""
    return cells.filter(has=cells.page.locator(".cm-content", has_text=text)).first


def test_student_runs_part1_and_reads_the_check_messages(lab, browser):
    from playwright.sync_api import expect
    expect.set_options(timeout=WAIT_MS)  # a cold JupyterLab and kernel take a while on 2 busy cores
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{lab}/lab/tree/part1_basics.ipynb?token={TOKEN}")
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    expect(cells.first).to_be_visible()
    page.wait_for_function(KERNEL_READY)

    # The first cells: the hand-in note renders, the imports and the data load run.
    expect(cells.nth(1)).to_contain_text("What to hand in")
    for index in range(5):
        run_cell(page, cells.nth(index))
    expect(cells.nth(4).locator(".jp-OutputArea-output")).to_contain_text("Training samples: 700")

    oracle = cell_by_text(cells, "def oracle(")
    check = cell_by_text(cells, "check.oracle(oracle)")
    output = check.locator(".jp-OutputArea")

    # 1. The stub, as handed out: the check shows what to do.
    write_and_check(page, oracle, check)
    expect(output).to_contain_text("NotImplementedError")
    expect(output).to_contain_text("Not written yet: replace this line with your code")

    # 2. A wrong answer: the check's own message, rendered, names what is wrong.
    write_and_check(page, oracle, check, "def oracle(X_query, y_pool, query_idx):\n    return y_pool\n")
    expect(output).to_contain_text("AssertionError")
    expect(output).to_contain_text("oracle: expected y_pool[[7, 0, 5]] = [6, 3, 9]; got [3, 1, 4, 1, 5, 9, 2, 6]")
    expect(output).not_to_contain_text("NotImplementedError")

    # 3. A right answer: the tick, and nothing else.
    write_and_check(page, oracle, check,
                    "def oracle(X_query, y_pool, query_idx):\n    return y_pool[np.asarray(query_idx)]\n")
    expect(output).to_contain_text("✔ oracle passes the public checks.")
    expect(output).not_to_contain_text("Error")
    page.close()


def test_the_answers_page_runs_no_student_script(browser, tmp_path):
    """A TA's page of written answers, with hostile answers, opened in Chromium: no dialog, no script, no
    request; tables and math render. Loaded again without its Content-Security-Policy, to test the sanitiser
    by itself."""
    from test_written import HOSTILE

    from autograder.markscheme import written_items
    from autograder.results.answers import CSP, question_page
    from autograder.results.types import WrittenResult
    item = written_items()[0]
    answers = [*HOSTILE, *(payload.replace("alert(1)", "window.top.pwned=1") for payload in HOSTILE),
               "| method | labels |\n|---|---|\n| active | 40 |", r"A gain of $\frac{1}{2}$."]
    entries = {f"student{i:02}": WrittenResult(None, item.points, item.title, text, "pending", "")
               for i, text in enumerate(answers)}
    page_html = question_page(item, entries, lambda s: s)
    assert CSP in page_html
    for name, text in (("with-csp.html", page_html), ("without-csp.html", page_html.replace(CSP, ""))):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        page = browser.new_page()
        dialogs, requests = [], []
        page.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()))
        page.on("request", lambda request, seen=requests: seen.append(request.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)  # an onload, ontoggle or refresh would have fired by now
        assert dialogs == [] and page.evaluate("window.pwned") is None, name
        assert requests == [path.as_uri()], (name, requests)
        assert page.locator(".answer table th").all_inner_texts() == ["method", "labels"]
        assert page.locator(".answer math mfrac").count() == 1
        assert page.locator(".answer script, .answer img, .answer iframe, .answer style").count() == 0
        page.close()
