"""Focus Group case service: the system of record for customer cases."""
