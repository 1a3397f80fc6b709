"""gunicorn settings shared by every service (each service's gunicorn.conf.py
imports these; the bind address is given on the command line)."""

import os

# Threads keep upstream keep-alive connections from nginx usable.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# Longer than nginx's upstream keep-alive so nginx closes idle connections first.
keepalive = 75
timeout = 30
graceful_timeout = 30
# Above nginx's 8 KiB header buffers, so nginx's problem+json 414 applies first.
limit_request_line = 8190
limit_request_field_size = 16380
accesslog = None
errorlog = "-"
# One host runs several gunicorns (colours, tests); a shared control socket
# path in $HOME would collide, and nothing uses it.
control_socket_disable = True
