# protocol/spec.mk: checks of the protocol specification itself (included
# by protocol/protocol.mk). check.py validates the schemas, the example
# transcripts and SPEC.md's tables and anchors; --self-test proves each
# check can fail by breaking copies in a temporary directory.

SPEC_PY := protocol/tools/check.py protocol/tools/toyparent.py

.PHONY: protocol-check protocol-lint
protocol-check:
	$(PYTHON) protocol/tools/check.py --self-test

# compile() catches syntax errors with the interpreter the tools run under
# (without leaving __pycache__ behind); pyflakes3 finds unused and
# undefined names.
protocol-lint:
	$(PYTHON) -c 'import sys; [compile(open(f).read(), f, "exec") for f in sys.argv[1:]]' $(SPEC_PY)
	pyflakes3 $(SPEC_PY)

TEST_TARGETS += protocol-check
LINT_TARGETS += protocol-lint
