"""Uploaded images in an S3-compatible bucket: the settings read from the environment wire
django-storages to the bucket. Checked end to end in a fresh process against a local S3 API
(moto's server on 127.0.0.1): a file saved through Django's default storage lands in the
bucket, private, and reads back."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

ROOT = Path(__file__).resolve().parents[2]

SAVE_AND_READ = """
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
name = default_storage.save("posts/1/abc.png", ContentFile(b"image bytes"))
print(type(default_storage._wrapped).__name__, name, default_storage.open(name).read().decode())
"""


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _environment(endpoint: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SOCIALHUB_S3_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "socialhub.settings",
            "DJANGO_DEBUG": "true",
            "SOCIALHUB_S3_BUCKET": "socialhub-media",
            "SOCIALHUB_S3_ENDPOINT_URL": endpoint,
            "SOCIALHUB_S3_REGION": "eu-central-1",
            "SOCIALHUB_S3_ACCESS_KEY_ID": "test-key-id",
            "SOCIALHUB_S3_SECRET_ACCESS_KEY": "test-secret-key",
            "SOCIALHUB_S3_ADDRESSING_STYLE": "path",
            "SOCIALHUB_S3_PREFIX": "uploads",
            **extra,
        }
    )
    return env


def test_images_go_to_the_configured_bucket(s3_endpoint: str) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="eu-central-1",
        aws_access_key_id="test-key-id",
        aws_secret_access_key="test-secret-key",
    )
    client.create_bucket(
        Bucket="socialhub-media",
        CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
    )

    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", SAVE_AND_READ],
        cwd=ROOT,
        env=_environment(s3_endpoint),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["S3Storage", "posts/1/abc.png", "image", "bytes"]
    stored = client.get_object(Bucket="socialhub-media", Key="uploads/posts/1/abc.png")
    assert stored["Body"].read() == b"image bytes"
    grants = client.get_object_acl(Bucket="socialhub-media", Key="uploads/posts/1/abc.png")
    assert all("AllUsers" not in str(g["Grantee"]) for g in grants["Grants"])


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SOCIALHUB_S3_ADDRESSING_STYLE", "sideways"), ("SOCIALHUB_S3_ENDPOINT_URL", "minio:9000")],
)
def test_a_bad_value_stops_start_up(variable: str, value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=_environment("http://127.0.0.1:9", **{variable: value}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode != 0
    assert variable in done.stderr
