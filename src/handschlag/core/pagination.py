"""Pages of long lists without walking the table: the count stops at a cap (a LIMIT subquery) and no page lies
beyond it, so neither `COUNT(*)` over 100,000 rows nor `OFFSET 99,950` happens on a list page. Whoever needs rows
beyond the cap narrows the list (search, filters) or exports it."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property

LIST_CAP = 2_000  # 80 pages of 25: enough to browse; beyond it a filter or the export serves better


class BoundedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, cap: int = LIST_CAP, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        # the order does not change how many there are: without it PostgreSQL stops at the cap instead of
        # sorting every match first
        rows: Any = self.object_list
        head: Any = (rows.order_by() if hasattr(rows, "order_by") else rows)[: self.cap + 1]
        counted = int(head.count()) if hasattr(head, "count") and not isinstance(head, list) else len(head)
        self.capped = counted > self.cap
        return min(counted, self.cap)
