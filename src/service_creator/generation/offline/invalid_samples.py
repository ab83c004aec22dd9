"""Instance configurations the generated API must refuse with 422: one per feature, with why."""

from __future__ import annotations

# One configuration per feature that the API must refuse with 422, and why.
INVALID: dict[str, tuple[str, dict[str, object]]] = {
    "traffic_filtering": (
        "port-on-icmp",
        {"rules": [{"name": "r1", "protocol": "icmp", "port": 22}]},
    ),
    "nat": (
        "host-bits-set",
        {"nat_rules": [{"name": "n1", "original": "10.0.0.1/24", "translated": "203.0.113.1"}]},
    ),
    "vpn": (
        "bad-peer",
        {
            "vpn_tunnels": [
                {
                    "name": "t1",
                    "peer_address": "not-an-ip",
                    "local_subnet": "10.0.0.0/24",
                    "remote_subnet": "10.1.0.0/24",
                }
            ]
        },
    ),
    "threat_detection": ("unknown-severity", {"threat_protection": {"severity": "extreme"}}),
    "url_filtering": (
        "duplicate-category",
        {"url_filtering": {"blocked_categories": ["gambling", "gambling"]}},
    ),
    "bgp": ("as-zero", {"bgp": {"local_as": 0, "router_id": "10.0.0.1"}}),
    "ospf": ("no-areas", {"ospf": {"process_id": 1, "areas": []}}),
    "qos": (
        "dscp-out-of-range",
        {"qos_policies": [{"name": "q1", "dscp": 64, "bandwidth_mbps": 10}]},
    ),
    "static_routes": (
        "bad-prefix",
        {"static_routes": [{"prefix": "10.0.0.0/33", "next_hop": "10.0.0.1"}]},
    ),
    "vrf": ("bad-rd", {"vrfs": [{"name": "blue", "route_distinguisher": "blue"}]}),
    "health_checks": (
        "timeout-not-below-interval",
        {"health_check": {"interval_seconds": 5, "timeout_seconds": 5}},
    ),
    "ssl_offload": (
        "old-tls",
        {"ssl_offload": {"certificate_name": "c1", "min_tls_version": "1.0"}},
    ),
    "session_persistence": (
        "persistence-without-server",
        {"session_persistence": {"method": "cookie"}},
    ),
    "l7_routing": (
        "relative-path",
        {"l7_rules": [{"name": "x1", "path_prefix": "api", "pool": "web"}]},
    ),
    "site_to_site": (
        "ike-v3",
        {
            "tunnels": [
                {
                    "name": "t1",
                    "peer_address": "198.51.100.7",
                    "local_subnet": "10.0.0.0/24",
                    "remote_subnet": "10.1.0.0/24",
                    "ike_version": 3,
                }
            ]
        },
    ),
    "remote_access": ("pool-too-small", {"remote_access": {"address_pool": "10.0.0.0/31"}}),
    "mfa": ("radius-without-server", {"mfa": {"provider": "radius"}}),
    "split_tunnelling": ("no-networks", {"split_tunnel": {"include_networks": []}}),
}
INVALID_BASE: dict[str, tuple[str, dict[str, object]]] = {
    "vLoadBalancer": (
        "unknown-pool",
        {"virtual_server": {"address": "203.0.113.20", "port": 80, "pool": "missing"}},
    ),
}


def invalid_configs(service_type: str, features: list[str]) -> dict[str, dict[str, object]]:
    """Invalid configurations for a service, by the reason they are invalid."""
    cases = [INVALID_BASE[service_type]] if service_type in INVALID_BASE else []
    cases += [INVALID[feature] for feature in features]
    return dict(cases)
