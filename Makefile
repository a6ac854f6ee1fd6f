# Thin wrappers: each target names the script or command that does the work.
SHELL := /bin/bash
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)
export FOCUS_TRACKER_DB ?= $(CURDIR)/bot/var/tracker.db
export FOCUS_ACTIONS_PORT ?= 5055

BOT_PY := bot/.venv/bin/python
# Rasa with the project's changes, as it is served (bot/rasa_cli.py)
RASA := $(BOT_PY) -m bot.rasa_cli
SPACY_PIPELINE := bot/models/spacy_en/meta.json

.PHONY: setup run run-scaled shell admin test test-hostile loadtest eval bench bench-compare profile train lint fmt backend clean

setup: bot/.venv/.synced $(SPACY_PIPELINE) backend/.venv/.synced

bot/.venv/.synced: bot/requirements.lock bot/requirements.weights.txt
	scripts/setup_bot.sh

backend/.venv/.synced: backend/uv.lock
	$(MAKE) -C backend setup
	touch $@

$(SPACY_PIPELINE): bot/.venv/.synced bot/nlp/build.py bot/nlp/catalogue.py
	$(BOT_PY) -m bot.nlp.build

## train: train a model from config.yml (skipped by Rasa when nothing changed)
train: setup
	$(RASA) train --config config.yml --domain domain.yml --data bot/data --out bot/models

## run: the whole assistant on localhost (case service 8000, Rasa 5005, actions 5055,
## mail sink 2525 writing to backend/var/mail);
## a part that exits is restarted, Ctrl-C stops them all
run: train
	python3 scripts/stack.py --model bot/models

## run-scaled: the production layout on this machine: PostgreSQL, Redis, nginx on
## 127.0.0.1:8080 in front of N Rasa, M action-server and K case-service replicas
N ?= 2
M ?= 2
K ?= 2
run-scaled: train
	python3 scripts/stack.py --scaled --model bot/models --rasa $(N) --actions $(M) --cases $(K)

## backend: the case service alone on localhost:8000
backend: backend/.venv/.synced
	$(MAKE) -C backend serve

## test: everything CI checks (lint, data, stories, held-out NLU, pytest, backend)
test: setup
	scripts/test.sh

## eval: understanding with config.yml: 5-fold CV, held-out split, paraphrase set
eval: setup
	scripts/eval.sh

## bench: speed figures (printed, never asserted)
bench: train
	scripts/bench.sh

lint:
	bot/.venv/bin/ruff check bot tests scripts
	bot/.venv/bin/ruff format --check bot tests scripts

fmt:
	bot/.venv/bin/ruff format bot tests scripts
	bot/.venv/bin/ruff check --fix bot tests scripts

clean:
	rm -rf reports bot/models/*.tar.gz bot/models/ci bot/models/spacy_en

## admin: create a staff account for the console (prints a one-time password)
admin: backend/.venv/.synced
	cd backend && .venv/bin/python -m focus_cases create-admin $(or $(NAME),admin)

## shell: talk to the bot in the terminal (case service and actions run behind it)
shell: train
	python3 scripts/stack.py --model bot/models --shell --logs reports/shell-logs

## test-hostile: 10,000 hostile messages through the chat channel (`make test` sends 500)
test-hostile: train
	FOCUS_HOSTILE_MESSAGES=10000 FOCUS_TEST_MODEL=$$(ls -t bot/models/*.tar.gz | head -1) \
	  bot/.venv/bin/pytest tests/security/test_hostile_messages.py

## loadtest: CUSTOMERS simulated customers for MINUTES through nginx on a scaled stack
## of its own, while a Rasa replica, an action server and a case service are killed
## (`make test` runs 50 for 2 minutes)
CUSTOMERS ?= 200
MINUTES ?= 10
loadtest: train
	$(BOT_PY) -m tests.load --customers $(CUSTOMERS) --minutes $(MINUTES)

## bench-compare: this project beside Rasa's default config (trained on the same data
## once, into bot/models/compare/), the same load on both; the speed targets
bench-compare: train
	$(BOT_PY) tests/bench/bench_compare.py

## profile: where a turn's time goes (py-spy samples each part; printed, never asserted)
profile: train
	bot/.venv/bin/python tests/bench/profile_turn.py
