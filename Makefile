# python-sandbox — top-level build.
#
# Each component keeps its own rules in a fragment (<dir>/*.mk) included
# below; a fragment adds its outputs to ALL_TARGETS and its checks to
# TEST_TARGETS / LINT_TARGETS so that `make test` runs everything.
#
#   make deps      install build and test dependencies (Debian packages, npm)
#   make           build everything into build/
#   make test      deps + build + lint + every test suite
#   make demo      deps + build + run examples/ through the CLI
#   make install   PREFIX=/usr/local

PREFIX   ?= /usr/local
BUILD    := build
PYTHON   := /usr/bin/python3.11
PYCONFIG := /usr/bin/python3.11-config

CC       ?= gcc
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -fvisibility=hidden -D_GNU_SOURCE \
	    -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC
LDFLAGS  ?=

JSONC_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
JSONC_LIBS   := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
SECCOMP_LIBS := $(shell pkg-config --libs libseccomp 2>/dev/null || echo -lseccomp)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

ALL_TARGETS  :=
INSTALL_TARGETS :=
TEST_TARGETS :=
LINT_TARGETS :=

.PHONY: all deps test lint demo install clean format bench fuzz conformance
all: build-all

include protocol/protocol.mk
include $(wildcard child/child.mk preload/preload.mk lib/lib.mk)
include $(wildcard parents/c/c.mk parents/php/php.mk parents/node/node.mk)
include $(wildcard conformance/conformance.mk tests/tests.mk bench/bench.mk)
include $(wildcard examples/examples.mk)

.PHONY: build-all
build-all: $(ALL_TARGETS)

deps:
	scripts/deps.sh

test: deps
	$(MAKE) build-all
	$(MAKE) lint
	$(MAKE) run-tests

.PHONY: run-tests
run-tests: $(TEST_TARGETS)

lint: $(LINT_TARGETS)

demo: deps
	$(MAKE) build-all
	scripts/demo.sh

# The child, its shim and the in-sandbox package; each parent adds its own
# install-* target to INSTALL_TARGETS.
LIBEXEC := $(DESTDIR)$(PREFIX)/libexec/python-sandbox
PYLIB   := $(DESTDIR)$(PREFIX)/lib/python-sandbox

.PHONY: install-child
install-child: $(BUILD)/sandbox $(BUILD)/libsbpreload.so
	install -d $(LIBEXEC) $(PYLIB)/sandbox
	install -m 755 $(BUILD)/sandbox $(LIBEXEC)/sandbox
	install -m 755 $(BUILD)/sandbox-jail $(LIBEXEC)/sandbox-jail
	install -m 644 $(BUILD)/libsbpreload.so $(LIBEXEC)/libsbpreload.so
	install -m 644 lib/sandbox/*.py $(PYLIB)/sandbox/

install: build-all install-child $(INSTALL_TARGETS)

clean:
	rm -rf $(BUILD)

$(BUILD):
	mkdir -p $@
