"""The ASGI application object for uvicorn (``app.api.asgi:app``)."""

from app.api.main import create_app

app = create_app()
