# MotCua: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
MANAGE := $(PY) -m motcua.manage
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export DJANGO_SETTINGS_MODULE ?= motcua.settings.dev

.PHONY: run test test-sqlite test-postgres test-clock lint format typecheck openapi messages demo bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The environment is rebuilt only when the lock file or the project metadata change.
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --quiet --python $(PYTHON)
	touch $@

env: $(VENV)/.synced

messages: $(VENV)/.synced
	@$(PY) -m motcua.core.i18n

# The address every link, QR code, redirect URI and the OIDC issuer derive from (README).
run: export MOTCUA_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.synced messages
	$(MANAGE) migrate --noinput
	@# Also moves the portal's and back office's redirect URIs to MOTCUA_PUBLIC_URL.
	$(MANAGE) load_demo
	@echo
	@echo "  MotCua chạy tại / is running at  $(MOTCUA_PUBLIC_URL)/"
	@echo "  Thủ tục / Procedures:            $(MOTCUA_PUBLIC_URL)/thu-tuc/"
	@echo "  Quản trị / Admin:                $(MOTCUA_PUBLIC_URL)/admin/  (see var/demo-admin.txt)"
	@echo "  Cán bộ / Back office:            $(MOTCUA_PUBLIC_URL)/can-bo/"
	@echo "  Tra cứu hồ sơ / Dossier lookup:  $(MOTCUA_PUBLIC_URL)/tra-cuu-ho-so/"
	@echo "  Tiếp nhận tại quầy / Counter:    $(MOTCUA_PUBLIC_URL)/can-bo/quay/"
	@echo "  Văn bản liên thông / Documents:  $(MOTCUA_PUBLIC_URL)/van-ban/"
	@echo "  Giám sát / Monitoring:           $(MOTCUA_PUBLIC_URL)/giam-sat/  (công khai: /giam-sat/cong-khai/)"
	@echo "  API docs:                        $(MOTCUA_PUBLIC_URL)/api/v1/docs"
	@echo
	@echo "  Tài khoản demo / demo accounts:  $(MANAGE) demo_accounts"
	@echo
	@# The outbox worker, the workflow timers, the monitoring counters and the signed anchors
	@# of the audit and exchange logs (every minute and every LOG_ANCHOR_EVERY entries; the
	@# JSON lines they print are for publication outside the database) run beside the server
	@# and stop with it.
	@trap 'kill 0' EXIT; \
	$(MANAGE) notify_worker --interval 5 & \
	$(MANAGE) workflow_tick --loop 300 & \
	$(MANAGE) monitoring_update --loop 60 & \
	$(MANAGE) audit_anchor --loop 60 >>var/audit-anchors.jsonl & \
	$(MANAGE) exchange_anchor --loop 60 >>var/exchange-anchors.jsonl & \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# The whole suite on SQLite, then on PostgreSQL where a server can be found or started, on every
# CPU (pytest-xdist; PYTEST_JOBS=0 runs it in one process).
PYTEST_JOBS ?= auto
override PYTEST_ARGS := -n $(PYTEST_JOBS) $(PYTEST_ARGS)
test: $(VENV)/.synced messages
	DJANGO_SETTINGS_MODULE=motcua.settings.test $(PY) -m pytest $(PYTEST_ARGS)
	@bin/with-postgres $(PY) -m pytest $(PYTEST_ARGS)

# The tests that depend on the hour or the calendar, again with the clock at 18:30 on a Saturday
# (Vietnam time): after the receipt cut-off and on a day off.
CLOCK_AT ?= 2026-12-05T18:30:00+07:00
test-clock: $(VENV)/.synced messages
	MOTCUA_TEST_NOW=$(CLOCK_AT) DJANGO_SETTINGS_MODULE=motcua.settings.test $(PY) -m pytest -m clock $(PYTEST_ARGS)

test-sqlite: $(VENV)/.synced messages
	DJANGO_SETTINGS_MODULE=motcua.settings.test $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.synced messages
	bin/with-postgres $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check src bench tests
	$(VENV)/bin/ruff format --check src bench tests
	@# The layers of CONVENTIONS.md, as contracts in .importlinter (the one-page map).
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix src bench tests
	$(VENV)/bin/ruff format src bench tests

openapi: $(VENV)/.synced
	DJANGO_SETTINGS_MODULE=motcua.settings.test $(MANAGE) export_openapi > src/motcua/api/openapi.json

bench: $(VENV)/.synced
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .tools var
