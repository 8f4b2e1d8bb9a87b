"""API of the register of machinery-of-government changes (read-only: changes are planned on the page or the CLI)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from flexhub.core.api_base import ScopedReadOnlyViewSet
from flexhub.directory.models import ADMIN_ROLES
from flexhub.government.models import MachineryChange


class MachineryChangeSerializer(serializers.ModelSerializer[MachineryChange]):
    successor: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    predecessors: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = MachineryChange
        fields = [
            "id",
            "kind",
            "successor",
            "predecessors",
            "effective",
            "reason",
            "performed_by",
            "performed_at",
            "moved",
        ]


class MachineryChangeViewSet(ScopedReadOnlyViewSet):
    allowed_roles = ADMIN_ROLES
    queryset = MachineryChange.objects.all()
    serializer_class = MachineryChangeSerializer

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("successor").prefetch_related("predecessors")
