"""Runs the django-helpdesk test peer: migrates its SQLite database, creates the API user (a
staff member, as django-helpdesk's API requires), a person without staff rights, the queue
and the custom field the connector writes its reference into, then serves on 127.0.0.1.

    .venv/bin/python serve.py PORT   (HELPDESK_PEER_STATE, HELPDESK_PEER_API_PASSWORD, ...)

Prints one JSON line with what the tests need once the server is about to listen.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.sites.models import Site  # noqa: E402
from django.core.management import call_command  # noqa: E402
from helpdesk.models import CustomField, Queue  # noqa: E402


def main() -> None:
    port = int(sys.argv[1])
    call_command("migrate", verbosity=0, interactive=False)
    Site.objects.update_or_create(
        id=1, defaults={"domain": f"127.0.0.1:{port}", "name": "Helpdesk peer"}
    )
    users = get_user_model()
    api_user, _ = users.objects.get_or_create(
        username="socialhub", defaults={"email": "socialhub-api@helpdesk.example"}
    )
    api_user.is_staff = True
    api_user.set_password(os.environ["HELPDESK_PEER_API_PASSWORD"])
    api_user.save()
    member, _ = users.objects.get_or_create(username="customer")
    member.set_password(os.environ["HELPDESK_PEER_API_PASSWORD"])
    member.save()
    queue, _ = Queue.objects.get_or_create(
        slug="social", defaults={"title": "Social media", "allow_public_submission": False}
    )
    CustomField.objects.get_or_create(
        name="socialhub_external_id",
        defaults={
            "label": "SocialHub reference",
            "data_type": "varchar",
            "max_length": 100,
            "staff_only": True,
        },
    )
    print(json.dumps({"queue_id": queue.id, "queue_slug": queue.slug}), flush=True)
    call_command(
        "runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True, verbosity=0
    )


if __name__ == "__main__":
    main()
