"""E-mail: settings, templates, the durable queue, the sender and a local SMTP sink.

Mail is written to the ``mail`` table in the same transaction as what causes it
(queue), and sent by a task in each case-service instance (sender).
"""
