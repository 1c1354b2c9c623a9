from rest_framework.metadata import SimpleMetadata


class Metadata(SimpleMetadata):
    """``OPTIONS`` describes the endpoint (name, description, media types) without ``actions``.

    DRF's default builds ``actions`` from ``get_serializer()``, which fails (500) on views
    that choose serializers per action; the OpenAPI schema is where request shapes are
    described.
    """

    def determine_metadata(self, request, view):
        metadata = super().determine_metadata(request, view)
        metadata.pop("actions", None)
        return metadata

    def determine_actions(self, request, view):
        return {}
