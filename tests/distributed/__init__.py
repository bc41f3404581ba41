"""Clients across processes: pickling, ledger merging, Dask and Ray (issue 14)."""
