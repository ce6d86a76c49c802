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

# Kubernetes recipe tests: helm built from source, the Zero-to-JupyterHub chart, and a venv
# with the hub image's own pins (KubeSpawner, JupyterHub) to run the chart's hub config in.
GO ?= $(shell command -v go || echo /usr/local/go/bin/go)
HELM_VERSION := v3.22.0
HELM := $(TOOLS)/helm-$(HELM_VERSION)/helm
# What helm's release Makefile sets: its version, and the default Kubernetes version (1.37:
# k8s.io/client-go v0.37.0 in helm v3.22.0's go.mod) that a plain `go install` lacks.
HELM_K8S := 1 37
HELM_LDFLAGS := -s -w -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	$(foreach pkg,pkg/lint/rules pkg/chartutil,\
	  -X helm.sh/helm/v3/$(pkg).k8sVersionMajor=$(word 1,$(HELM_K8S)) \
	  -X helm.sh/helm/v3/$(pkg).k8sVersionMinor=$(word 2,$(HELM_K8S)))
Z2JH_VERSION := 4.4.0
Z2JH_DIR := $(TOOLS)/charts/z2jh-$(Z2JH_VERSION)
Z2JH_CHART := $(Z2JH_DIR)/jupyterhub
Z2JH_CACHE := $(ROOT)/../shared/fixtures/k8s/z2jh-$(Z2JH_VERSION)
HUB_VENV := $(ROOT)/.venv-kube
HUB_VENV_STAMP := $(HUB_VENV)/.z2jh-$(Z2JH_VERSION)
export WORKBENCH_HELM := $(HELM)
export WORKBENCH_Z2JH_CHART := $(Z2JH_CHART)
export WORKBENCH_HUB_PYTHON := $(HUB_VENV)/bin/python

APT_PACKAGES := chromium tigervnc-standalone-server tigervnc-tools openbox xterm twm \
	x11-utils x11-xserver-utils xclip xdotool mesa-utils xserver-xorg-core \
	xserver-xorg-video-dummy prometheus libkrb5-dev ripgrep websockify fonts-dejavu-core \
	dbus-x11 xauth make gcc g++ libx11-dev python3 curl \
	xfce4-session xfwm4 xfce4-panel xfdesktop4 xfce4-terminal thunar \
	cmake libturbojpeg0-dev libxext-dev libxtst-dev libgl-dev libglu1-mesa-dev libegl-dev \
	libopengl-dev libxcb1-dev libxcb-keysyms1-dev libxcb-glx0-dev libxv-dev libx11-xcb-dev

LABEXT_DIR := $(ROOT)/server-ext/jupyter_workbench/labextensions/@jupyter-workbench
TS_SOURCES := $(shell find packages/*/src packages/*/style packages/*/schema packages/*/package.json -type f 2>/dev/null)

.PHONY: help bootstrap start test lint lint-types lint-fix jest pytest galata check-wheel build kube-tools soak \
	bench-desktop bench-ides bench-gpu bench-3d bench-intent bench device-check-prep fetch-virtualgl clean

help:
	@echo "make start   bootstrap everything and open JupyterLab with the Workbench (port $(PORT))"
	@echo "make test    bootstrap everything and run every test (lint, jest, pytest, Galata, wheel)"
	@echo "make kube-tools  helm, the Zero-to-JupyterHub chart and the hub venv for tests/kube"
	@echo "make bench   run the benchmarks (bench-desktop, bench-ides, bench-gpu, bench-3d, bench-intent)"
	@echo "make soak    a 10-minute soak (SOAK_SECONDS=…): RSS slope, open fds, 5xx (not in CI)"

# ---------------------------------------------------------------- bootstrap
$(STAMPS):
	mkdir -p $(STAMPS)

$(STAMPS)/apt: Makefile | $(STAMPS)
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

# helm from source (Go is on the machine), cached in .tools/ with Go's own caches, so a
# rerun is a file check and a rebuild after a clean is mostly cache hits.
$(HELM):
	mkdir -p $(TOOLS)/go $(dir $(HELM))
	GOFLAGS="-trimpath -modcacherw" GOCACHE=$(TOOLS)/go/cache GOMODCACHE=$(TOOLS)/go/mod \
		GOPATH=$(TOOLS)/go GOBIN=$(dir $(HELM)).build \
		$(GO) install -ldflags '$(HELM_LDFLAGS)' helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	mv $(dir $(HELM)).build/helm $@ && rmdir $(dir $(HELM)).build

# The chart as published: from the offline cache (a git export: stamp the version that
# chartpress stamps at release and generate values.schema.json with the chart's own script),
# else `helm pull` from the chart repository plus the hub image's pins from the release tag.
$(Z2JH_CHART)/values.schema.json: | $(HELM) $(STAMPS)/venv
	rm -rf $(Z2JH_DIR).tmp && mkdir -p $(Z2JH_DIR).tmp
	if [ -d $(Z2JH_CACHE)/jupyterhub ]; then \
	  cp -r $(Z2JH_CACHE)/. $(Z2JH_DIR).tmp/; \
	  sed -i 's/^version: 0\.0\.1-set\.by\.chartpress$$/version: $(Z2JH_VERSION)/' \
	    $(Z2JH_DIR).tmp/jupyterhub/Chart.yaml; \
	  sed -i 's/"set-by-chartpress"/"$(Z2JH_VERSION)"/' $(Z2JH_DIR).tmp/jupyterhub/values.yaml; \
	  $(PY) $(Z2JH_DIR).tmp/tools/generate-json-schema.py; \
	else \
	  $(HELM) pull jupyterhub --repo https://hub.jupyter.org/helm-chart/ \
	    --version $(Z2JH_VERSION) --untar --untardir $(Z2JH_DIR).tmp; \
	  mkdir -p $(Z2JH_DIR).tmp/images/hub; \
	  curl -fsSL -o $(Z2JH_DIR).tmp/images/hub/requirements.txt \
	    https://raw.githubusercontent.com/jupyterhub/zero-to-jupyterhub-k8s/$(Z2JH_VERSION)/images/hub/requirements.txt; \
	fi
	grep -qx 'version: $(Z2JH_VERSION)' $(Z2JH_DIR).tmp/jupyterhub/Chart.yaml
	grep -q '^jupyterhub-kubespawner==' $(Z2JH_DIR).tmp/images/hub/requirements.txt
	rm -rf $(Z2JH_DIR) && mv $(Z2JH_DIR).tmp $(Z2JH_DIR)

# The hub image's Python packages that its jupyterhub_config.py and KubeSpawner need, at the
# image's pinned versions (the pins file is a pip constraints file).
$(HUB_VENV_STAMP): $(Z2JH_CHART)/values.schema.json
	rm -rf $(HUB_VENV) && python3 -m venv $(HUB_VENV)
	$(HUB_VENV)/bin/python -m pip install -q --upgrade pip
	$(HUB_VENV)/bin/python -m pip install -q -c $(Z2JH_DIR)/images/hub/requirements.txt \
		jupyterhub jupyterhub-kubespawner kubernetes-asyncio pycurl pyyaml
	touch $@

kube-tools: $(HELM) $(Z2JH_CHART)/values.schema.json $(HUB_VENV_STAMP)

bootstrap: $(STAMPS)/apt $(STAMPS)/venv $(STAMPS)/npm $(STAMPS)/code-server $(STAMPS)/virtualgl \
	$(STAMPS)/labextensions

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

# VirtualGL built from the verified source into .tools/, unless a vglrun is installed already.
$(STAMPS)/virtualgl: scripts/install-virtualgl.sh $(VIRTUALGL_TARBALL) | $(STAMPS) $(STAMPS)/apt
	VIRTUALGL_TARBALL=$(VIRTUALGL_TARBALL) bash scripts/install-virtualgl.sh --if-missing $(TOOLS)
	touch $@

# ---------------------------------------------------------------- run
start: bootstrap
	cd $(HOME) && jupyter lab --port $(PORT) --ip 127.0.0.1 $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

# ---------------------------------------------------------------- tests
test: bootstrap kube-tools
	$(MAKE) lint
	$(MAKE) jest
	$(MAKE) pytest
	$(MAKE) galata
	$(MAKE) check-wheel

lint: lint-types
	ruff check server-ext bench ui-tests
	ruff format --check server-ext bench ui-tests
	cd server-ext && mypy
	npm run lint
	bash scripts/check-no-shared.sh
	bash scripts/check-lockfile.sh

# The TypeScript types of the wire contract must be those its JSON Schemas generate.
lint-types:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	node scripts/gen-types.mjs --out "$$tmp" && \
	diff -r packages/services/src/schema "$$tmp" \
	  || { echo "packages/services/src/schema is not what server-ext/jupyter_workbench/schemas generates: run npm run gen:types"; exit 1; }

lint-fix:
	ruff check --fix server-ext bench ui-tests
	ruff format server-ext bench ui-tests
	npm run lint:fix

jest:
	npx jest --ci

# tests/kube/test_chart.py needs `make kube-tools` (part of `make test`).
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
	# The 3D path: VirtualGL as make built it, and the libturbojpeg it links to.
	vgl=$$( [ -d $(TOOLS)/VirtualGL ] && echo $(TOOLS)/VirtualGL || echo /opt/VirtualGL ); \
	cp -a $$vgl .device/VirtualGL && rm -f .device/VirtualGL/build.log
	mkdir -p .device/lib && cp -L /usr/lib/x86_64-linux-gnu/libturbojpeg.so.0 .device/lib/

# ---------------------------------------------------------------- benchmarks
bench-desktop: bootstrap
	$(PY) bench/desktop/run.py

bench-ides: bootstrap
	bash bench/ides/run.sh

bench-gpu: bootstrap
	$(PY) bench/gpu/run.py

bench-3d: bootstrap
	$(PY) bench/3d/run.py

bench-intent: bootstrap
	$(PY) bench/intent/run.py

bench: bench-desktop bench-ides bench-gpu bench-3d bench-intent

# Not in CI: desktop + VS Code + 50 GPU subscribers + a viewer reconnecting every 10 s for
# SOAK_SECONDS (default 600); prints the server's RSS slope, open fds and 5xx count.
SOAK_CAPTURE := $(ROOT)/../shared/fixtures/gpu/nvidia-smi-captures/linux-x86_64__nvidia-h100-mig__590.48.01.txt
soak: bootstrap
	SOAK_GPU_CAPTURE=$(if $(wildcard $(SOAK_CAPTURE)),$(SOAK_CAPTURE),) $(PY) bench/soak/run.py

clean:
	rm -rf $(STAMPS) $(HUB_VENV) $(LABEXT_DIR) packages/*/lib packages/*/tsconfig.tsbuildinfo server-ext/dist .device
