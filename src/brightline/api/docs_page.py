"""The interactive API docs (Swagger UI) served from files installed with Brightline.

Nothing is fetched from a CDN: offline sites keep their docs, and no page of the installation
loads code from elsewhere. The Swagger UI files come from the pinned ``swagger-ui-bundle``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path


def mount_docs(app: FastAPI, prefix: str) -> None:
    """Swagger UI at ``{prefix}/docs``, its scripts and styles under ``{prefix}/docs-assets``."""
    assets = f"{prefix}/docs-assets"
    app.mount(assets, StaticFiles(directory=swagger_ui_path), name="docs-assets")
    openapi_url = app.openapi_url
    assert openapi_url is not None  # the API always publishes its OpenAPI

    @app.get(f"{prefix}/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
            oauth2_redirect_url=None,
        )
