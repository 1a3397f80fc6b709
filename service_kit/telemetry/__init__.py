"""What a service tells its operators: JSON log lines (logs.py) and
Prometheus metrics (metrics.py)."""
