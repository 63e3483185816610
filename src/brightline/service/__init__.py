"""The service layer: pathway operations on the operational store, shared by every shell."""
