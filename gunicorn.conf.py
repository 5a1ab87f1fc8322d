"""gunicorn settings for `make run` (command-line flags such as -b and -w override these).

Environment: PORT (default 5000), WORKERS (default 2), GUNICORN_TIMEOUT (seconds, default 60).
The access log goes to stdout, errors to stderr, so a service manager or container captures both.
"""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WORKERS", "2"))
worker_class = "sync"
# Long enough for a CSV import or a large upload on a slow link; raise behind a slow proxy.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Trust X-Forwarded-* only from a proxy on this machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), which two
# checkouts running at once would fight over; `make run` does not use gunicornc.
control_socket_disable = True
