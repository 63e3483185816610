"""The ASGI application: health check now, the ``/api/v1`` pathway as it lands."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from brightline import __version__
from brightline.settings import Settings
from brightline.site import Site


def create_app(site: Site) -> FastAPI:
    """The application serving one opened installation."""
    app = FastAPI(
        title="Brightline",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.site = site

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, Any]:
        """Liveness and store reachability, for load balancers and monitoring."""
        with site.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "programme": site.programme.name}

    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from ``BRIGHTLINE_*`` variables."""
    return create_app(Site.open(Settings()))
