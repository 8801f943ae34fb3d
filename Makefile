# Two entry points, both starting from nothing but Python 3.11 and make:
#   make lab    set up, execute the reference lab, grade the bundled example submissions, build the hand-out
#   make test   set up (as root: the system packages the tests need too), lint, type-check, run the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The hostile tests also grade as root without CAP_SYS_ADMIN (capsh, Debian's libcap2-bin) and as an
# ordinary user (setpriv); both run Debian's python3.11 (an interpreter under /root is not runnable by
# other users) from this venv, built once.
SYSTEM_PYTHON ?= /usr/bin/python3.11
SYSTEM_VENV := .venv-system
SYSTEM_STAMP := $(SYSTEM_VENV)/.installed

# What the tests need from the system, as `command-or-file:Debian package`: the browser test drives Chromium
# (playwright's own browser download is never used), the hostile tests simulate a container with capsh and
# run workers as other users from Debian's python3.11 (SYSTEM_PYTHON; its venv module is python3.11-venv).
SYSTEM_NEEDS := chromium:chromium bwrap:bubblewrap capsh:libcap2-bin setpriv:util-linux \
	$(SYSTEM_PYTHON):python3.11 $(dir $(SYSTEM_PYTHON))../lib/python3.11/ensurepip:python3.11-venv

.PHONY: lab test lint system-packages release clean system-venv

# `pip install -e .` (pyproject.toml): allab and autograder import from anywhere, no sys.path edits.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/python -m autograder lab --out build/lab
	$(BIN)/python -m autograder grade data/example_submissions --out build/grades \
	    --roster data/course/roster.csv --policy data/course/policy.toml
	$(BIN)/python -m autograder grade data/example_submissions/bob_partial --out build/grades --regrade-all
	$(BIN)/python -m autograder export build/grades --to canvas
	$(BIN)/python -m autograder similarity build/grades
	$(BIN)/python -m autograder handout --out build/handout.zip

test: lint system-packages
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory system-venv; fi
	$(BIN)/python -m pytest

# Style and import order (ruff) and the types of the public boundaries (mypy): both configured in pyproject.toml.
lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy

# As root: apt-get installs what is missing. Otherwise: one line saying what is missing and how to install it.
system-packages:
	@missing=""; for need in $(SYSTEM_NEEDS); do \
	    what=$${need%:*}; package=$${need##*:}; \
	    command -v $$what >/dev/null 2>&1 || [ -e $$what ] || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y$$missing; \
	else \
	    echo "make test needs the Debian packages$$missing: run \`sudo apt-get install -y$$missing\` (or \`make test\` as root, which installs them)" >&2; \
	    exit 1; \
	fi

system-venv: $(SYSTEM_STAMP)

$(SYSTEM_STAMP): requirements.txt pyproject.toml | system-packages
	$(SYSTEM_PYTHON) -m venv $(SYSTEM_VENV)
	$(SYSTEM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SYSTEM_VENV)/bin/python -m pip install --quiet -r requirements.txt
	$(SYSTEM_VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $(SYSTEM_STAMP)

release: $(STAMP)
	$(BIN)/python -m autograder release

clean:
	rm -rf $(VENV) $(SYSTEM_VENV) build
