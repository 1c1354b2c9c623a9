# Two commands for a new user (see README):
#   make run    set up everything and serve the back office with a demo tenant
#   make test   run the whole test suite
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
REQS   := requirements.txt requirements-dev.txt
STAMP  := $(VENV)/.installed-$(shell cat $(REQS) | cksum | cut -d' ' -f1)

.PHONY: run test setup bench schema contract clean

$(STAMP): $(REQS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

run: $(STAMP)
	$(PY) scripts/run.py

test: $(STAMP)
	$(PY) scripts/test.py $(ARGS)

bench: $(STAMP)
	@for b in bench/[a-z]*.py; do echo "== $$b"; $(PY) $$b | tail -n 1; done

# Schemathesis over the whole API against a live server (see README, "API contract")
contract: $(STAMP)
	$(PY) scripts/schemathesis_run.py $(ARGS)

schema: $(STAMP)
	$(PY) manage.py spectacular --urlconf config.urls_api --file openapi.yaml --validate

clean:
	rm -rf $(VENV) var staticfiles
