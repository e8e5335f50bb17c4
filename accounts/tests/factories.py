"""factory_boy factories for people and departments. They go through the services, so a
department always has its permission group and a membership always its group membership."""

from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress

from accounts import services
from accounts.models import Department, Membership, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        password = kwargs.pop("password", PASSWORD)
        email = kwargs.pop("email")
        user = User.objects.create_user(email, password, **kwargs)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"dept-{n}")
    description = ""

    @classmethod
    def _create(cls, model_class: type[Department], *args: Any, **kwargs: Any) -> Department:
        return services.department_create(actor=None, **kwargs)


def add_member(user: User, department: Department, role: str = "member") -> Membership:
    return services.membership_add_existing(actor=None, user=user, department=department, role=role)


def give_org_role(user: User, role: str) -> User:
    services.org_role_set(actor=None, user=user, role=role, held=True)
    return user
