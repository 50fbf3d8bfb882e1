# Two entry points: `make site` builds the sample Lab Essays into output/,
# `make test` runs the whole test suite. Each sets up its own virtual environment.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NODE_DIR := $(VENV)/node

.PHONY: site test test-nightly bench clean

$(BIN)/essaygen: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Node tools for the test suite only: the Nu HTML Checker and axe-core.
# --ignore-scripts: vnu-jar's install script would try to download a Java runtime.
$(NODE_DIR)/node_modules/.installed:
	mkdir -p $(NODE_DIR)
	-npm install --silent --no-audit --no-fund --ignore-scripts --prefix $(NODE_DIR) vnu-jar@24 axe-core@4 && touch $@

site: $(BIN)/essaygen
	$(BIN)/essaygen build . -o output

test: $(BIN)/essaygen $(NODE_DIR)/node_modules/.installed
	$(BIN)/python -m pytest -q

# More generated examples for the property tests than CI runs.
test-nightly: $(BIN)/essaygen
	ESSAYGEN_HYPOTHESIS_PROFILE=nightly $(BIN)/python -m pytest -q tests/test_properties.py

bench: $(BIN)/essaygen
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) output .essaygen-cache
