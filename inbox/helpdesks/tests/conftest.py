"""Real peers for the helpdesk connector tests: django-helpdesk from PyPI as a server process,
and local stand-ins speaking the Zendesk and Salesforce HTTP APIs."""

from channels_app.tests.peers.fixtures import make_httpserver
from inbox.tests.peers.django_helpdesk import django_helpdesk_peer

__all__ = ["django_helpdesk_peer", "make_httpserver"]
