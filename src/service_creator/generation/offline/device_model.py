"""The device model the offline templates share: object kinds, their attributes, and the shape of
a vendor API family (`Platform`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from service_creator.domain.requirements import FEATURES_BY_SERVICE_TYPE
from service_creator.generation.offline import cli_templates

# The device objects each feature is made of, in creation order.
KINDS_BY_FEATURE: dict[str, tuple[str, ...]] = {
    "traffic_filtering": ("access_rule",),
    "nat": ("nat_rule",),
    "vpn": ("ipsec_tunnel",),
    "threat_detection": ("threat_profile",),
    "url_filtering": ("url_category",),
    "bgp": ("bgp_neighbor",),
    "ospf": ("ospf_network",),
    "qos": ("qos_policy",),
    "static_routes": ("static_route",),
    "vrf": ("vrf",),
    "health_checks": ("health_monitor",),
    "ssl_offload": ("ssl_profile",),
    "session_persistence": ("persistence_profile",),
    "l7_routing": ("l7_policy",),
    "site_to_site": ("ipsec_tunnel",),
    "remote_access": ("address_pool",),
    "mfa": ("mfa_policy",),
    "split_tunnelling": ("split_tunnel_network",),
}
# The attributes of each kind of object, as the generated `config_items` builds them.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "access_rule": ("action", "source", "destination", "protocol", "port"),
    "nat_rule": ("nat_type", "original", "translated"),
    "ipsec_tunnel": ("peer_address", "local_subnet", "remote_subnet", "ike_version", "encryption"),
    "threat_profile": ("severity", "response"),
    "url_category": ("category",),
    "bgp_neighbor": ("local_as", "router_id", "address", "remote_as", "description"),
    "ospf_network": ("process_id", "area", "network"),
    "qos_policy": ("dscp", "bandwidth_mbps", "priority"),
    "static_route": ("prefix", "next_hop", "distance"),
    "vrf": ("route_distinguisher",),
    "pool": ("algorithm",),
    "pool_member": ("pool", "address", "port", "weight"),
    "virtual_server": ("address", "port", "protocol", "pool"),
    "health_monitor": ("protocol", "path", "interval", "timeout", "threshold"),
    "ssl_profile": ("certificate", "min_tls_version"),
    "persistence_profile": ("method", "timeout", "virtual_server"),
    "l7_policy": ("host", "path_prefix", "pool"),
    "address_pool": ("network", "first", "last", "dns_servers", "max_users"),
    "mfa_policy": ("provider", "server"),
    "split_tunnel_network": ("network",),
}
# Objects every instance of a service type has, whatever its features.
BASE_KINDS: dict[str, tuple[str, ...]] = {
    "vLoadBalancer": ("pool", "pool_member", "virtual_server")
}


@dataclass(frozen=True)
class Platform:
    id: str
    vendor: str
    title: str
    rest_style: str  # fdm | asa | restconf | panos | fortios | icontrol | junos
    rest_base: str
    rest_paths: dict[str, str]
    status_path: str
    key_style: str  # how REST body keys are spelled: camel | hyphen
    token_header: str  # the header a device API token travels in
    netconf_root: str
    netconf_namespace: str
    netconf_item: str  # "name": a <name> child element; "entry": <entry name="..."> (PAN-OS)
    cli_style: str  # templates (Cisco) | set (Junos, PAN-OS) | fortios | tmsh (F5)
    cli_title: str
    cli_enter: tuple[str, ...]
    cli_commit: tuple[str, ...]
    sdk_module: str
    hierarchy: dict[str, str] = field(default_factory=dict[str, str])
    cli_templates: dict[str, cli_templates.Template] = field(
        default_factory=dict[str, cli_templates.Template]
    )
    cli_keys: dict[str, str] = field(default_factory=dict[str, str])
    vocabulary: dict[str, dict[str, str]] = field(default_factory=dict[str, dict[str, str]])
    rest_docs: str = ""  # the vendor's reference of the REST API the client calls
    rest_commit: str = ""  # the path that makes REST changes effective (commit, deploy), if any
    media_type: str = "application/json"  # the REST API's JSON media type
    cli_docs: str = ""  # the vendor's CLI reference
    netconf_docs: str = ""  # the vendor's NETCONF (or YANG model) reference

    def supports(self, kinds: list[str]) -> bool:
        return all(kind in self.rest_paths for kind in kinds)

    def hierarchy_of(self, kind: str) -> str:
        """A kind's configuration hierarchy as CLI words; NETCONF elements follow it too."""
        if kind in self.hierarchy:
            return self.hierarchy[kind]
        return path_words(self.rest_paths[kind])


def path_words(path: str) -> str:
    """A REST path as CLI words: `/router/bgp={local_as}/neighbor` -> `router bgp neighbor`
    (keys and placeholders left out)."""
    words = [segment.split("=")[0] for segment in path.replace(".", "/").split("/")]
    return " ".join(w for w in words if w and not w.startswith("~") and "{" not in w)


def kinds_for(service_type: str, features: list[str]) -> list[str]:
    """The device object kinds of a service, base objects first, each once."""
    kinds = list(BASE_KINDS.get(service_type, ()))
    for feature in sorted(features, key=FEATURES_BY_SERVICE_TYPE[service_type].index):
        kinds += KINDS_BY_FEATURE[feature]
    return list(dict.fromkeys(kinds))
