# Two commands on a fresh machine:
#   make run    set up .venv and run the default scenario (tables and plots, and where they are)
#   make test   set up .venv with the test tools and run lint and every test, on every core
#   make test-fast   the edit-test loop: lint and the tests not marked slow or fuzz (3-4 min)
# Pass Hydra overrides to run with ARGS, e.g.  make run ARGS="scenario=injection_1p5b seed=7"
.PHONY: run test test-fast lint bench setup clean

setup:
	@scripts/bootstrap.sh

run: setup
	.venv/bin/alliance-sim $(ARGS)

# --max-worker-restart=0: a test worker that dies ends the run naming the test it was running;
# with --dist loadfile, pytest-xdist 3.8 can otherwise hang after replacing a crashed worker.
PYTEST = .venv/bin/python -m pytest -q -n auto --dist loadfile --max-worker-restart=0

test:
	@scripts/bootstrap.sh dev
	@scripts/ensure_chromium.sh
	.venv/bin/python -m ruff check .
	.venv/bin/python -m ruff format --check .
	$(PYTEST)

test-fast:
	@scripts/bootstrap.sh dev
	.venv/bin/python -m ruff check .
	.venv/bin/python -m ruff format --check .
	$(PYTEST) -m "not slow and not fuzz"

lint:
	@scripts/bootstrap.sh dev
	.venv/bin/python -m ruff check .
	.venv/bin/python -m ruff format --check .

bench:
	@scripts/bootstrap.sh dev
	.venv/bin/python benchmarks/run_benchmark.py --write

clean:
	rm -rf .venv outputs multirun .pytest_cache
