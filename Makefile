# make demo: set everything up, build, install into .venv, run the main example.
# make test: the same setup, then every C++ and Python test.
BUILD ?= build
VENV := .venv
PY := $(abspath $(VENV))/bin/python
CMAKE_FLAGS ?=

.PHONY: setup build demo test test-cpp test-python bench clean

setup:
	@scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DPython3_EXECUTABLE=$(PY) \
	  -DKILN_PYTHON_INSTALL_DIR=$$($(PY) -c "import sysconfig; print(sysconfig.get_paths()['platlib'])") \
	  $(CMAKE_FLAGS) > $(BUILD).configure.log || (cat $(BUILD).configure.log; exit 1)
	@cmake --build $(BUILD)
	@cmake --install $(BUILD) --component python > /dev/null

demo: build
	$(PY) examples/python/quickstart.py

test: build test-cpp test-python

test-cpp:
	ctest --test-dir $(BUILD) --output-on-failure

test-python:
	cd tests/python && $(PY) -m pytest -q

# Every benchmark family script on the CPU (benchmarks/harness.py is their shared timing).
bench: build
	@for b in $(filter-out benchmarks/harness.py,$(sort $(wildcard benchmarks/*.py))); do \
	  echo "== $$b"; $(PY) $$b --device cpu || exit 1; done

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
