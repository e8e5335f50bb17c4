"""The demo's listening stream: sales follows it, it has matches, a second run adds nothing."""

from __future__ import annotations

import pytest

from dashboards.demo import seed_demo
from listening.models import ListeningStream, StreamMatch

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_a_followed_stream_with_matches(transactional_db: None) -> None:
    seed_demo()
    stream = ListeningStream.objects.get()
    assert stream.department is None
    assert [d.slug for d in stream.followers.all()] == ["sales"]
    assert stream.matches.count() == 5
    seed_demo()
    assert (ListeningStream.objects.count(), StreamMatch.objects.count()) == (1, 5)
