# Two entry points, both starting from nothing but Python 3.11 and make:
#   make lab    set up, execute the reference lab, grade the bundled example submissions, build the hand-out
#   make test   set up, run the whole test suite
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

.PHONY: lab test release clean system-venv

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

test: $(STAMP)
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory system-venv; fi
	$(BIN)/python -m pytest

system-venv: $(SYSTEM_STAMP)

$(SYSTEM_STAMP): requirements.txt pyproject.toml
	@if [ "$$(id -u)" = 0 ] && { ! command -v capsh >/dev/null || ! [ -x $(SYSTEM_PYTHON) ] || \
	    ! $(SYSTEM_PYTHON) -c 'import ensurepip' 2>/dev/null; }; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libcap2-bin python3.11 python3.11-venv; \
	fi
	$(SYSTEM_PYTHON) -m venv $(SYSTEM_VENV)
	$(SYSTEM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SYSTEM_VENV)/bin/python -m pip install --quiet -r requirements.txt
	$(SYSTEM_VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $(SYSTEM_STAMP)

release: $(STAMP)
	$(BIN)/python -m autograder release

clean:
	rm -rf $(VENV) $(SYSTEM_VENV) build
