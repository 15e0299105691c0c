"""ETags of the API: reads carry the one flask-smorest computes from the response (``@blp.etag``: 304 on a
matching ``If-None-Match``); a write may send ``If-Match`` (optional) to refuse a lost update with 412."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from werkzeug.exceptions import PreconditionFailed


def etag_of(data) -> str:
    """The ETag flask-smorest gives a response whose dumped body is ``data``."""
    return Blueprint._generate_etag(data)


def check_if_match(data) -> None:
    """412 when the request sends If-Match and none of its tags is the current one."""
    if_match = request.if_match
    if not if_match:
        return
    if if_match.star_tag:
        return
    if not if_match.contains(etag_of(data)):
        raise PreconditionFailed()
