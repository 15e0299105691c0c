"""Log to stderr in a plain format (the console is where development mails appear too)."""

from __future__ import annotations

import logging

from flask import Flask


def configure_logging(app: Flask) -> None:
    logger = logging.getLogger("marketplace")
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
