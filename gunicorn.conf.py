"""gunicorn settings read from the working directory by every gunicorn we start (the
Dockerfile's CMD, bench/_common.py's serve(), make contract). Command-line flags override them.

limit_request_line: gunicorn's default (4094 bytes) answers a longer request line itself, with
an HTML 414 that is not the API's error shape and that no operation documents. 8190 (gunicorn's
maximum, and nginx's default buffer) lets the app see the URLs a proxy in front would pass and
answer them (a bad query parameter: 400 in the one error shape). A longer request line still
gets gunicorn's 414, before any of our code runs.

workers / threads: single-threaded (sync) worker processes, four per core (at most 16;
``WEB_CONCURRENCY`` overrides). On two cores, bench/booking_soak.py (16 clients booking
without a pause) measured 2 workers x 4 threads: 115 bookings/s, p95 157 ms; 4 x 2:
116/s, p95 160 ms; 6 x 1: 117/s, p95 113 ms; 8 x 1: 112-114/s, p95 118-123 ms. Threads
of one process take turns on its GIL, and a request that waits for its turn waits a whole
switch interval; processes are shared out by the kernel, evenly. The sync worker keeps
no connection alive between requests: put a proxy (nginx) in front, as for any
gunicorn. Each worker keeps one database connection (``DB_CONN_MAX_AGE``).

preload_app: the master imports the app (config/wsgi.py imports the URL configurations,
so every view and service too) before it forks the workers, which start ready and share
that memory. Without it each of the eight workers imported everything again, ~1 s of CPU
each, partly in its first requests (py-spy under bench/owner_api.py: 40 % of a short
run's CPU). Nothing opens a database or Redis connection while the app loads (forked
workers must not share one): connections are opened by the requests.
"""
import os

limit_request_line = 8190
workers = int(os.environ.get("WEB_CONCURRENCY") or min(4 * (os.cpu_count() or 1), 16))
threads = 1
preload_app = True


# Metrics in multiprocess mode (apps/common/metrics.py, docs/operations.md "Metrics"): with
# PROMETHEUS_MULTIPROC_DIR set, every worker writes its counters to files there and a scrape
# of any worker adds them up. The directory starts empty (values of a previous run would be
# counted again), and a worker that exits leaves its counters but not its gauges.
def on_starting(server):
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            if name.endswith(".db"):
                os.remove(os.path.join(path, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
