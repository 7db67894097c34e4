# citywatch: the two set-up commands of the README, and a few helpers.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
CW     := $(BIN)/citywatch

.PHONY: setup demo test unit lint services-up services-down chaos clean

setup: $(VENV)/.installed
	@bash scripts/install-system-deps.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

## The main job: services, topics and templates, the worker, consumers and dashboard,
## then a scenario; Ctrl-C stops everything the demo started.
demo: setup
	$(CW) demo

## The whole test suite against the real local Kafka and Elasticsearch.
test: setup
	$(CW) services up
	$(CW) init
	$(BIN)/pytest

unit: setup
	$(BIN)/pytest tests/unit

## The whole fault-injection suite; writes docs/reliability.md.
chaos: setup
	$(CW) services up
	$(CW) init
	$(BIN)/python scripts/chaos.py

lint: setup
	$(BIN)/ruff check pipeline schemas consumers tests scripts

services-up: setup
	$(CW) services up

services-down:
	$(CW) services down

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
