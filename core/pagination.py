"""The API's paging: ?limit= and ?offset= on every list.

Its own module because DRF reads DEFAULT_PAGINATION_CLASS while its generic views are being
imported: a module that imports those views (core.api) cannot also define the class.
"""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from core.errors import MAX_ID, whole_number

# The largest page a list answers; a larger ?limit= gets this many rows (DRF's cut-off).
MAX_LIMIT = 200


class Pagination(LimitOffsetPagination):
    """Whole numbers the database can hold, else 400 on the parameter: DRF's own class quietly
    ignores a negative or unreadable value, and hands a huge one to the database, where it
    overflows (a 500)."""

    max_limit = MAX_LIMIT

    def get_limit(self, request: Request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return int(self.default_limit or MAX_LIMIT)
        return min(whole_number(raw, field=self.limit_query_param), MAX_LIMIT)

    def get_offset(self, request: Request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        return whole_number(raw, field=self.offset_query_param, minimum=0)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": MAX_ID},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_ID},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
