"""The collections service: waste collections and their v1 HTTP contract."""
