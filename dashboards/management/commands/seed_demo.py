from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import demo as people
from dashboards import demo


class Command(BaseCommand):
    help = "Create the demo organisation (idempotent). Every demo password is socialhub-demo."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            demo.seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo organisation ready."))
        for _local, full_name, department, role, org_roles in people.PEOPLE:
            roles = ", ".join([role, *org_roles])
            self.stdout.write(
                f"  {people.demo_email(_local):34} {full_name:16} {department} ({roles})"
            )
        self.stdout.write(f"  password for all: {people.DEMO_PASSWORD}")
