"""Example instance configurations, per feature, that the generated tests and README use.

Each feature has a configuration for creating an instance, a changed one for updating it, the
device objects `(kind, name)` the creation must push, and the objects the update must delete. They
are written by hand, independently of the generated code, so the tests check it against them.
`{instance}` in a name stands for the instance's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from service_creator.domain.requirements import FEATURES_BY_SERVICE_TYPE

INSTANCE_NAME = "edge-1"


@dataclass(frozen=True)
class Sample:
    create: dict[str, object]
    update: dict[str, object]
    objects: tuple[tuple[str, str], ...]
    deleted_on_update: tuple[tuple[str, str], ...] = ()


def _rule(name: str, action: str, destination: str, port: int) -> dict[str, object]:
    return {
        "name": name,
        "action": action,
        "source": "any",
        "destination": destination,
        "protocol": "tcp",
        "port": port,
    }


def _tunnel(
    name: str, peer: str, remote: str, encryption: str = "aes-256-gcm"
) -> dict[str, object]:
    return {
        "name": name,
        "peer_address": peer,
        "local_subnet": "10.10.0.0/16",
        "remote_subnet": remote,
        "ike_version": 2,
        "encryption": encryption,
    }


_POOL = {
    "name": "web",
    "algorithm": "round_robin",
    "members": [
        {"address": "10.30.0.11", "port": 8080, "weight": 1},
        {"address": "10.30.0.12", "port": 8080, "weight": 2},
    ],
}
_VIRTUAL_SERVER = {
    "name": "frontend",
    "address": "203.0.113.20",
    "port": 443,
    "protocol": "https",
    "pool": "web",
}

BASE: dict[str, Sample] = {
    "vLoadBalancer": Sample(
        create={"virtual_server": _VIRTUAL_SERVER, "pools": [_POOL]},
        update={
            "virtual_server": _VIRTUAL_SERVER,
            "pools": [{**_POOL, "algorithm": "least_connections", "members": _POOL["members"][:1]}],
        },
        objects=(
            ("pool", "web"),
            ("pool_member", "10.30.0.11:8080"),
            ("pool_member", "10.30.0.12:8080"),
            ("virtual_server", "frontend"),
        ),
        deleted_on_update=(("pool_member", "10.30.0.12:8080"),),
    ),
}

FEATURES: dict[str, Sample] = {
    "traffic_filtering": Sample(
        create={
            "rules": [
                _rule("allow-https", "allow", "10.10.0.0/24", 443),
                _rule("deny-telnet", "deny", "any", 23),
            ]
        },
        update={"rules": [_rule("allow-https", "allow", "10.10.0.0/24", 8443)]},
        objects=(("access_rule", "allow-https"), ("access_rule", "deny-telnet")),
        deleted_on_update=(("access_rule", "deny-telnet"),),
    ),
    "nat": Sample(
        create={
            "nat_rules": [
                {
                    "name": "web-dnat",
                    "nat_type": "static",
                    "original": "203.0.113.10/32",
                    "translated": "10.10.0.10",
                },
                {
                    "name": "outbound-snat",
                    "nat_type": "source",
                    "original": "10.10.0.0/24",
                    "translated": "203.0.113.1",
                },
            ]
        },
        update={
            "nat_rules": [
                {
                    "name": "web-dnat",
                    "nat_type": "static",
                    "original": "203.0.113.10/32",
                    "translated": "10.10.0.11",
                }
            ]
        },
        objects=(("nat_rule", "web-dnat"), ("nat_rule", "outbound-snat")),
        deleted_on_update=(("nat_rule", "outbound-snat"),),
    ),
    "vpn": Sample(
        create={"vpn_tunnels": [_tunnel("branch-1", "198.51.100.7", "10.20.0.0/16")]},
        update={
            "vpn_tunnels": [_tunnel("branch-1", "198.51.100.7", "10.20.0.0/16", "aes-128-gcm")]
        },
        objects=(("ipsec_tunnel", "branch-1"),),
    ),
    "threat_detection": Sample(
        create={"threat_protection": {"enabled": True, "severity": "high", "response": "block"}},
        update={"threat_protection": {"enabled": True, "severity": "medium", "response": "alert"}},
        objects=(("threat_profile", "{instance}-ips"),),
    ),
    "url_filtering": Sample(
        create={"url_filtering": {"blocked_categories": ["gambling", "malware"]}},
        update={"url_filtering": {"blocked_categories": ["malware"]}},
        objects=(("url_category", "gambling"), ("url_category", "malware")),
        deleted_on_update=(("url_category", "gambling"),),
    ),
    "bgp": Sample(
        create={
            "bgp": {
                "local_as": 65010,
                "router_id": "10.0.0.1",
                "neighbors": [
                    {"address": "192.0.2.1", "remote_as": 65020, "description": "upstream-a"},
                    {"address": "192.0.2.5", "remote_as": 65030, "description": "upstream-b"},
                ],
            }
        },
        update={
            "bgp": {
                "local_as": 65010,
                "router_id": "10.0.0.1",
                "neighbors": [
                    {"address": "192.0.2.1", "remote_as": 65021, "description": "upstream-a"}
                ],
            }
        },
        objects=(("bgp_neighbor", "192.0.2.1"), ("bgp_neighbor", "192.0.2.5")),
        deleted_on_update=(("bgp_neighbor", "192.0.2.5"),),
    ),
    "ospf": Sample(
        create={
            "ospf": {
                "process_id": 10,
                "areas": [{"area_id": 0, "networks": ["10.0.0.0/24", "10.0.1.0/24"]}],
            }
        },
        update={"ospf": {"process_id": 10, "areas": [{"area_id": 0, "networks": ["10.0.0.0/24"]}]}},
        objects=(("ospf_network", "10.0.0.0/24"), ("ospf_network", "10.0.1.0/24")),
        deleted_on_update=(("ospf_network", "10.0.1.0/24"),),
    ),
    "qos": Sample(
        create={
            "qos_policies": [
                {"name": "voice", "dscp": 46, "bandwidth_mbps": 100, "priority": 7},
                {"name": "bulk", "dscp": 8, "bandwidth_mbps": 500, "priority": 1},
            ]
        },
        update={
            "qos_policies": [{"name": "voice", "dscp": 46, "bandwidth_mbps": 200, "priority": 7}]
        },
        objects=(("qos_policy", "voice"), ("qos_policy", "bulk")),
        deleted_on_update=(("qos_policy", "bulk"),),
    ),
    "static_routes": Sample(
        create={
            "static_routes": [
                {"prefix": "172.16.0.0/16", "next_hop": "10.0.0.254", "distance": 1},
                {"prefix": "0.0.0.0/0", "next_hop": "10.0.0.1", "distance": 10},
            ]
        },
        update={
            "static_routes": [{"prefix": "172.16.0.0/16", "next_hop": "10.0.0.253", "distance": 1}]
        },
        objects=(("static_route", "172.16.0.0/16"), ("static_route", "0.0.0.0/0")),
        deleted_on_update=(("static_route", "0.0.0.0/0"),),
    ),
    "vrf": Sample(
        create={
            "vrfs": [
                {"name": "blue", "route_distinguisher": "65010:100"},
                {"name": "red", "route_distinguisher": "65010:200"},
            ]
        },
        update={"vrfs": [{"name": "blue", "route_distinguisher": "65010:101"}]},
        objects=(("vrf", "blue"), ("vrf", "red")),
        deleted_on_update=(("vrf", "red"),),
    ),
    "health_checks": Sample(
        create={
            "health_check": {
                "protocol": "http",
                "path": "/healthz",
                "interval_seconds": 10,
                "timeout_seconds": 5,
                "healthy_threshold": 3,
            }
        },
        update={
            "health_check": {
                "protocol": "tcp",
                "path": "/",
                "interval_seconds": 15,
                "timeout_seconds": 5,
                "healthy_threshold": 2,
            }
        },
        objects=(("health_monitor", "{instance}-monitor"),),
    ),
    "ssl_offload": Sample(
        create={"ssl_offload": {"certificate_name": "web-cert", "min_tls_version": "1.2"}},
        update={"ssl_offload": {"certificate_name": "web-cert", "min_tls_version": "1.3"}},
        objects=(("ssl_profile", "{instance}-tls"),),
    ),
    "session_persistence": Sample(
        create={"session_persistence": {"method": "cookie", "timeout_seconds": 1800}},
        update={"session_persistence": {"method": "source_ip", "timeout_seconds": 600}},
        objects=(("persistence_profile", "{instance}-persistence"),),
    ),
    "l7_routing": Sample(
        create={
            "l7_rules": [
                {"name": "api", "host": "api.example.com", "path_prefix": "/api", "pool": "web"},
                {"name": "assets", "host": None, "path_prefix": "/static", "pool": "web"},
            ]
        },
        update={
            "l7_rules": [
                {"name": "api", "host": "api.example.com", "path_prefix": "/v2", "pool": "web"}
            ]
        },
        objects=(("l7_policy", "api"), ("l7_policy", "assets")),
        deleted_on_update=(("l7_policy", "assets"),),
    ),
    "site_to_site": Sample(
        create={
            "tunnels": [
                _tunnel("branch-1", "198.51.100.7", "10.20.0.0/16"),
                _tunnel("branch-2", "198.51.100.9", "10.21.0.0/16"),
            ]
        },
        update={"tunnels": [_tunnel("branch-1", "198.51.100.7", "10.20.0.0/16", "aes-128-gcm")]},
        objects=(("ipsec_tunnel", "branch-1"), ("ipsec_tunnel", "branch-2")),
        deleted_on_update=(("ipsec_tunnel", "branch-2"),),
    ),
    "remote_access": Sample(
        create={
            "remote_access": {
                "address_pool": "10.50.0.0/24",
                "dns_servers": ["10.0.0.53"],
                "max_users": 250,
            }
        },
        update={
            "remote_access": {
                "address_pool": "10.50.0.0/24",
                "dns_servers": ["10.0.0.53", "10.0.0.54"],
                "max_users": 500,
            }
        },
        objects=(("address_pool", "{instance}-pool"),),
    ),
    "mfa": Sample(
        create={"mfa": {"provider": "radius", "server": "radius.example.com"}},
        update={"mfa": {"provider": "totp", "server": None}},
        objects=(("mfa_policy", "{instance}-mfa"),),
    ),
    "split_tunnelling": Sample(
        create={"split_tunnel": {"include_networks": ["10.0.0.0/8", "172.16.0.0/12"]}},
        update={"split_tunnel": {"include_networks": ["10.0.0.0/8"]}},
        objects=(("split_tunnel_network", "10.0.0.0/8"), ("split_tunnel_network", "172.16.0.0/12")),
        deleted_on_update=(("split_tunnel_network", "172.16.0.0/12"),),
    ),
}


def combined(service_type: str, features: list[str]) -> Sample:
    """One sample for a whole service: the base objects and every chosen feature's."""
    parts = [BASE[service_type]] if service_type in BASE else []
    chosen = [f for f in FEATURES_BY_SERVICE_TYPE[service_type] if f in features]
    parts += [FEATURES[feature] for feature in chosen]  # in creation order, as config_items
    create: dict[str, object] = {}
    update: dict[str, object] = {}
    for part in parts:
        create.update(part.create)
        update.update(part.update)

    def named(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((kind, name.replace("{instance}", INSTANCE_NAME)) for kind, name in pairs)

    objects = tuple(dict.fromkeys(o for part in parts for o in named(part.objects)))
    deleted = tuple(dict.fromkeys(o for part in parts for o in named(part.deleted_on_update)))
    return Sample(create, update, objects, deleted)
