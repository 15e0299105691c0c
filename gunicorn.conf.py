"""gunicorn's settings, read from the directory gunicorn starts in (see the README's production section).

Each worker warms the matching engine up as it starts (about 1 s: the thesaurus, the town list, the index's term
tables), so that the first publication it serves gets its suggestions as fast as the next ones."""


def post_worker_init(worker) -> None:
    from marketplace.services.matching import warm_up

    with worker.wsgi.app_context():
        warm_up()
