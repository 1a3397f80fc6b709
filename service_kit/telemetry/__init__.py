"""What a service tells its operators: JSON log lines."""
