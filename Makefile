# Jupyter Workbench — the two commands: `make start` and `make test`.
# Both bootstrap a fresh Debian machine (apt packages, Python venv, npm packages,
# code-server, the labextensions) and keep stamps in .stamps/ so reruns are quick.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
STAMPS := $(ROOT)/.stamps
TOOLS := $(ROOT)/.tools
export PATH := $(VENV)/bin:$(TOOLS)/bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export HATCH_JUPYTER_BUILDER_SKIP_NPM := 1
PORT ?= 8888

APT_PACKAGES := chromium tigervnc-standalone-server tigervnc-tools openbox xterm twm \
	x11-utils x11-xserver-utils xclip xdotool mesa-utils xserver-xorg-core \
	xserver-xorg-video-dummy prometheus libkrb5-dev ripgrep websockify fonts-dejavu-core \
	dbus-x11 xauth make gcc g++ libx11-dev python3

LABEXT_DIR := $(ROOT)/server-ext/jupyter_workbench/labextensions/@jupyter-workbench
TS_SOURCES := $(shell find packages/*/src packages/*/style packages/*/schema packages/*/package.json -type f 2>/dev/null)

.PHONY: help bootstrap start test lint lint-fix jest pytest galata check-wheel build \
	bench-desktop bench-ides bench-gpu bench device-check-prep fetch-virtualgl clean

help:
	@echo "make start   bootstrap everything and open JupyterLab with the Workbench (port $(PORT))"
	@echo "make test    bootstrap everything and run every test (lint, jest, pytest, Galata, wheel)"
	@echo "make bench   run the benchmarks (bench-desktop, bench-ides, bench-gpu)"

# ---------------------------------------------------------------- bootstrap
$(STAMPS):
	mkdir -p $(STAMPS)

$(STAMPS)/apt: | $(STAMPS)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi
	touch $@

$(STAMPS)/venv: server-ext/pyproject.toml | $(STAMPS)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "jupyterlab>=4.6,<5" "jupyter-builder>=1.2" "build" "ruff>=0.6" \
		"mypy>=1.11" "nvidia-ml-py>=12"
	$(PY) -m pip install -q -e "server-ext[test,gpu]"
	touch $@

$(STAMPS)/npm: package.json package-lock.json $(wildcard packages/*/package.json) ui-tests/package.json | $(STAMPS)
	npm ci --no-audit --no-fund
	touch $@

$(STAMPS)/code-server: scripts/install-code-server.sh | $(STAMPS)
	bash scripts/install-code-server.sh $(TOOLS)
	touch $@

$(STAMPS)/labextensions: $(STAMPS)/npm $(STAMPS)/venv $(TS_SOURCES)
	npm run build:prod
	mkdir -p $(VENV)/share/jupyter/labextensions/@jupyter-workbench
	for ext in $(LABEXT_DIR)/*; do \
	  ln -sfn $$ext $(VENV)/share/jupyter/labextensions/@jupyter-workbench/$$(basename $$ext); \
	done
	touch $@

build: $(STAMPS)/labextensions

bootstrap: $(STAMPS)/apt $(STAMPS)/venv $(STAMPS)/npm $(STAMPS)/code-server $(STAMPS)/labextensions

# ---------------------------------------------------------------- public artefacts
# Third-party artefacts a build needs (source tarballs, charts) come from their public homes,
# verified by sha256 and kept in $(CACHE). ../shared, when it sits beside the repository, is an
# offline cache of the same files: this Makefile (and nothing else in the repo) takes them from
# there instead of downloading. Tests never read it: their fixtures live in the repo.
CACHE := $(TOOLS)/cache
OFFLINE := $(ROOT)/../shared
# $(call fetch-artefact,DEST,SHA256,URL,OFFLINE_COPY[,--gunzipped])
fetch-artefact = bash $(ROOT)/scripts/fetch-artefact.sh $(5) $(1) $(2) $(3) $(4)

VIRTUALGL_VERSION := 3.1.4
VIRTUALGL_TARBALL := $(CACHE)/virtualgl-$(VIRTUALGL_VERSION).tar.gz
# sha256 of the gunzipped tarball: `git archive --prefix=virtualgl-3.1.4/` of tag 3.1.4
# (commit c041878557cb), the same tar in GitHub's tag archive and in the offline copy
# (vendor/virtualgl-3.1.4.tar.gz, made with gzip -n -9), whichever gzip compressed it.
VIRTUALGL_TAR_SHA256 := 47bf827cda439a26329037c0bc735cd1458033ba91ce08dddb029b9ebd4faf37

$(VIRTUALGL_TARBALL):
	$(call fetch-artefact,$@,$(VIRTUALGL_TAR_SHA256),\
		https://github.com/VirtualGL/virtualgl/archive/refs/tags/$(VIRTUALGL_VERSION).tar.gz,\
		$(OFFLINE)/vendor/virtualgl-$(VIRTUALGL_VERSION).tar.gz,--gunzipped)

# The verified VirtualGL source tarball in $(CACHE).
fetch-virtualgl: $(VIRTUALGL_TARBALL)

# ---------------------------------------------------------------- run
start: bootstrap
	cd $(HOME) && jupyter lab --port $(PORT) --ip 127.0.0.1 $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

# ---------------------------------------------------------------- tests
test: bootstrap
	$(MAKE) lint
	$(MAKE) jest
	$(MAKE) pytest
	$(MAKE) galata
	$(MAKE) check-wheel

lint:
	ruff check server-ext bench ui-tests
	ruff format --check server-ext bench ui-tests
	cd server-ext && mypy
	npm run lint
	bash scripts/check-no-shared.sh
	bash scripts/check-lockfile.sh

lint-fix:
	ruff check --fix server-ext bench ui-tests
	ruff format server-ext bench ui-tests
	npm run lint:fix

jest:
	npx jest --ci

pytest:
	cd server-ext && $(PY) -m pytest -q -rs

galata:
	cd ui-tests && npx playwright test

check-wheel:
	bash scripts/check-wheel.sh

# ---------------------------------------------------------------- GPU device check
# For a lent GPU machine (see scripts/gpu-device-check.sh): our wheel and nvidia-ml-py's in
# .device/, carried there; the machine has no network and needs no build.
device-check-prep: bootstrap
	rm -rf .device && mkdir -p .device
	HATCH_JUPYTER_BUILDER_SKIP_NPM=1 $(PY) -m build --wheel --outdir .device server-ext
	$(PY) -m pip download -q --no-deps --only-binary=:all: -d .device "nvidia-ml-py>=12"

# ---------------------------------------------------------------- benchmarks
bench-desktop: bootstrap
	$(PY) bench/desktop/run.py

bench-ides: bootstrap
	bash bench/ides/run.sh

bench-gpu: bootstrap
	$(PY) bench/gpu/run.py

bench: bench-desktop bench-ides bench-gpu

clean:
	rm -rf $(STAMPS) $(LABEXT_DIR) packages/*/lib packages/*/tsconfig.tsbuildinfo server-ext/dist .device
