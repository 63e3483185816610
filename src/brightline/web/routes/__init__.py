"""Web pages, one module per role (plus the start pages and the patient's page)."""
