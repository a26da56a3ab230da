# Everything a newcomer needs: `make demo` runs the seven-stage journey on the bundled
# SYNTHETIC churn example, `make test` runs the whole test suite. Both set up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test check lint format lock bench clean messages

setup: $(STAMP)

# Reinstall only when the dependencies change; constraints.txt pins every version.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: setup
	$(BIN)/playbook demo

# Two workers, one test file each at a time (module fixtures run once): the suite is
# mostly single-threaded journeys, so two cores take it in about half the time.
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The fast lane while working: lint, then the unit tests without the stage notebooks and
# kernels, the browser and the slow simulations (under 3 minutes on 2 cores).
check: lint
	$(BIN)/python -m pytest -n 2 -m "not journey and not browser and not slow"

# Style, the layers of ARCHITECTURE.md, and types.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-resolve the pinned versions (needs the package index); commit constraints.txt after.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade "pip>=24"
	.lock-venv/bin/python -m pip install --quiet -e ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v "^-e" > constraints.txt
	rm -rf .lock-venv

# Extract every message of the code, page templates and notebooks (babel.cfg) and add the new ones
# to each language's catalogue, untranslated; tests/test_messages.py then names them
# until their translation is written. The template (.pot) is not kept.
POT := $(VENV)/playbook.pot
messages: setup
	$(BIN)/pybabel extract --no-default-keywords -k _ -k translated:2 -k marked -k said -k sentence \
		-F babel.cfg -o $(POT) .
	$(BIN)/pybabel update -i $(POT) -d playbook/locale -D playbook \
		--no-fuzzy-matching --ignore-obsolete
	rm -f $(POT)

bench: setup
	$(BIN)/python bench/journey.py

# The demos' working folders (playbook demo --template NAME), not the committed examples.
clean:
	rm -rf $(VENV) runs examples/churn examples/fraud examples/marketing \
		examples/demand_forecast examples/ticket_routing
