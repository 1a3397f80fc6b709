"""Load generators (wrk, k6), the floors, and process figures for the harness."""
