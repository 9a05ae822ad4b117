# `make run`: set up and run the main job (import seeds/, score, serve on http://127.0.0.1:8000).
# `make test`: set up and run the whole test suite.
.PHONY: run test setup bench

run:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

setup:
	bash scripts/bootstrap.sh

bench:
	.venv/bin/python bench/eval_quality.py
	.venv/bin/python bench/import_throughput.py
	.venv/bin/python bench/score_throughput.py
