"""Enumerate every URL the project serves and turn each pattern into concrete paths.

:func:`endpoints` walks ``django.urls.get_resolver()`` recursively (admin model URLs, custom
``get_urls`` workflow views, the letters app, i18n ...). :func:`concrete_paths` substitutes real
object ids for the path parameters, using a :class:`World` of rows that exist in the test database.
Nothing here is specific to one view, so URLs added later are covered automatically.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern


def registered_models() -> list:
    """The models registered with the admin site (public API: ``is_registered``)."""
    return [model for model in apps.get_models() if admin.site.is_registered(model)]


def registered_admins() -> list:
    """(model, ModelAdmin) of every registered model (public API: ``get_model_admin``)."""
    return [(model, admin.site.get_model_admin(model)) for model in registered_models()]


@dataclass
class Endpoint:
    patterns: tuple  # the chain of pattern objects from the root to the leaf
    name: str | None  # namespaced name ("admin:jpki_card_change") or None
    callback: object
    model_admin: admin.ModelAdmin | None
    default_kwargs: dict = field(default_factory=dict)

    @property
    def route(self) -> str:
        return "".join(_pattern_text(p) for p in self.patterns)

    @property
    def params(self) -> list[str]:
        names = []
        for p in self.patterns:
            names.extend(_param_names(p))
        return names

    @property
    def label(self) -> str:
        return self.name or self.route

    @property
    def model(self):
        return self.model_admin.model if self.model_admin is not None else None

    @property
    def url_name(self) -> str:
        return (self.name or "").rsplit(":", 1)[-1]

    @property
    def in_admin(self) -> bool:
        return bool(self.name and self.name.split(":")[0] == "admin") or self.route.startswith("admin/")


def _pattern_text(pattern) -> str:
    p = pattern.pattern
    if isinstance(p, RoutePattern):
        return str(p)
    text = str(p)
    return text.lstrip("^").rstrip("$").replace("\\Z", "")


def _param_names(pattern) -> list[str]:
    p = pattern.pattern
    if isinstance(p, RoutePattern):
        return list(p.converters)
    return [name for name, _start, _end in _regex_groups(str(p))]


def _regex_groups(regex: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of each top-level capturing group. Unnamed groups get a name from the
    literal before them: after ``history/`` it is ``history_id``, otherwise ``object_id``."""
    groups, i = [], 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            named = regex.startswith("(?P<", i)
            capturing = named or not regex.startswith("(?", i)
            depth, j = 1, i + 1
            while depth and j < len(regex):
                if regex[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            if capturing:
                if named:
                    name = regex[i + 4 : regex.index(">", i)]
                else:
                    name = "history_id" if regex[:i].rstrip("/").endswith("history") else "object_id"
                groups.append((name, i, j))
            i = j
            continue
        i += 1
    return groups


def _admin_model_for(resolver: URLResolver, inside_admin: bool):
    """The ModelAdmin whose ``urls`` this resolver includes (``<app_label>/<model_name>/``)."""
    if not inside_admin or not isinstance(resolver.pattern, RoutePattern):
        return None
    route = str(resolver.pattern).strip("/")
    for model, model_admin in registered_admins():
        if route == f"{model._meta.app_label}/{model._meta.model_name}":
            return model_admin
    return None


def _callback_model_admin(callback):
    """ModelAdmin of a view wrapped by ``ModelAdmin.get_urls`` or ``admin_view(self.some_view)``."""
    seen = 0
    fn = callback
    while fn is not None and seen < 10:
        ma = getattr(fn, "model_admin", None)
        if isinstance(ma, admin.ModelAdmin):
            return ma
        owner = getattr(fn, "__self__", None)
        if isinstance(owner, admin.ModelAdmin):
            return owner
        fn = getattr(fn, "__wrapped__", None)
        seen += 1
    return None


def endpoints(resolver=None, chain=(), namespaces=(), model_admin=None, inside_admin=False):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespaces + ((entry.namespace,) if entry.namespace else ())
            now_admin = inside_admin or entry.namespace == "admin"
            ma = _admin_model_for(entry, now_admin) or model_admin
            yield from endpoints(entry, chain + (entry,), ns, ma, now_admin)
        elif isinstance(entry, URLPattern):
            name = ":".join(namespaces + (entry.name,)) if entry.name else None
            ma = model_admin or _callback_model_admin(entry.callback)
            yield Endpoint(chain + (entry,), name, entry.callback, ma, dict(entry.default_args))


# --- concrete values for path parameters ---------------------------------------------------------------


class World:
    """Rows of the test database by model, used to fill in path parameters.

    ``queries``: query strings tried in addition to none on views that take a ``slug`` (workflow
    steps that need e.g. ``?application=<id>``).
    """

    def __init__(self):
        self.instances: dict = {}
        self.queries: list[str] = []

    def add(self, obj):
        self.instances.setdefault(type(obj), [])
        if obj not in self.instances[type(obj)]:
            self.instances[type(obj)].append(obj)
        return obj

    def instances_for(self, model) -> list:
        if model is None:
            return []
        if model not in self.instances:
            obj = model._default_manager.order_by("pk").first()
            if obj is None:
                return []
            self.instances[model] = [obj]
        return self.instances[model]

    def instance_for(self, model):
        found = self.instances_for(model)
        return found[0] if found else None

    def model_ending_with(self, word: str):
        """The one project model whose name ends with ``word`` ("batch" → MailingBatch), if only one does."""
        word = word.lower()
        found = [
            m
            for m in apps.get_models()
            if m._meta.app_label in ("jpki", "residents", "letters")
            and not m._meta.model_name.startswith("historical")
            and len(word) >= 4
            and m._meta.model_name.endswith(word)
        ]
        return found[0] if len(found) == 1 else None

    def model_named(self, name: str):
        name = name.lower().replace("_", "")
        for candidate in (name, name[:-1] if name.endswith("s") else None, name[:-2] if name.endswith("es") else None):
            for model in apps.get_models():
                if candidate and model._meta.model_name == candidate:
                    return model
        return None


def _model_hint(endpoint: Endpoint, world: World):
    """The model a view without a ModelAdmin is about, guessed from its name or route."""
    if endpoint.model is not None:
        return endpoint.model
    # The URL's own name first ("letters:batch_download" is about a batch, not a letter), then the
    # namespace and the route.
    text = endpoint.url_name.lower() + " " + (endpoint.name or "").lower() + " " + endpoint.route.lower()
    for word in re.split(r"[^a-z]+", text):
        # a model of that name, or the one model whose name ends with it ("batch" → MailingBatch)
        if word and (model := world.model_named(word) or world.model_ending_with(word)) is not None:
            return model
    return None


def _param_value(param: str, endpoint: Endpoint, world: World, model):
    """A list of candidate values for one path parameter (several for app_label)."""
    if param == "app_label":
        return sorted({m._meta.app_label for m in registered_models()})
    if param == "url":
        return ["no-such-page/"]
    if param == "content_type_id":
        return [ContentType.objects.get_for_model(world.model_named("resident")).pk]
    if param == "history_id":
        obj = world.instance_for(model)
        if obj is not None and hasattr(type(obj), "history"):
            row = type(obj).history.filter(**{type(obj)._meta.pk.attname: obj.pk}).order_by("history_id").first()
            if row is not None:
                return [row.history_id]
        return [999999]
    if param in ("object_id", "pk", "id"):
        if "content_type_id" in endpoint.params:
            targets = world.instances_for(world.model_named("resident"))[:1]
        elif "history_id" in endpoint.params:
            targets = world.instances_for(model)[:1]  # the history row is looked up for the first
        else:
            targets = world.instances_for(model)
        return [t.pk for t in targets] or [999999]
    if param == "slug":
        return sorted(project_slugs()) or ["x"]
    stem = re.sub(r"_(id|pk)$", "", param)
    named = world.model_named(stem)
    if named is not None:
        obj = world.instance_for(named)
        return [obj.pk if obj is not None else 999999]
    return ["1"]


def project_slugs() -> set[str]:
    """Slugs of the project's slugged registries (e.g. counter workflows): every class or object
    with a non-empty ``slug`` attribute found at module level in the project's apps."""
    import sys

    slugs = set()
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in ("jpki", "residents", "letters"):
            continue
        for value in list(vars(module).values()):
            values = value.values() if isinstance(value, dict) else [value]
            for item in values:
                slug = getattr(item, "slug", None)
                if isinstance(slug, str) and slug and not isinstance(item, type(sys)):
                    slugs.add(slug)
    return slugs


def _converter_for(endpoint: Endpoint, param: str):
    for p in endpoint.patterns:
        if isinstance(p.pattern, RoutePattern) and param in p.pattern.converters:
            return p.pattern.converters[param]
    return None


def _fill_regex(regex: str, values: dict) -> str:
    """Replace each capturing group of a simple regex by its value; strip anchors."""
    out, last = [], 0
    for name, start, end in _regex_groups(regex):
        out.append(regex[last:start])
        out.append(str(values[name]))
        last = end
    out.append(regex[last:])
    return "".join(out).lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")


def _fill(endpoint: Endpoint, values: dict) -> str:
    parts = []
    for p in endpoint.patterns:
        if isinstance(p.pattern, RoutePattern):
            route = str(p.pattern)

            def sub(match):
                name = match.group("name")
                conv = p.pattern.converters[name]
                return str(conv.to_url(values[name]))

            parts.append(re.sub(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", sub, route))
        else:
            parts.append(_fill_regex(str(p.pattern), values))
    return "/" + "".join(parts)


def concrete_paths(endpoint: Endpoint, world: World) -> list[str]:
    """Concrete request paths for an endpoint (one per candidate combination)."""
    model = _model_hint(endpoint, world)
    combos = [{}]
    for param in endpoint.params:
        candidates = _param_value(param, endpoint, world, model)
        conv = _converter_for(endpoint, param)
        typed = []
        for value in candidates:
            if conv is not None and type(conv).__name__ == "UUIDConverter":
                value = uuid.UUID(int=0) if not isinstance(value, uuid.UUID) else value
            elif conv is not None and type(conv).__name__ == "IntConverter":
                value = int(value) if str(value).isdigit() else 999999
            typed.append(value)
        combos = [{**c, param: v} for c in combos for v in typed]
    paths = []
    for values in combos:
        path = _fill(endpoint, values)
        paths.append(path)
        if "slug" in values:
            paths.extend(path + query for query in world.queries)
    return paths


def resolves_to(path: str, endpoint: Endpoint) -> bool:
    try:
        match = resolve(path.split("?")[0])
    except Exception:
        return False
    return match.func is endpoint.callback or getattr(match.func, "__wrapped__", None) is endpoint.callback
