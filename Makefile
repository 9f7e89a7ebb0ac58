# The two commands a newcomer needs: `make run` and `make test`. Each sets itself up.
.PHONY: run test lint typecheck setup clean

run:
	scripts/run.sh

test:
	scripts/test.sh

setup:
	scripts/setup.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck:
	.venv/bin/mypy

clean:
	rm -rf .venv .run-data .pytest_cache .mypy_cache .ruff_cache
