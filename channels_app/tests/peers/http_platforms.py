"""Local stand-ins for the LinkedIn, X and Facebook Graph APIs, served by pytest-httpserver on
127.0.0.1. Each keeps state (posts, tokens) and speaks the documented request and response
shapes, error bodies included. A request that does not have the shape the platform documents
is answered the way the platform answers it (400/401/422) and noted in ``problems``, so a
connector that drifts from the documented API fails its tests.
"""

from __future__ import annotations

import base64
import calendar
import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from channels_app.rules import RULES
from channels_app.tests.peers.image_sniff import sniff_image


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json"
    )


def _bearer(request: Request) -> str:
    value = request.headers.get("Authorization", "")
    return value[len("Bearer ") :] if value.startswith("Bearer ") else ""


@dataclass
class FakePlatform:
    server: HTTPServer
    problems: list[str] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    access_tokens: set[str] = field(default_factory=set)
    expired_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    refreshes: int = 0
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(7_100_000_000))
    # Images the platform accepted, by its id for them, and how many uploads it received.
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: int = 0

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next matching request gets this answer (a platform outage, a rate limit)."""
        self.server.expect_oneshot_request(path, method=method).respond_with_response(
            _json(body, status, headers)
        )

    def hang_after_recording(self, method: str, path: str, seconds: float) -> None:
        """The next matching request is carried out, but its answer comes too late: the client
        gives up, the post exists. This is how a real outcome-unknown looks."""

        def handler(request: Request) -> Response:
            response = self.dispatch(request)
            time.sleep(seconds)
            return response

        self.server.expect_oneshot_request(path, method=method).respond_with_handler(handler)

    def dispatch(self, request: Request) -> Response:
        raise NotImplementedError

    def new_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.access_tokens.add(token)
        return token

    def new_refresh_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.refresh_tokens.add(token)
        return token


# --- LinkedIn ------------------------------------------------------------------------------

_LITTLE_TEXT_TEMPLATE = re.compile(r"\{hashtag\|\\#\|[^{}|]+\}")
_UNESCAPED_RESERVED = re.compile(r"(?<!\\)[|{}@\[\]()<>#*_~]")


class FakeLinkedIn(FakePlatform):
    """The Posts API (``/rest/posts``), organizations, and the OAuth token endpoint."""

    organization_id = "5515715"
    client_id = "86linkedinclient"
    client_secret = "linkedin-client-secret-value"
    fan_urn = "urn:li:person:fAn123xYz"

    def install(self) -> FakeLinkedIn:
        # The read side: comments on posts and replies under them (the organization's own
        # among them), and comment URNs to serve truncated (as a platform fault).
        self.comments: list[dict[str, Any]] = []
        self.truncated: set[str] = set()
        self.clock = int(time.time() * 1000)
        self.server.expect_request(
            re.compile(r"^/rest/socialActions/.+/comments$")
        ).respond_with_handler(self.dispatch)
        self.server.expect_request("/rest/posts").respond_with_handler(self.dispatch)
        # Engagement: totalShareStatistics of our posts, by post URN (zeros until set).
        self.statistics: dict[str, dict[str, int]] = {}
        self.server.expect_request(
            "/rest/organizationalEntityShareStatistics", method="GET"
        ).respond_with_handler(self.dispatch)
        self.server.expect_request("/rest/images", method="POST").respond_with_handler(
            self.dispatch
        )
        self.server.expect_request(
            re.compile(r"^/dms-uploads/.*"), method="PUT"
        ).respond_with_handler(self.dispatch)
        self.server.expect_request(re.compile(r"^/rest/organizations/.*")).respond_with_handler(
            self.dispatch
        )
        self.server.expect_request("/oauth/v2/accessToken", method="POST").respond_with_handler(
            self.dispatch
        )
        return self

    def credentials(self, *, expired: bool = False) -> dict[str, str]:
        token = self.new_token()
        if expired:
            self.access_tokens.discard(token)
            self.expired_tokens.add(token)
        return {
            "access_token": token,
            "refresh_token": self.new_refresh_token(),
            "expires_at": "2099-01-01T00:00:00+00:00",
            "organization_id": self.organization_id,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    def _auth_error(self, request: Request) -> Response | None:
        token = _bearer(request)
        if token in self.expired_tokens:
            return _json(
                {
                    "serviceErrorCode": 65601,
                    "code": "EXPIRED_ACCESS_TOKEN",
                    "message": "The token used in the request has expired",
                    "status": 401,
                },
                401,
            )
        if token not in self.access_tokens:
            return _json(
                {
                    "serviceErrorCode": 65600,
                    "code": "INVALID_ACCESS_TOKEN",
                    "message": "Invalid access token",
                    "status": 401,
                },
                401,
            )
        if not re.fullmatch(r"\d{6}", request.headers.get("LinkedIn-Version", "")):
            self.problem("LinkedIn-Version header missing or not YYYYMM")
            return _json({"message": "A version must be present.", "status": 400}, 400)
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            self.problem("X-Restli-Protocol-Version is not 2.0.0")
            return _json({"message": "Rest.li protocol 2.0.0 required", "status": 400}, 400)
        return None

    def dispatch(self, request: Request) -> Response:
        if request.path == "/oauth/v2/accessToken":
            return self._token(request)
        if request.path.startswith("/dms-uploads/"):
            return self._receive_upload(request)
        refused = self._auth_error(request)
        if refused is not None:
            return refused
        if request.path.startswith("/rest/socialActions/"):
            return self._social_action(request)
        if request.path == "/rest/organizationalEntityShareStatistics":
            return self._share_statistics(request)
        if request.path == "/rest/images":
            return self._initialize_upload(request)
        if request.path.startswith("/rest/organizations/"):
            org_id = unquote(request.path.rsplit("/", 1)[1])
            if org_id != self.organization_id:
                return _json({"message": "Not enough permissions", "status": 403}, 403)
            return _json({"id": int(org_id), "localizedName": "Acme Corp", "vanityName": "acme"})
        if request.method == "GET":
            if request.args.get("q") != "author":
                self.problem("post listing without q=author")
            author = request.args.get("author", "")
            mine = [p for p in reversed(self.posts) if p["author"] == author]
            count = int(request.args.get("count", "10"))
            return _json({"elements": mine[:count], "paging": {"count": count, "start": 0}})
        return self._create(request)

    def _create(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            self.problem("post body is not JSON")
            return _json({"message": "Invalid JSON", "status": 400}, 400)
        expected = {
            "author": f"urn:li:organization:{self.organization_id}",
            "visibility": "PUBLIC",
            "lifecycleState": "PUBLISHED",
        }
        for key, value in expected.items():
            if body.get(key) != value:
                self.problem(f"{key} is {body.get(key)!r}, expected {value!r}")
                return _json({"message": f"/{key} :: invalid value", "status": 422}, 422)
        if (body.get("distribution") or {}).get("feedDistribution") != "MAIN_FEED":
            self.problem("distribution.feedDistribution is not MAIN_FEED")
            return _json({"message": "/distribution :: required", "status": 422}, 422)
        refused = self._check_content(body.get("content"))
        if refused is not None:
            return refused
        commentary = body.get("commentary")
        if not isinstance(commentary, str):
            return _json({"message": "/commentary :: required", "status": 422}, 422)
        if _UNESCAPED_RESERVED.search(_LITTLE_TEXT_TEMPLATE.sub("", commentary)):
            self.problem(f"reserved little-text characters not escaped: {commentary!r}")
            return _json(
                {"message": "ERROR :: /commentary :: is not a valid little text", "status": 422},
                422,
            )
        for post in self.posts:
            if post["commentary"] == commentary:
                return _json(
                    {
                        "message": "ERROR :: /commentary :: Content is a duplicate of "
                        + post["id"],
                        "status": 422,
                    },
                    422,
                )
        urn = f"urn:li:share:{next(self.ids)}"
        self.posts.append({**body, "id": urn})
        return Response(b"", status=201, headers={"x-restli-id": urn})

    def _share_statistics(self, request: Request) -> Response:
        """Organization post statistics (Rest.li 2.0): ``q=organizationalEntity``, the
        organization's URN, and ``shares=List(…)`` or ``ugcPosts=List(…)`` of encoded URNs."""
        organization = f"urn:li:organization:{self.organization_id}"
        if request.args.get("q") != "organizationalEntity":
            self.problem("share statistics without q=organizationalEntity")
            return _json({"message": "Invalid query", "status": 400}, 400)
        if request.args.get("organizationalEntity") != organization:
            return _json({"message": "Not enough permissions", "status": 403}, 403)
        raw = request.query_string.decode()
        if "List(urn:" in raw or "List%28" in raw:
            self.problem(f"URNs in List() not encoded as Rest.li 2.0 wants: {raw}")
            return _json({"message": "Invalid Rest.li syntax", "status": 400}, 400)
        elements = []
        for key, field_name in (("shares", "share"), ("ugcPosts", "ugcPost")):
            listed = request.args.get(key, "")
            if not listed:
                continue
            if not (listed.startswith("List(") and listed.endswith(")")):
                self.problem(f"{key} is not a List(): {listed}")
                return _json({"message": f"Invalid {key}", "status": 400}, 400)
            for urn in filter(None, listed[len("List(") : -1].split(",")):
                if not any(p["id"] == urn for p in self.posts):
                    continue
                totals = {
                    "uniqueImpressionsCount": 0,
                    "shareCount": 0,
                    "engagement": 0.0,
                    "clickCount": 0,
                    "likeCount": 0,
                    "impressionCount": 0,
                    "commentCount": 0,
                    **self.statistics.get(urn, {}),
                }
                elements.append(
                    {
                        "totalShareStatistics": totals,
                        field_name: urn,
                        "organizationalEntity": organization,
                    }
                )
        return _json({"paging": {"count": 10, "start": 0, "links": []}, "elements": elements})

    # Comments API: /rest/socialActions/{post or comment URN}/comments. A comment's "object"
    # is the post's activity URN; a reply names its top-level comment as parentComment.

    @staticmethod
    def activity_of(post_urn: str) -> str:
        return f"urn:li:activity:{post_urn.rsplit(':', 1)[-1]}"

    def comment_as_fan(self, on: str, text: str) -> dict[str, Any]:
        """A member's comment on a post (``on`` its URN) or reply under a comment."""
        return self._add_comment(on, text, self.fan_urn)

    def _add_comment(self, on: str, text: str, actor: str) -> dict[str, Any]:
        parent = next((c for c in self.comments if c["commentUrn"] == on), None)
        if parent is not None:
            post, activity = parent["post"], parent["object"]
            top = parent.get("parentComment") or parent["commentUrn"]
        else:
            post, activity, top = on, self.activity_of(on), None
        self.clock += 7
        comment_id = str(next(self.ids))
        comment: dict[str, Any] = {
            "actor": actor,
            "commentUrn": f"urn:li:comment:({activity},{comment_id})",
            "id": comment_id,
            "object": activity,
            "post": post,
            "message": {"text": text, "attributes": []},
            "created": {"actor": actor, "time": self.clock},
            "lastModified": {"actor": actor, "time": self.clock},
        }
        if top is not None:
            comment["parentComment"] = top
        self.comments.append(comment)
        return comment

    def _as_served(self, comment: dict[str, Any]) -> dict[str, Any]:
        served = {k: v for k, v in comment.items() if k != "post"}
        served["$URN"] = comment["commentUrn"]
        replies = sum(1 for c in self.comments if c.get("parentComment") == comment["commentUrn"])
        served["commentsSummary"] = {
            "aggregatedTotalComments": replies,
            "totalFirstLevelComments": replies,
            "selectedComments": [],
        }
        if comment["commentUrn"] in self.truncated:
            del served["created"]
        return served

    def _social_action(self, request: Request) -> Response:
        target = unquote(request.path[len("/rest/socialActions/") : -len("/comments")])
        is_post = any(p["id"] == target for p in self.posts)
        parent = next((c for c in self.comments if c["commentUrn"] == target), None)
        if not is_post and parent is None:
            return _json({"message": f"Not found: {target}", "status": 404}, 404)
        if request.method == "GET":
            listed = [
                c
                for c in self.comments
                if (c.get("parentComment") == target)
                or (is_post and c["post"] == target and not c.get("parentComment"))
            ]
            start, count = int(request.args.get("start", "0")), int(request.args.get("count", "10"))
            page = listed[start : start + count]
            return _json(
                {
                    "elements": [self._as_served(c) for c in page],
                    "paging": {"start": start, "count": count, "total": len(listed)},
                }
            )
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            self.problem("comment body is not JSON")
            return _json({"message": "Invalid JSON", "status": 400}, 400)
        organization = f"urn:li:organization:{self.organization_id}"
        expected_object = parent["object"] if parent else self.activity_of(target)
        if body.get("actor") != organization:
            self.problem(f"comment actor {body.get('actor')!r}")
            return _json({"message": "/actor :: not permitted", "status": 403}, 403)
        if body.get("object") != expected_object:
            self.problem(f"comment object {body.get('object')!r}, expected {expected_object}")
            return _json({"message": "/object :: invalid", "status": 422}, 422)
        if parent is not None and body.get("parentComment") != target:
            self.problem(f"reply parentComment {body.get('parentComment')!r}, expected {target}")
            return _json({"message": "/parentComment :: invalid", "status": 422}, 422)
        if parent is not None and parent.get("parentComment"):
            return _json({"message": "Nested comments are one level deep", "status": 422}, 422)
        text = (body.get("message") or {}).get("text")
        if not isinstance(text, str) or not text:
            return _json({"message": "/message/text :: required", "status": 422}, 422)
        comment = self._add_comment(target, text, organization)
        return Response(
            json.dumps(self._as_served(comment)),
            status=201,
            headers={"x-restli-id": comment["id"]},
            content_type="application/json",
        )

    # Images API: initializeUpload gives an upload URL and the image URN; a PUT of the bytes
    # there (with the same bearer token) makes the image AVAILABLE for a post.

    def _initialize_upload(self, request: Request) -> Response:
        if request.args.get("action") != "initializeUpload":
            self.problem("POST /rest/images without ?action=initializeUpload")
            return _json({"message": "Unsupported action", "status": 400}, 400)
        body = request.get_json(silent=True) or {}
        owner = (body.get("initializeUploadRequest") or {}).get("owner")
        if owner != f"urn:li:organization:{self.organization_id}":
            self.problem(f"initializeUpload owner {owner!r}")
            return _json(
                {"message": "/initializeUploadRequest/owner :: invalid", "status": 422}, 422
            )
        urn = f"urn:li:image:C4D10AQ{secrets.token_hex(8)}"
        token = secrets.token_urlsafe(12)
        self.media[urn] = {"status": "WAITING_UPLOAD", "token": token, "owner": owner}
        return _json(
            {
                "value": {
                    "uploadUrlExpiresAt": int(time.time() * 1000) + 3_600_000,
                    "uploadUrl": f"{self.url}/dms-uploads/{token}?ca=vector_feedshare",
                    "image": urn,
                }
            }
        )

    def _receive_upload(self, request: Request) -> Response:
        if _bearer(request) not in self.access_tokens:
            return _json({"message": "Invalid access token", "status": 401}, 401)
        token = request.path.rsplit("/", 1)[1]
        urn = next((u for u, m in self.media.items() if m.get("token") == token), None)
        if urn is None:
            return _json({"message": "Upload URL not found", "status": 404}, 404)
        data = request.get_data()
        kind = sniff_image(data)
        if kind not in {"image/jpeg", "image/png", "image/gif"}:
            self.problem(f"uploaded bytes are not a JPEG, PNG or GIF ({kind})")
            return _json({"message": "Unsupported media type", "status": 400}, 400)
        self.uploads += 1
        self.media[urn].update({"status": "AVAILABLE", "data": data, "content_type": kind})
        return Response(b"", status=201)

    def _check_content(self, content: Any) -> Response | None:
        if content is None:
            return None
        if "media" in content:
            images = [content["media"]]
        elif "multiImage" in content:
            images = (content["multiImage"] or {}).get("images") or []
            if not 2 <= len(images) <= 20:
                self.problem(f"multiImage with {len(images)} images")
                return _json(
                    {"message": "/content/multiImage/images :: 2 to 20 images", "status": 422},
                    422,
                )
        else:
            self.problem(f"unknown content {content!r}")
            return _json({"message": "/content :: invalid", "status": 422}, 422)
        for entry in images:
            urn = entry.get("id")
            if self.media.get(urn, {}).get("status") != "AVAILABLE":
                self.problem(f"post refers to image {urn!r} that was not uploaded")
                return _json(
                    {"message": f"/content/media/id :: {urn} is not available", "status": 422},
                    422,
                )
            if len(entry.get("altText", "")) > 4086:
                return _json({"message": "/content/media/altText :: too long", "status": 422}, 422)
        return None

    def _token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "refresh_token":
            self.problem("token request without grant_type=refresh_token")
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return _json(
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                401,
            )
        if form.get("refresh_token") not in self.refresh_tokens:
            return _json(
                {
                    "error": "invalid_request",
                    "error_description": "The provided authorization grant or refresh token is "
                    "invalid, expired or revoked",
                },
                400,
            )
        self.refreshes += 1
        return _json(
            {
                "access_token": self.new_token(),
                "expires_in": 5_184_000,
                "refresh_token": form["refresh_token"],
                "refresh_token_expires_in": 31_536_000,
            }
        )


# --- X -------------------------------------------------------------------------------------

_URL = re.compile(r"https?://\S+")


class FakeX(FakePlatform):
    """X API v2: posts, the authenticated user, and the OAuth 2.0 token endpoint (which
    rotates refresh tokens: the one used stops working)."""

    user_id = "1580661436132757506"
    username = "acme"
    client_id = "x-client-id-public"
    fan_id = "1400000000000000001"
    fan_username = "fan"

    def install(self) -> FakeX:
        # The read side: others' posts (mentions of the brand), direct-message events, and
        # ids of entries to serve truncated (as a platform fault).
        self.others: list[dict[str, Any]] = []
        self.dm_events: list[dict[str, Any]] = []
        self.truncated: set[str] = set()
        self.users = {
            self.user_id: {"id": self.user_id, "name": "Acme Corp", "username": self.username},
            self.fan_id: {"id": self.fan_id, "name": "A Fan", "username": self.fan_username},
        }
        self.server.expect_request(re.compile(r"^/2/users/\d+/mentions$")).respond_with_handler(
            self.dispatch
        )
        self.server.expect_request("/2/dm_events").respond_with_handler(self.dispatch)
        self.server.expect_request(
            re.compile(r"^/2/dm_conversations/with/\d+/(messages|dm_events)$")
        ).respond_with_handler(self.dispatch)
        self.server.expect_request("/2/tweets", method="POST").respond_with_handler(self.dispatch)
        # Engagement: public_metrics of our posts, by post id (zeros until set).
        self.metrics: dict[str, dict[str, int]] = {}
        self.server.expect_request("/2/tweets", method="GET").respond_with_handler(self.dispatch)
        self.server.expect_request("/2/tweets/search/recent", method="GET").respond_with_handler(
            self.dispatch
        )
        self.server.expect_request("/2/media/upload", method="POST").respond_with_handler(
            self.dispatch
        )
        self.server.expect_request("/2/media/metadata", method="POST").respond_with_handler(
            self.dispatch
        )
        self.server.expect_request("/2/users/me").respond_with_handler(self.dispatch)
        self.server.expect_request(re.compile(r"^/2/users/\d+/tweets$")).respond_with_handler(
            self.dispatch
        )
        self.server.expect_request("/2/oauth2/token", method="POST").respond_with_handler(
            self.dispatch
        )
        return self

    def credentials(self, *, expired: bool = False, expires_at: str = "") -> dict[str, str]:
        token = self.new_token()
        if expired:
            self.access_tokens.discard(token)
            self.expired_tokens.add(token)
        return {
            "access_token": token,
            "refresh_token": self.new_refresh_token(),
            "expires_at": expires_at or "2099-01-01T00:00:00Z",
            "client_id": self.client_id,
        }

    def dispatch(self, request: Request) -> Response:
        if request.path == "/2/oauth2/token":
            return self._token(request)
        if _bearer(request) not in self.access_tokens:
            return _json(
                {
                    "title": "Unauthorized",
                    "type": "about:blank",
                    "status": 401,
                    "detail": "Unauthorized",
                },
                401,
            )
        if request.path == "/2/users/me":
            return _json(
                {"data": {"id": self.user_id, "name": "Acme Corp", "username": self.username}}
            )
        if request.path == "/2/media/upload":
            return self._upload(request)
        if request.path == "/2/media/metadata":
            return self._metadata(request)
        if request.path.endswith("/mentions"):
            return self._mentions(request)
        if request.path == "/2/dm_events" or request.path.startswith("/2/dm_conversations/"):
            return self._direct_messages(request)
        if request.method == "GET" and request.path == "/2/tweets":
            return self._lookup(request)
        if request.path == "/2/tweets/search/recent":
            return self._search(request)
        if request.method == "GET":
            if request.path != f"/2/users/{self.user_id}/tweets":
                return _json({"errors": [{"message": "user not found"}], "title": "Not Found"}, 404)
            count = int(request.args.get("max_results", "10"))
            if not 5 <= count <= 100:
                self.problem(f"max_results {count} outside 5..100")
                return _json(
                    {
                        "errors": [{"message": "max_results must be between 5 and 100"}],
                        "title": "Invalid Request",
                        "detail": "One or more parameters to your request was invalid.",
                        "type": "https://api.twitter.com/2/problems/invalid-request",
                    },
                    400,
                )
            with_entities = "entities" in request.args.get("tweet.fields", "")
            with_references = "referenced_tweets" in request.args.get("tweet.fields", "")
            return _json(
                {
                    "data": [
                        self._as_served(p, with_entities, with_references)
                        for p in reversed(self.posts)
                    ][:count],
                    "meta": {"result_count": min(count, len(self.posts))},
                }
            )
        return self._create(request)

    def _as_served(
        self, post: dict[str, Any], with_entities: bool, with_references: bool = False
    ) -> dict[str, Any]:
        """X serves links as t.co addresses and escapes &, < and > in the text."""
        urls = []
        text = post["text"]
        for n, link in enumerate(_URL.findall(post["text"])):
            short = f"https://t.co/{post['id'][-4:]}{n}"
            text = text.replace(link, short, 1)
            urls.append({"url": short, "expanded_url": link, "display_url": link[8:30]})
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        served: dict[str, Any] = {
            "id": post["id"],
            "text": text,
            "edit_history_tweet_ids": [post["id"]],
        }
        if with_entities and urls:
            served["entities"] = {"urls": urls}
        if with_references and post.get("referenced_tweets"):
            served["referenced_tweets"] = post["referenced_tweets"]
        return served

    # --- the read side: mentions timeline and direct messages ------------------------------

    def _lookup(self, request: Request) -> Response:
        """``GET /2/tweets?ids=…&tweet.fields=public_metrics``: found posts in ``data``, the
        others as resource-not-found ``errors`` (X answers 200 with both)."""
        ids = [value for value in request.args.get("ids", "").split(",") if value]
        if not 1 <= len(ids) <= 100:
            self.problem(f"{len(ids)} ids asked for")
            return self._invalid("The number of values in the `ids` query parameter must be 1..100")
        zero = {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0}
        with_metrics = "public_metrics" in request.args.get("tweet.fields", "")
        data, errors = [], []
        for post_id in ids:
            post = self._find(post_id)
            if post is None:
                errors.append(
                    {
                        "value": post_id,
                        "detail": f"Could not find tweet with ids: [{post_id}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": post_id,
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                )
                continue
            served: dict[str, Any] = {"id": post_id, "text": post["text"]}
            if with_metrics:
                served["public_metrics"] = {
                    **zero,
                    "bookmark_count": 0,
                    "impression_count": 0,
                    **self.metrics.get(post_id, {}),
                }
            data.append(served)
        body: dict[str, Any] = {"data": data} if data else {}
        if errors:
            body["errors"] = errors
        return _json(body)

    def _moment(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{next(self.ids) % 1000:03d}Z"

    def _find(self, post_id: str) -> dict[str, Any] | None:
        return next((p for p in [*self.posts, *self.others] if p["id"] == post_id), None)

    def post_as_fan(
        self, text: str, *, reply_to: str | None = None, quote: str | None = None
    ) -> dict[str, Any]:
        """A post by the fan (mentioning the brand when the text says @acme)."""
        post_id = str(next(self.ids)) + "555555555"
        post: dict[str, Any] = {
            "id": post_id,
            "text": text,
            "author_id": self.fan_id,
            "created_at": self._moment(),
            "conversation_id": post_id,
        }
        if reply_to is not None:
            parent = self._find(reply_to)
            assert parent is not None, reply_to
            post["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
            post["conversation_id"] = parent.get("conversation_id", parent["id"])
            post["in_reply_to_user_id"] = parent.get("author_id", self.user_id)
        if quote is not None:
            post["referenced_tweets"] = [{"type": "quoted", "id": quote}]
        self.others.append(post)
        return post

    def dm_from_fan(self, text: str) -> dict[str, Any]:
        event = {
            "id": str(next(self.ids)) + "777777777",
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": self.fan_id,
            "dm_conversation_id": self._conversation_with(self.fan_id),
            "participant_ids": [self.fan_id, self.user_id],
            "created_at": self._moment(),
        }
        self.dm_events.append(event)
        return event

    def _conversation_with(self, user_id: str) -> str:
        low, high = sorted((user_id, self.user_id), key=int)
        return f"{low}-{high}"

    def _served(self, entry: dict[str, Any]) -> dict[str, Any]:
        if entry["id"] in self.truncated:
            return {k: v for k, v in entry.items() if k not in {"created_at", "author_id"}}
        return dict(entry)

    def _paged(
        self, request: Request, entries: list[dict[str, Any]], *, low: int
    ) -> tuple[list[dict[str, Any]], str | None] | Response:
        count = int(request.args.get("max_results", "10"))
        if not low <= count <= 100:
            self.problem(f"max_results {count} outside {low}..100")
            return self._invalid(f"max_results must be between {low} and 100")
        start = int(request.args.get("pagination_token", "0") or 0)
        page = entries[start : start + count]
        return page, (str(start + count) if start + count < len(entries) else None)

    def _includes(self, request: Request, user_ids: set[str]) -> dict[str, Any]:
        if "author_id" not in request.args.get("expansions", "") and "sender_id" not in (
            request.args.get("expansions", "")
        ):
            return {}
        return {"users": [self.users[u] for u in sorted(user_ids) if u in self.users]}

    def _search(self, request: Request) -> Response:
        """Recent search: ``#tag``, ``from:username`` or words (all must appear), newest
        first, after ``since_id``; paged with ``next_token``."""
        query = request.args.get("query", "").strip()
        if not query or len(query) > 512:
            return self._invalid("query must be 1..512 characters")
        since = int(request.args.get("since_id", "0") or 0)
        usernames = {u["username"].lower(): u["id"] for u in self.users.values()}
        # This stand-in has no reposts, so "-is:retweet" holds for every post.
        tokens = [t for t in query.split() if t != "-is:retweet"]
        authors = {
            usernames.get(t[len("from:") :].lower()) for t in tokens if t.startswith("from:")
        }
        words = [t.strip('"').lower() for t in tokens if not t.startswith("from:")]

        def matches(post: dict[str, Any]) -> bool:
            if authors and post["author_id"] not in authors:
                return False
            return all(w in post["text"].lower() for w in words)

        # Search sees everyone's posts, the brand's own among them.
        ours = [
            {"author_id": self.user_id, "created_at": "2026-11-23T17:00:00.000Z", **p}
            for p in self.posts
        ]
        everyone = sorted([*self.others, *ours], key=lambda p: int(p["id"]), reverse=True)
        found = [p for p in everyone if int(p["id"]) > since and matches(p)]
        count = int(request.args.get("max_results", "10"))
        if not 10 <= count <= 100:
            self.problem(f"search max_results {count} outside 10..100")
            return self._invalid("max_results must be between 10 and 100")
        if "pagination_token" in request.args:
            self.problem("search paged with pagination_token instead of next_token")
        start = int(request.args.get("next_token", "0") or 0)
        page = found[start : start + count]
        next_token = str(start + count) if start + count < len(found) else None
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[-1]["id"]
        if next_token:
            meta["next_token"] = next_token
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._served(p) for p in page]
            body["includes"] = self._includes(request, {p["author_id"] for p in page})
        return _json(body)

    def _mentions(self, request: Request) -> Response:
        if request.path != f"/2/users/{self.user_id}/mentions":
            return _json({"errors": [{"message": "user not found"}], "title": "Not Found"}, 404)
        since = int(request.args.get("since_id", "0") or 0)
        mine = [
            p
            for p in reversed(self.others)
            if f"@{self.username}" in p["text"] and int(p["id"]) > since
        ]
        paged = self._paged(request, mine, low=5)
        if isinstance(paged, Response):
            return paged
        page, next_token = paged
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[-1]["id"]
        if next_token:
            meta["next_token"] = next_token
        body: dict[str, Any] = {"meta": meta}
        if page:  # X leaves "data" out of an empty page
            body["data"] = [self._served(p) for p in page]
            body["includes"] = self._includes(request, {p["author_id"] for p in page})
        return _json(body)

    def _direct_messages(self, request: Request) -> Response:
        match = re.match(r"^/2/dm_conversations/with/(\d+)/(messages|dm_events)$", request.path)
        if match and request.method == "POST":
            return self._send_dm(request, match.group(1))
        events = list(reversed(self.dm_events))
        if match:
            conversation = self._conversation_with(match.group(1))
            events = [e for e in events if e["dm_conversation_id"] == conversation]
        if request.args.get("event_types", "MessageCreate") != "MessageCreate":
            self.problem(f"event_types {request.args.get('event_types')!r}")
        paged = self._paged(request, events, low=1)
        if isinstance(paged, Response):
            return paged
        page, next_token = paged
        meta: dict[str, Any] = {"result_count": len(page)}
        if next_token:
            meta["next_token"] = next_token
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._served(e) for e in page]
            body["includes"] = self._includes(request, {e["sender_id"] for e in page})
        return _json(body)

    def _send_dm(self, request: Request, participant_id: str) -> Response:
        body = request.get_json(silent=True) or {}
        text = body.get("text")
        if not isinstance(text, str) or not text or set(body) - {"text", "attachments"}:
            self.problem(f"direct message body {body!r}")
            return self._invalid("$.text: is missing but it is required")
        if participant_id not in self.users or participant_id == self.user_id:
            return _json(
                {"detail": "You cannot send messages to this user.", "title": "Forbidden"}, 403
            )
        event = {
            "id": str(next(self.ids)) + "888888888",
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": self.user_id,
            "dm_conversation_id": self._conversation_with(participant_id),
            "participant_ids": [participant_id, self.user_id],
            "created_at": self._moment(),
        }
        self.dm_events.append(event)
        return _json(
            {
                "data": {
                    "dm_conversation_id": event["dm_conversation_id"],
                    "dm_event_id": event["id"],
                }
            },
            201,
        )

    def _create(self, request: Request) -> Response:
        if request.headers.get("Content-Type", "").split(";")[0] != "application/json":
            self.problem("POST /2/tweets without a JSON body")
        body = request.get_json(silent=True) or {}
        text = body.get("text")
        if not isinstance(text, str) or set(body) - {"text", "media", "reply", "quote_tweet_id"}:
            self.problem(f"unexpected post body {body!r}")
            return _json(
                {
                    "errors": [{"message": "$.text: is missing but it is required"}],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                },
                400,
            )
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if len(media_ids) > 4 or any(m not in self.media for m in media_ids):
            return _json(
                {
                    "errors": [{"message": "Your media IDs are invalid."}],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                },
                400,
            )
        if RULES["x"].length(text) > RULES["x"].max_length:
            return _json(
                {
                    "detail": "Your Tweet text is too long.",
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                },
                403,
            )
        reply = body.get("reply")
        parent = None
        if reply is not None:
            parent = self._find(str((reply or {}).get("in_reply_to_tweet_id") or ""))
            if parent is None or set(reply) != {"in_reply_to_tweet_id"}:
                return self._invalid(
                    "Invalid 'in_reply_to_tweet_id' parameter: tweet is deleted or not visible."
                )
            # X puts the answered author's @username in front of a reply's text.
            author = self.users.get(parent.get("author_id", self.user_id), {})
            if author.get("id") != self.user_id:
                text = f"@{author.get('username')} {text}"
        if any(p["text"] == text for p in self.posts):
            return _json(
                {
                    "detail": "You are not allowed to create a Tweet with duplicate content.",
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                },
                403,
            )
        post: dict[str, Any] = {"id": str(next(self.ids)) + "123456789", "text": text}
        if parent is not None:
            post["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
            post["conversation_id"] = parent.get("conversation_id", parent["id"])
            post["author_id"] = self.user_id
        if media_ids:
            post["media_ids"] = list(media_ids)
        self.posts.append(post)
        return _json({"data": {**post, "edit_history_tweet_ids": [post["id"]]}}, 201)

    def _invalid(self, message: str) -> Response:
        return _json(
            {
                "errors": [{"message": message}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
            400,
        )

    def _upload(self, request: Request) -> Response:
        """POST /2/media/upload, multipart: the file as "media", and media_category."""
        upload = request.files.get("media")
        if upload is None:
            self.problem("media upload without a multipart 'media' file")
            return self._invalid("$.media: is missing but it is required")
        category = request.form.get("media_category")
        if category not in {"tweet_image", "tweet_gif"}:
            self.problem(f"media_category {category!r}")
            return self._invalid("$.media_category: invalid")
        data = upload.read()
        kind = sniff_image(data)
        if kind is None or (category == "tweet_gif") != (kind == "image/gif"):
            self.problem(f"bytes of type {kind} uploaded as {category}")
            return self._invalid("media type unrecognized.")
        media_id = str(next(self.ids)) + "000"
        self.uploads += 1
        self.media[media_id] = {"data": data, "content_type": kind, "alt_text": None}
        return _json(
            {
                "data": {
                    "id": media_id,
                    "media_key": f"3_{media_id}",
                    "size": len(data),
                    "expires_after_secs": 86400,
                    "image": {"image_type": kind},
                }
            }
        )

    def _metadata(self, request: Request) -> Response:
        """POST /2/media/metadata: {"id", "metadata": {"alt_text": {"text"}}}, at most 1000."""
        body = request.get_json(silent=True) or {}
        media_id = body.get("id")
        text = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if media_id not in self.media or not isinstance(text, str):
            self.problem(f"media metadata body {body!r}")
            return self._invalid("$.id: media not found")
        if len(text) > 1000:
            return self._invalid("$.metadata.alt_text.text: longer than 1000 characters")
        self.media[media_id]["alt_text"] = text
        return _json(
            {"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": text}}}}
        )

    def _token(self, request: Request) -> Response:
        form = request.form
        basic = request.headers.get("Authorization", "")
        client_id = form.get("client_id")
        if basic.startswith("Basic "):
            client_id = base64.b64decode(basic[6:]).decode().split(":", 1)[0]
        if form.get("grant_type") != "refresh_token" or client_id != self.client_id:
            self.problem("token request without grant_type=refresh_token and the client id")
            return _json(
                {
                    "error": "invalid_request",
                    "error_description": "Missing required parameter [grant_type].",
                },
                400,
            )
        refresh_token = form.get("refresh_token")
        if refresh_token not in self.refresh_tokens:
            return _json(
                {
                    "error": "invalid_request",
                    "error_description": "Value passed for the token was invalid.",
                },
                400,
            )
        self.refresh_tokens.discard(refresh_token)  # X rotates: a refresh token works once
        self.refreshes += 1
        return _json(
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": self.new_token(),
                "scope": "tweet.read tweet.write users.read offline.access",
                "refresh_token": self.new_refresh_token(),
            }
        )


# --- Facebook ------------------------------------------------------------------------------


def _graph_seconds(moment: str) -> int:
    return calendar.timegm(time.strptime(moment, "%Y-%m-%dT%H:%M:%S+0000"))


def graph_error(message: str, code: int, status: int = 400, **extra: Any) -> tuple[Any, int]:
    return (
        {
            "error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "fbtrace_id": "AbCdEfGh123",
                **extra,
            }
        },
        status,
    )


class FakeFacebook(FakePlatform):
    """The Graph API for one Page: ``/{page-id}/feed`` (create), ``/{page-id}/posts`` (list)
    and ``/{page-id}`` (the Page itself), under a version prefix such as ``/v21.0``."""

    page_id = "104599378938012"
    fan_id = "7212345678901234"  # the fan's id as Graph shows it to the Page (a PSID)
    fan_name = "A Fan"

    def install(self) -> FakeFacebook:
        # The read side: comments on the Page's posts (the Page's own replies among them),
        # Messenger conversations, comments already answered privately, entries to serve
        # truncated (as a platform fault).
        self.comments: list[dict[str, Any]] = []
        self.conversations: dict[str, dict[str, Any]] = {}
        self.privately_answered: set[str] = set()
        self.truncated: set[str] = set()
        # Engagement: reactions and shares of our posts, by post id (zero until set).
        self.engagement: dict[str, dict[str, int]] = {}
        self.clock = int(time.time())
        self.server.expect_request(re.compile(r"^/v\d+\.\d+/.*")).respond_with_handler(
            self.dispatch
        )
        return self

    def _moment(self) -> str:
        """Graph's time format; each call a second later (Graph times have seconds only)."""
        self.clock += 1
        return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(self.clock))

    def comment_as_fan(self, on: str, text: str) -> dict[str, Any]:
        """A comment by the fan on a post (``on`` a post id) or under a comment."""
        return self._add_comment(on, text, {"id": self.fan_id, "name": self.fan_name})

    def _add_comment(self, on: str, text: str, author: dict[str, str]) -> dict[str, Any]:
        parent = next((c for c in self.comments if c["id"] == on), None)
        if parent is not None:
            post_id = parent["post_id"]
            top = parent.get("parent_id") or parent["id"]  # Graph threads one level deep
        else:
            post_id, top = on, None
        comment_id = f"{post_id.split('_')[-1]}_{next(self.ids)}"
        comment = {
            "id": comment_id,
            "post_id": post_id,
            "parent_id": top,
            "message": text,
            "from": author,
            "created_time": self._moment(),
            "permalink_url": f"https://www.facebook.com/acmecorp/posts/{post_id.split('_')[-1]}"
            f"?comment_id={comment_id.split('_')[-1]}",
        }
        self.comments.append(comment)
        return comment

    def message_from_fan(self, text: str) -> dict[str, Any]:
        return self._add_message(self.fan_id, text, from_page=False)

    def _add_message(self, psid: str, text: str, *, from_page: bool) -> dict[str, Any]:
        conversation_id = f"t_{psid}"
        conversation = self.conversations.setdefault(
            conversation_id,
            {"id": conversation_id, "psid": psid, "messages": [], "updated_time": ""},
        )
        page = {"id": self.page_id, "name": "Acme Corp"}
        fan = {"id": psid, "name": self.fan_name}
        message = {
            "id": f"m_{secrets.token_urlsafe(12)}",
            "message": text,
            "from": page if from_page else fan,
            "to": {"data": [fan if from_page else page]},
            "created_time": self._moment(),
        }
        conversation["messages"].append(message)
        conversation["updated_time"] = message["created_time"]
        return message

    def _as_served(self, entry: dict[str, Any]) -> dict[str, Any]:
        if entry["id"] in self.truncated:
            return {k: v for k, v in entry.items() if k not in {"created_time", "from"}}
        served = {k: v for k, v in entry.items() if k not in {"post_id", "parent_id"}}
        if entry.get("parent_id"):
            served["parent"] = {"id": entry["parent_id"]}
        return served

    def _node(self, request: Request, node: str, edge: str | None) -> Response | None:
        """Posts, comments and conversations by their own ids (None: not one of ours)."""
        post = next((p for p in self.posts if p["id"] == node), None)
        comment = next((c for c in self.comments if c["id"] == node), None)
        if post is not None and edge is None and request.method == "GET":
            return self._post_fields(request, post)
        if edge == "comments" and (post or comment):
            if request.method == "POST":
                message = request.form.get("message")
                if not message:
                    self.problem("comment without a form-encoded message")
                    return _json(*graph_error("(#100) Missing message", 100))
                page = {"id": self.page_id, "name": "Acme Corp"}
                return _json({"id": self._add_comment(node, message, page)["id"]})
            if post is not None:
                stream = request.args.get("filter") == "stream"
                listed = [
                    c
                    for c in self.comments
                    if c["post_id"] == node and (stream or not c["parent_id"])
                ]
            else:
                listed = [c for c in self.comments if c["parent_id"] == node]
            since = int(request.args.get("since", "0") or 0)
            listed = [c for c in listed if _graph_seconds(c["created_time"]) >= since]
            order = request.args.get("order", "chronological")
            if order not in {"chronological", "reverse_chronological"}:
                self.problem(f"comments order {order!r}")
            if order == "reverse_chronological":
                listed.reverse()
            limit = int(request.args.get("limit", "25"))
            return _json({"data": [self._as_served(c) for c in listed[:limit]], "paging": {}})
        if comment is not None and edge is None:
            return _json(
                {
                    **self._as_served(comment),
                    "can_reply_privately": comment["id"] not in self.privately_answered,
                }
            )
        conversation = self.conversations.get(node)
        if conversation is not None and edge == "messages":
            newest_first = list(reversed(conversation["messages"]))
            limit = int(request.args.get("limit", "25"))
            return _json({"data": [self._as_served(m) for m in newest_first[:limit]]})
        return None

    def _post_fields(self, request: Request, post: dict[str, Any]) -> Response:
        """A Page post with the engagement fields asked for: reactions and comments as
        summaries (the comments counted from those made), shares only when there are some."""
        fields = request.args.get("fields", "")
        served: dict[str, Any] = {"id": post["id"]}
        counts = self.engagement.get(post["id"], {})
        if "reactions.summary(total_count)" in fields:
            served["reactions"] = {
                "data": [],
                "summary": {"total_count": counts.get("reactions", 0), "viewer_reaction": "NONE"},
            }
        if "comments.summary(total_count)" in fields:
            made = sum(
                1 for c in self.comments if c["post_id"] == post["id"] and not c["parent_id"]
            )
            served["comments"] = {
                "data": [],
                "summary": {"order": "ranked", "total_count": made, "can_comment": True},
            }
        if "shares" in fields.split(",") and counts.get("shares"):
            served["shares"] = {"count": counts["shares"]}
        return _json(served)

    def _conversations(self, request: Request) -> Response:
        if request.args.get("platform", "messenger") != "messenger":
            self.problem(f"conversations platform {request.args.get('platform')!r}")
        listed = sorted(self.conversations.values(), key=lambda c: c["updated_time"], reverse=True)
        limit = int(request.args.get("limit", "25"))
        return _json(
            {
                "data": [
                    {"id": c["id"], "updated_time": c["updated_time"], "link": f"/{c['id']}"}
                    for c in listed[:limit]
                ]
            }
        )

    def _send(self, request: Request) -> Response:
        """Send API: a Private Reply (recipient.comment_id) or a message (recipient.id)."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
            self.problem(f"Send API body {body!r}")
            return _json(*graph_error("(#100) The parameter message is required", 100))
        recipient = body.get("recipient") or {}
        text = str(body["message"].get("text") or "")
        if "comment_id" in recipient:
            comment = next((c for c in self.comments if c["id"] == recipient["comment_id"]), None)
            if comment is None or comment["from"]["id"] == self.page_id:
                return _json(*graph_error("(#100) Invalid comment_id", 100))
            if comment["id"] in self.privately_answered:
                return _json(*graph_error("(#10900) Activity already replied to", 10900))
            self.privately_answered.add(comment["id"])
            psid = comment["from"]["id"]
        elif "id" in recipient:
            if body.get("messaging_type") != "RESPONSE":
                self.problem(f"messaging_type {body.get('messaging_type')!r}")
                return _json(*graph_error("(#100) param messaging_type is required", 100))
            psid = str(recipient["id"])
            if f"t_{psid}" not in self.conversations:
                return _json(*graph_error("(#551) This person isn't available right now.", 551))
        else:
            self.problem(f"recipient {recipient!r}")
            return _json(*graph_error("(#100) param recipient must be non-empty", 100))
        message = self._add_message(psid, text, from_page=True)
        return _json({"recipient_id": psid, "message_id": message["id"]})

    def credentials(self) -> dict[str, str]:
        return {"page_id": self.page_id, "page_access_token": self.new_token()}

    def dispatch(self, request: Request) -> Response:
        if not re.match(r"^/v\d+\.\d+/", request.path):
            self.problem(f"unversioned Graph path {request.path}")
        token = _bearer(request) or request.values.get("access_token", "")
        if token not in self.access_tokens:
            return _json(
                *graph_error(
                    "Error validating access token: Session has expired on Monday, 23-Nov-26.",
                    190,
                    error_subcode=463,
                )
            )
        parts = request.path.strip("/").split("/")
        if len(parts) >= 2 and parts[1] != self.page_id:
            found = self._node(request, unquote(parts[1]), parts[2] if len(parts) > 2 else None)
            if found is not None:
                return found
        if len(parts) == 3 and parts[1] == self.page_id and parts[2] == "conversations":
            return self._conversations(request)
        if len(parts) == 3 and parts[1] == self.page_id and parts[2] == "messages":
            return self._send(request)
        if len(parts) < 2 or parts[1] != self.page_id:
            return _json(
                *graph_error(
                    "Unsupported get request. Object does not exist or cannot be loaded.", 100
                )
            )
        if len(parts) == 2:
            return _json(
                {
                    "id": self.page_id,
                    "name": "Acme Corp",
                    "username": "acmecorp",
                    "link": "https://www.facebook.com/acmecorp",
                }
            )
        if parts[2] == "posts" and request.method == "GET":
            limit = int(request.args.get("limit", "25"))
            return _json({"data": list(reversed(self.posts))[:limit], "paging": {}})
        if parts[2] == "photos" and request.method == "POST":
            return self._photo(request)
        if parts[2] == "feed" and request.method == "POST":
            message = request.form.get("message")
            attached, refused = self._attached_media(request)
            if refused is not None:
                return refused
            if not message and not attached:
                self.problem("feed post without a form-encoded message")
                return _json(*graph_error("(#100) Missing message or attachment", 100))
            if message and any(p["message"] == message for p in self.posts):
                return _json(*graph_error("Duplicate status message", 506, error_subcode=1455006))
            post_id = f"{self.page_id}_{next(self.ids)}"
            for photo_id in attached:
                self.media[photo_id]["published"] = True
            self.posts.append(
                {
                    "id": post_id,
                    "message": message or "",
                    "attached_media": attached,
                    "created_time": "2026-11-23T17:00:00+0000",
                    "permalink_url": f"https://www.facebook.com/acmecorp/posts/{post_id.split('_')[1]}",
                }
            )
            return _json({"id": post_id})
        return _json(*graph_error("Unknown path components", 2500))

    def _photo(self, request: Request) -> Response:
        """POST /{page-id}/photos: the file as multipart "source" (or a "url"), published,
        alt_text_custom."""
        upload = request.files.get("source")
        if upload is None:
            self.problem("photo upload without a multipart 'source' file")
            return _json(*graph_error("(#324) Requires upload file", 324))
        data = upload.read()
        kind = sniff_image(data)
        if kind not in {"image/jpeg", "image/png", "image/gif"}:
            self.problem(f"photo bytes of type {kind}")
            return _json(*graph_error("(#324) Missing or invalid image file", 324))
        photo_id = str(next(self.ids))
        self.uploads += 1
        published = request.form.get("published", "true") != "false"
        self.media[photo_id] = {
            "data": data,
            "content_type": kind,
            "alt_text": request.form.get("alt_text_custom", ""),
            "published": published,
        }
        body: dict[str, Any] = {"id": photo_id}
        if published:
            body["post_id"] = f"{self.page_id}_{next(self.ids)}"
        return _json(body)

    def _attached_media(self, request: Request) -> tuple[list[str], Response | None]:
        """attached_media[n]={"media_fbid": "<unpublished photo id>"} form fields, in order."""
        keys = sorted(
            (k for k in request.form if k.startswith("attached_media")),
            key=lambda k: int(k[len("attached_media[") : -1]) if k.endswith("]") else -1,
        )
        attached: list[str] = []
        for key in keys:
            try:
                photo_id = str(json.loads(request.form[key])["media_fbid"])
            except (ValueError, KeyError, TypeError):
                self.problem(f"{key} is not {{'media_fbid': id}}: {request.form[key]!r}")
                return [], _json(*graph_error("(#100) Invalid attached_media", 100))
            photo = self.media.get(photo_id)
            if photo is None or photo["published"]:
                return [], _json(
                    *graph_error(
                        f"(#100) param attached_media[{len(attached)}] has invalid media_fbid",
                        100,
                    )
                )
            attached.append(photo_id)
        return attached, None


# --- Bluesky (faults only) -----------------------------------------------------------------


class FakeBlueskyAppView(FakePlatform):
    """The two XRPC calls of Bluesky's read side, for what the real PDS and AppView will not
    do on demand: a rate limit, a notification that arrives malformed. ``notifications`` are
    served newest first in pages, as ``app.bsky.notification.listNotifications`` does."""

    handle = "acme.test"
    did = "did:plc:acmebrand000000000000000"
    app_password = "abcd-efgh-ijkl-mnop"

    def install(self) -> FakeBlueskyAppView:
        self.notifications: list[dict[str, Any]] = []
        self.server.expect_request(
            "/xrpc/com.atproto.server.createSession", method="POST"
        ).respond_with_handler(self.dispatch)
        self.server.expect_request(
            "/xrpc/app.bsky.notification.listNotifications", method="GET"
        ).respond_with_handler(self.dispatch)
        return self

    def credentials(self) -> dict[str, str]:
        return {"pds_url": self.url, "handle": self.handle, "app_password": self.app_password}

    def dispatch(self, request: Request) -> Response:
        if request.path.endswith("createSession"):
            body = request.get_json(silent=True) or {}
            if body.get("password") != self.app_password:
                return _json(
                    {
                        "error": "AuthenticationRequired",
                        "message": "Invalid identifier or password",
                    },
                    401,
                )
            return _json(
                {
                    "did": self.did,
                    "handle": self.handle,
                    "accessJwt": self.new_token(),
                    "refreshJwt": secrets.token_urlsafe(24),
                }
            )
        if _bearer(request) not in self.access_tokens:
            return _json({"error": "InvalidToken", "message": "Bad token"}, 400)
        limit = int(request.args.get("limit", "50"))
        start = int(request.args.get("cursor", "0") or 0)
        served: dict[str, Any] = {"notifications": self.notifications[start : start + limit]}
        if start + limit < len(self.notifications):
            served["cursor"] = str(start + limit)
        return _json(served)

    def notification(self, n: int, *, reason: str = "mention") -> dict[str, Any]:
        """A notification in the shape the AppView serves (a post by a fan, n-th)."""
        uri = f"at://did:plc:fan00000000000000000000/app.bsky.feed.post/3kfan{n:08d}"
        at = f"2026-11-23T10:{n // 60:02d}:{n % 60:02d}.000Z"
        return {
            "uri": uri,
            "cid": f"bafyreifan{n:040d}",
            "author": {"did": "did:plc:fan00000000000000000000", "handle": "fan.test"},
            "reason": reason,
            "record": {
                "$type": "app.bsky.feed.post",
                "text": f"@{self.handle} #{n}",
                "createdAt": at,
            },
            "isRead": False,
            "indexedAt": at,
            "labels": [],
        }
