"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py run:app``.

Every value can be overridden with the environment (GUNICORN_WORKERS, GUNICORN_BIND, ...).
PDF rendering runs in separate worker processes (grants.platform.pdf) and long award lists render on the
job queue (grants.platform.jobs, `flask worker`), so no request needs more than a few seconds; the timeout leaves room above that.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # above the longest request (a proposal PDF, an export)
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open. 5 suits clients connected directly; behind a reverse
# proxy that keeps upstream connections open (nginx "keepalive" in an upstream block), set it ABOVE the
# proxy's idle timeout, or the proxy may send a request on a connection gunicorn is just closing and get
# a reset (the load test's "status 0" failures were this race, on its own client).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = 2000  # recycle workers now and then
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
