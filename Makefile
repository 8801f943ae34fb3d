# Two entry points, both starting from nothing but Python 3.11 and make:
#   make lab    set up, execute the reference lab, grade the bundled example submissions, build the hand-out
#   make test   set up, run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test release clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/python -m autograder lab --out build/lab
	$(BIN)/python -m autograder grade data/example_submissions --out build/grades
	$(BIN)/python -m autograder handout --out build/handout.zip

test: $(STAMP)
	$(BIN)/python -m pytest

release: $(STAMP)
	$(BIN)/python -m autograder release

clean:
	rm -rf $(VENV) build
