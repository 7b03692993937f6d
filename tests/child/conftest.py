"""Fixtures for the child's tests: every test gets its own child."""

from __future__ import annotations

import os
import sys
from typing import Iterator

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from childproto import Child  # noqa: E402


@pytest.fixture
def child() -> Iterator[Child]:
    c = Child()
    yield c
    c.close()


@pytest.fixture
def session(child: Child) -> Child:
    res = child.initialize(host_functions=[{"name": "add"}, {"name": "fail"}])
    assert "result" in res, res
    return child
