"""The web UI: server-rendered pages for every role, over the same access layer as the API."""

from brightline.web.app import mount_web

__all__ = ["mount_web"]
