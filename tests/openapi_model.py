"""The operations of the merged OpenAPI document, as the system matrices walk them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    id_params: tuple[str, ...]  # path parameters that are resource ids (format uuid)
    other_params: tuple[str, ...]  # path parameters that are not (a date, a name)
    has_body: bool

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def collection(self) -> str:
        """The list a resource id of this operation comes from: the path before its first id."""
        if not self.id_params:
            return self.path
        return self.path.split("/{" + self.id_params[0] + "}")[0]

    def url(self, ids: dict[str, str]) -> str:
        return _PARAM.sub(lambda m: ids.get(m.group(1), "x"), self.path)


def operations(document: dict[str, Any], prefix: str = "/api/") -> list[Operation]:
    found = []
    for path, item in document.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method in HTTP_METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            params = [*item.get("parameters", []), *spec.get("parameters", [])]
            path_params = [p for p in params if p.get("in") == "path"]
            ids = tuple(p["name"] for p in path_params
                        if p.get("schema", {}).get("format") == "uuid")
            others = tuple(p["name"] for p in path_params if p["name"] not in ids)
            found.append(Operation(method, path, ids, others, "requestBody" in spec))
    return sorted(found, key=lambda o: (o.path, o.method))
