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

# The toy parent, written from SPEC.md alone, drives the real child: both
# runs must print what they should, and every frame of the session must
# validate against the schemas.
TOY_OUT := $(BUILD)/protocol/toyparent

.PHONY: protocol-toyparent
protocol-toyparent: $(BUILD)/sandbox
	@mkdir -p $(dir $(TOY_OUT))
	timeout 60 $(PYTHON) protocol/tools/toyparent.py --child $(BUILD)/sandbox \
		--record $(TOY_OUT).jsonl > $(TOY_OUT).out
	grep -qx '2' $(TOY_OUT).out
	grep -qx 'hello, world!' $(TOY_OUT).out
	$(PYTHON) protocol/tools/check.py --transcript $(TOY_OUT).jsonl

TEST_TARGETS += protocol-toyparent
