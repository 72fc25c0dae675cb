# Two commands on a fresh machine:
#   make run    set up .venv and run the default scenario (tables and plots, and where they are)
#   make test   set up .venv with the test tools and run lint and the tests
# Pass Hydra overrides to run with ARGS, e.g.  make run ARGS="scenario=injection_1p5b seed=7"
.PHONY: run test lint bench setup clean

setup:
	@scripts/bootstrap.sh

run: setup
	.venv/bin/alliance-sim $(ARGS)

test:
	@scripts/bootstrap.sh dev
	@scripts/ensure_chromium.sh
	.venv/bin/python -m ruff check .
	.venv/bin/python -m pytest -q

lint:
	@scripts/bootstrap.sh dev
	.venv/bin/python -m ruff check .
	.venv/bin/python -m ruff format --check .

bench:
	@scripts/bootstrap.sh dev
	.venv/bin/python benchmarks/run_benchmark.py --write

clean:
	rm -rf .venv outputs multirun .pytest_cache
