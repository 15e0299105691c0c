"""Outgoing mail through Flask-Mail, sent after the commit; to the console log without SMTP."""

from __future__ import annotations

import logging

from flask import current_app, has_app_context, render_template
from flask_babel import force_locale
from flask_mail import Message

from ..extensions import mail
from .effects import after_commit

log = logging.getLogger("marketplace.mail")


def send_after_commit(to: str, subject: str, template: str, locale: str | None = None, **context) -> None:
    """Render ``templates/mail/<template>.txt`` now and send it once the transaction commits."""
    message = build_message(to, subject, template, locale, **context)
    app = current_app._get_current_object()
    after_commit(lambda: deliver(app, message))


def build_message(to: str, subject: str, template: str, locale: str | None, **context) -> Message:
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(f"mail/{template}.txt", **context)
        return Message(subject=str(subject), recipients=[to], body=body)


def deliver(app, message: Message) -> None:
    """Send within the app's context: the current one when it is already there (a request that just committed)."""
    if has_app_context() and current_app._get_current_object() is app:
        _send(message)
        return
    with app.app_context():
        _send(message)


def _send(message: Message) -> None:
    if current_app.config.get("MAIL_SERVER"):
        mail.send(message)
    else:
        log.warning("No MAIL_SERVER configured; mail to %s:\nSubject: %s\n\n%s",
                    ", ".join(message.recipients), message.subject, message.body)
