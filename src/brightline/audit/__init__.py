"""Tamper-evident audit log: RFC 9162 Merkle tree proofs and C2SP signed checkpoints."""
