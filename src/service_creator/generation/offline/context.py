"""The template context of a project: the answers, plus everything derived from them once."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from service_creator.domain import catalog
from service_creator.domain.requirements import Requirements
from service_creator.generation.offline import invalid_samples, samples
from service_creator.generation.offline.device_model import ATTRIBUTES, Platform, kinds_for
from service_creator.generation.offline.platforms import platform_for
from service_creator.generation.offline.pysource import camel

VERSION = "0.1.0"
TIER_SIZE = 100
TIER_DISCOUNT = Decimal("0.10")
CENT = Decimal("0.01")

NOUNS = {
    "vFirewall": "virtual firewall",
    "vRouter": "virtual router",
    "vLoadBalancer": "virtual load balancer",
    "vVPN": "virtual VPN gateway",
}
USAGE = {
    "vFirewall": ("gb_inspected", "GB inspected"),
    "vRouter": ("gb_routed", "GB routed"),
    "vLoadBalancer": ("million_requests", "million requests"),
    "vVPN": ("gb_tunnelled", "GB tunnelled"),
}
PROTOCOLS = {"REST": "rest", "NETCONF": "netconf", "SSH": "ssh", "SDK": "sdk"}
# A piece of every create request's JSON body, per REST dialect, for the generated tests.
REST_MARKERS = {
    "fdm": '"type": ',
    "asa": '"kind": "object#',
    "restconf": '{"Cisco-IOS-XE-native:',
    "panos": '{"entry": {"@name": ',
    "fortios": '"name": ',
    "fortiadc": '"mkey": ',
    "icontrol": '"partition": "Common"',
    "junos": '{"configuration": {',
}
CLI_STATUS = {
    "cisco_fdm": ["show version"],
    "cisco_asa": ["show version"],
    "cisco_iosxe": ["show version"],
    "panos": ["show system info"],
    "fortios": ["get system status"],
    "fortiadc": ["get system status"],
    "bigip": ["show sys version"],
    "junos": ["show version"],
}


def build_context(requirements: Requirements) -> dict[str, object]:
    r = requirements
    kinds = kinds_for(r.service_type, r.features)
    vendors = [_vendor(r, vendor, kinds) for vendor in r.vendors]
    metric, unit = USAGE[r.service_type]
    sample = samples.combined(r.service_type, r.features)
    price = Decimal(repr(r.price))
    return {
        "name": r.service_name,
        "package": r.package_name,
        "title": f"{r.service_type}-as-a-Service",
        "service_type": r.service_type,
        "noun": NOUNS[r.service_type],
        "description": r.description
        or f"{_capital(NOUNS[r.service_type])} as a service on {_join(r.vendors)} devices.",
        "vendor_list": _join(r.vendors),
        "version": VERSION,
        "vendors": vendors,
        "default_vendor": r.vendors[0],
        "features": list(r.features),
        "kinds": kinds,
        "api": r.vendor_api,
        "protocol": PROTOCOLS[r.vendor_api],
        "api_docs_url": r.api_docs_url,
        "auth": list(r.auth_methods),
        "logging": list(r.logging),
        "deployment": r.deployment,
        "pricing_model": r.pricing_model,
        "price": str(price),
        "tiers": r.tiers,
        "tier_size": TIER_SIZE,
        "tier_discount": str(TIER_DISCOUNT),
        "usage_metric": metric,
        "usage_unit": unit,
        "instance_name": samples.INSTANCE_NAME,
        "sample": sample,
        "billing_case": billing_case(r.pricing_model, price, r.tiers),
        "invalid_configs": invalid_samples.invalid_configs(r.service_type, r.features),
        "products": {v["name"]: v["product"] for v in vendors},
        "vendor_env": {v["name"]: v["env"] for v in vendors},
        "auth_text": ", ".join(AUTH_LABELS[m] for m in r.auth_methods),
        "logging_text": ", ".join(LOGGING_LABELS[o] for o in r.logging),
        "challenge": _challenge(r.service_name, r.auth_methods),
        "secret_env": [k for m in r.auth_methods for k in SECRET_ENV[m]],
        "test_config_imports": _test_config_imports(r.auth_methods, r.logging),
        "production_env": _production_env(r.auth_methods),
        "has_commit": _has_commit(r.vendor_api, vendors[0]),
        "real_device_url": REAL_DEVICE_URLS[r.vendor_api],
        "real_transport": REAL_TRANSPORTS[r.vendor_api],
        "needs_cli_templates": r.vendor_api == "SSH" and any(v["cli_templates"] for v in vendors),
    }


AUTH_LABELS = {
    "api_key": "API key",
    "oauth2": "OAuth 2.0",
    "jwt": "JWT (HS256)",
    "mtls": "mTLS",
    "basic": "HTTP Basic",
}
LOGGING_LABELS = {
    "json": "JSON logs",
    "syslog": "syslog",
    "prometheus": "Prometheus metrics",
    "audit": "audit log",
    "elk": "ELK (ECS) logs",
}
SECRET_ENV = {
    "api_key": ["API_KEYS"],
    "jwt": ["JWT_SECRET"],
    "oauth2": ["OAUTH2_TOKENS", "OAUTH2_CLIENT_ID", "OAUTH2_CLIENT_SECRET"],
    "mtls": ["MTLS_ALLOWED_FINGERPRINTS"],
    "basic": ["BASIC_AUTH_USERS"],
}
REAL_DEVICE_URLS = {
    "REST": "https://device.example.net",
    "SDK": "https://device.example.net",
    "NETCONF": "netconf://admin@device.example.net:830",
    "SSH": "ssh://admin@device.example.net:22",
}
REAL_TRANSPORTS = {
    "REST": "HttpTransport",
    "SDK": "HttpTransport",
    "NETCONF": "NetconfTransport",
    "SSH": "SshTransport",
}
_DEV_CONSTANTS = {
    "api_key": ["DEV_API_KEYS"],
    "jwt": ["DEV_JWT_SECRET", "SERVICE_NAME"],
    "oauth2": [],
    "mtls": ["DEV_MTLS_FINGERPRINTS"],
    "basic": ["DEV_BASIC_USERS"],
}
_PRODUCTION_ENV = {
    "api_key": {"API_KEYS": "portal=prod-portal-key-0123456789"},
    "jwt": {"JWT_SECRET": "prod-jwt-secret-0123456789abcdef0123456789"},
    "oauth2": {"OAUTH2_TOKENS": "prod-token-0123456789=instances:read instances:write"},
    "mtls": {"MTLS_ALLOWED_FINGERPRINTS": "ab:cd:" * 8 + "ef"},
    "basic": {"BASIC_AUTH_USERS": "ops:prod-password-0123456789"},
}


def _test_config_imports(methods: Sequence[str], logging: Sequence[str]) -> list[str]:
    """What the generated tests import from config.py, in isort order."""
    constants = {"USAGE_METRIC"}
    if {"json", "elk", "syslog"} & set(logging):
        constants.add("SERVICE_NAME")
    for method in methods:
        constants.update(_DEV_CONSTANTS[method])
    return [*sorted(constants), "DeviceSettings", "Settings", "load_settings"]


def _production_env(methods: Sequence[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for method in methods:
        env.update(_PRODUCTION_ENV[method])
    return env


def _has_commit(api: str, vendor: dict[str, object]) -> bool:
    """Whether the first vendor's client commits after its changes."""
    if api == "NETCONF":
        return True
    if api == "SSH":
        return bool(vendor["cli_commit"])
    return bool(vendor["rest_commit"])


def _challenge(realm: str, methods: Sequence[str]) -> str:
    """The WWW-Authenticate value of a 401: one challenge per accepted scheme."""
    challenges = {
        "api_key": 'ApiKey header="X-API-Key"',
        "jwt": f'Bearer realm="{realm}"',
        "oauth2": f'Bearer realm="{realm}"',
        "basic": f'Basic realm="{realm}", charset="UTF-8"',
        "mtls": "ClientCertificate",
    }
    return ", ".join(dict.fromkeys(challenges[m] for m in methods))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _product(r: Requirements, vendor: str) -> str:
    if vendor in r.products:
        return r.products[vendor]
    return catalog.products(r.service_type, vendor)[0].label


def _vendor(r: Requirements, vendor: str, kinds: list[str]) -> dict[str, object]:
    product = _product(r, vendor)
    p = platform_for(vendor, r.service_type, product, kinds)
    slug = catalog.vendor_slug(vendor)
    hierarchy = {kind: p.hierarchy_of(kind) for kind in kinds}
    templates = {
        kind: [list(t[0]), list(t[1])] for kind, t in p.cli_templates.items() if kind in kinds
    }
    used = {attribute for kind in kinds for attribute in ATTRIBUTES[kind]}
    return {
        "name": vendor,
        "env": slug.upper(),
        "class_name": camel(slug.replace("paloalto", "palo_alto")) + "Client",
        "product": product,
        "platform_title": p.title,
        "rest_style": p.rest_style,
        "rest_base": p.rest_base,
        "rest_paths": {kind: p.rest_paths[kind] for kind in kinds},
        "rest_prefix": p.rest_base + "/",
        "rest_marker": REST_MARKERS[p.rest_style],
        "status_path": p.status_path,
        "key_style": p.key_style,
        "token_header": p.token_header,
        "netconf_root": p.netconf_root,
        "netconf_namespace": p.netconf_namespace,
        "netconf_item": p.netconf_item,
        "netconf_paths": {
            kind: [w for w in words.split() if "{" not in w] for kind, words in hierarchy.items()
        },
        "cli_style": p.cli_style,
        "cli_enter": list(p.cli_enter),
        "cli_commit": list(p.cli_commit),
        "cli_status": CLI_STATUS[p.id],
        "cli_hierarchy": hierarchy,
        "cli_templates": templates,
        "cli_title": p.cli_title,
        "cli_keys": {k: v for k, v in p.cli_keys.items() if k in used},
        "cli_prefixes": {kind: _cli_prefix(p, kind, hierarchy[kind]) for kind in kinds},
        "native_cli": any(kind not in templates for kind in kinds),
        "vocabulary": {k: v for k, v in p.vocabulary.items() if k in used},
        "sdk_module": p.sdk_module,
        "rest_docs": p.rest_docs,
        "rest_commit": p.rest_commit,
        "media_type": p.media_type,
        "cli_docs": p.cli_docs,
        "netconf_docs": p.netconf_docs,
    }


def _cli_prefix(p: Platform, kind: str, hierarchy: str) -> str:
    """How the first command of a created object starts, for the generated tests to check."""
    if kind in p.cli_templates:
        first = p.cli_templates[kind][0][0]
    else:
        verb = {"set": "set", "fortios": "config", "tmsh": "create"}[p.cli_style]
        first = f"{verb} {hierarchy}"
    return first.split("{", 1)[0]


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def billing_case(model: str, price: Decimal, tiers: int) -> dict[str, object]:
    """A billing scenario for the generated tests, with its expected total worked out here."""
    if model == "monthly":
        return {
            "advance_hours": 45 * 24,
            "usage": [],
            "total": str(_money(price * 2)),
            "quantity": "2",
        }
    if model == "hourly":
        return {"advance_hours": 2.5, "usage": [], "total": str(_money(price * 3)), "quantity": "3"}
    if model == "usage_based":
        usage = ["12.5", "7.5"]
        return {
            "advance_hours": 1,
            "usage": usage,
            "total": str(_money(price * 20)),
            "quantity": "20",
        }
    usage = ["180", "70"]  # 250 units: a full first tier, a full second one, half of the third
    remaining = Decimal(250)
    total = Decimal(0)
    for tier in range(tiers):
        size = remaining if tier == tiers - 1 else min(remaining, Decimal(TIER_SIZE))
        total += _money(size * price * (1 - TIER_DISCOUNT * tier))
        remaining -= size
        if remaining <= 0:
            break
    return {"advance_hours": 1, "usage": usage, "total": str(total), "quantity": "250"}
