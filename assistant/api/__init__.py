"""The HTTP service: the API, the browser pages and the OpenAI-compatible endpoint (see `app.py`).

These modules are the only ones that import fastapi, starlette and uvicorn.
"""

from assistant.api.app import create_app, serve
from assistant.api.service import TITLE

__all__ = ["TITLE", "create_app", "serve"]
