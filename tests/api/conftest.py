from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.core.config import Settings
from app.engine import Engine


@pytest.fixture(scope="session")
def client(engine: Engine) -> Iterator[TestClient]:
    app = create_app(Settings(), engine=engine)
    with TestClient(app) as c:
        yield c
