"""The review reasons every organisation starts with; org admins rename, link or retire them."""

from typing import Any

from django.db import migrations

DEFAULTS = (
    ("tone", "Tone", "Not how the brand speaks: too casual, too salesy, too harsh."),
    ("accuracy", "Accuracy", "A fact, figure, name or link is wrong or unsupported."),
    ("confidentiality", "Confidentiality", "Shares something internal or not yet public."),
    ("legal-risk", "Legal risk", "A claim, promise or comparison legal must not allow."),
    ("brand", "Brand", "Off-brand wording, hashtags, images or visual identity."),
    ("accessibility", "Accessibility", "Missing image descriptions, unreadable hashtags, jargon."),
    ("other", "Other", "Anything else: the note says what."),
)


def create(apps: Any, schema_editor: Any) -> None:
    ReviewReason = apps.get_model("approvals", "ReviewReason")
    for position, (slug, name, description) in enumerate(DEFAULTS, start=1):
        ReviewReason.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("approvals", "0012_review_reasons_and_coaching")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
