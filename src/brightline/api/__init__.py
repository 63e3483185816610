"""The HTTP shell: a FastAPI application over the service layer."""
