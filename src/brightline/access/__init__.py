"""The access layer and its policy: the one road to personal data."""
