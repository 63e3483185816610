"""HTTP routes, one module per part of the pathway."""
