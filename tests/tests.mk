# tests/: one fragment per test suite; this file only gathers them (the
# top-level Makefile includes tests/tests.mk when it exists).
include $(filter-out tests/tests.mk,$(wildcard tests/*.mk))
