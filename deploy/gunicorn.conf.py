"""gunicorn settings for Koppel's web process (Procfile, systemd unit and the load test).

    gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:8000 wsgi:app

Sync workers, two per core by default (``KOPPEL_WEB_WORKERS`` overrides): a request spends
part of its time waiting for PostgreSQL, when another worker can use the core.
"""
import gc
import multiprocessing
import os

workers = int(os.environ.get("KOPPEL_WEB_WORKERS") or 2 * multiprocessing.cpu_count())
worker_class = "sync"
timeout = 60


def post_worker_init(worker):
    """The app is imported and configured: move its long-lived objects (modules, models,
    SQLAlchemy mappers, catalogues) out of the cyclic garbage collector's sight, so the
    collections that requests trigger walk only the request's own objects."""
    gc.collect()
    gc.freeze()


def child_exit(server, worker):
    """Prometheus multiprocess mode: forget the live values of a worker that ended."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
