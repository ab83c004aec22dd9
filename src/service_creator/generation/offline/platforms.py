"""How each vendor's device API looks: REST paths, configuration hierarchy, CLI syntax, SDK names.

A *platform* is one vendor API family (Cisco FDM, PAN-OS, FortiOS, ...). The offline templates
render only the slice a project needs: its vendors, its vendor API and its features' object kinds.
Paths follow the vendors' published APIs closely enough to read naturally; a project generated for
real hardware should still be checked against that device's API version.
"""

from __future__ import annotations

from typing import TypedDict

from service_creator.domain.requirements import FEATURES_BY_SERVICE_TYPE
from service_creator.generation.offline import cli_templates
from service_creator.generation.offline.device_model import ATTRIBUTES, Platform
from service_creator.generation.offline.platforms_cisco import CISCO_ASA, CISCO_FDM, CISCO_IOSXE

PANOS = Platform(
    id="panos",
    vendor="Palo Alto",
    title="PAN-OS REST API",
    cli_title="PAN-OS CLI (set commands)",
    rest_style="panos",
    rest_base="/restapi/v10.2",
    rest_paths={
        "access_rule": "/Policies/SecurityRules",
        "nat_rule": "/Policies/NatRules",
        "ipsec_tunnel": "/Network/IPSecTunnels",
        "threat_profile": "/Objects/VulnerabilityProtectionSecurityProfiles",
        "url_category": "/Objects/CustomURLCategories",
        "bgp_neighbor": "/Network/VirtualRouters",
        "ospf_network": "/Network/VirtualRouters",
        "qos_policy": "/Policies/QoSRules",
        "static_route": "/Network/VirtualRouters",
        "vrf": "/Network/VirtualRouters",
        "pool": "/Objects/AddressGroups",
        "pool_member": "/Objects/Addresses",
        "virtual_server": "/Policies/NatRules",
        "health_monitor": "/Network/MonitorNetworkProfiles",
        "ssl_profile": "/Objects/DecryptionSecurityProfiles",
        "persistence_profile": "/Policies/ApplicationOverrideRules",
        "l7_policy": "/Policies/PolicyBasedForwardingRules",
        "address_pool": "/Network/GlobalProtectGateways",
        "mfa_policy": "/Objects/AuthenticationEnforcements",
        "split_tunnel_network": "/Network/GlobalProtectGateways",
    },
    status_path="/restapi/v10.2/Device/VirtualSystems",
    key_style="hyphen",
    token_header="X-PAN-KEY",
    netconf_root="config",
    netconf_namespace="",
    netconf_item="entry",
    cli_style="set",
    cli_enter=("configure",),
    cli_commit=("commit",),
    sdk_module="panos",
    rest_docs="https://docs.paloaltonetworks.com/pan-os/10-2/pan-os-panorama-api/get-started-with-the-pan-os-rest-api",
    # The REST API edits the candidate configuration; the XML API commits it.
    rest_commit="/api/?type=commit&cmd=%3Ccommit%3E%3C%2Fcommit%3E",
    cli_docs="https://docs.paloaltonetworks.com/pan-os/10-2/pan-os-cli-quick-start",
    netconf_docs="https://docs.paloaltonetworks.com/pan-os/10-2/pan-os-panorama-api/pan-os-xml-api-request-types/configuration-api",
    hierarchy={
        "access_rule": "rulebase security rules",
        "nat_rule": "rulebase nat rules",
        "ipsec_tunnel": "network tunnel ipsec",
        "threat_profile": "profiles vulnerability",
        "url_category": "profiles custom-url-category",
        "bgp_neighbor": "network virtual-router default protocol bgp peer-group peers peer",
        "ospf_network": "network virtual-router default protocol ospf area {area} interface",
        "qos_policy": "rulebase qos rules",
        "static_route": "network virtual-router default routing-table ip static-route",
        "vrf": "network virtual-router",
        "pool": "address-group",
        "pool_member": "address",
        "virtual_server": "rulebase nat rules",
        "health_monitor": "network profiles monitor-profile",
        "ssl_profile": "profiles decryption",
        "persistence_profile": "rulebase application-override rules",
        "l7_policy": "rulebase pbf rules",
        "address_pool": "global-protect global-protect-gateway",
        "mfa_policy": "authentication-object",
        "split_tunnel_network": (
            "global-protect global-protect-gateway split-tunneling access-route"
        ),
    },
    cli_keys={"remote_as": "peer-as", "peer_address": "peer-address"},
)


class _FortinetFields(TypedDict):
    """The `Platform` fields every Fortinet platform has alike."""

    vendor: str
    key_style: str
    token_header: str
    netconf_namespace: str
    netconf_item: str
    cli_style: str
    cli_enter: tuple[str, ...]
    cli_commit: tuple[str, ...]


# FortiOS and FortiADC share Fortinet's key style, token header and config-block CLI.
_FORTINET: _FortinetFields = {
    "vendor": "Fortinet",
    "key_style": "hyphen",
    "token_header": "Authorization",
    "netconf_namespace": "",
    "netconf_item": "name",
    "cli_style": "fortios",
    "cli_enter": (),
    "cli_commit": (),
}

FORTIOS = Platform(
    id="fortios",
    title="FortiOS REST API",
    cli_title="FortiOS CLI (config blocks)",
    rest_style="fortios",
    rest_base="/api/v2/cmdb",
    rest_paths={
        "access_rule": "/firewall/policy",
        "nat_rule": "/firewall/central-snat-map",
        "ipsec_tunnel": "/vpn.ipsec/phase1-interface",
        "threat_profile": "/ips/sensor",
        "url_category": "/webfilter/ftgd-local-cat",
        "bgp_neighbor": "/router/bgp/neighbor",
        "ospf_network": "/router/ospf/network",
        "qos_policy": "/firewall/shaping-policy",
        "static_route": "/router/static",
        "vrf": "/router/bgp/vrf",
        "pool": "/firewall/vipgrp",
        "pool_member": "/firewall/vip/{pool}/realservers",
        "virtual_server": "/firewall/vip",
        "health_monitor": "/firewall/ldb-monitor",
        "ssl_profile": "/firewall/ssl-ssh-profile",
        "persistence_profile": "/firewall/vip",
        "l7_policy": "/firewall/access-proxy",
        "address_pool": "/firewall/address",
        "mfa_policy": "/authentication/rule",
        "split_tunnel_network": "/vpn.ssl.web/portal",
    },
    status_path="/api/v2/monitor/system/status",
    netconf_root="fortios",
    sdk_module="fortiosapi",
    rest_docs="https://fndn.fortinet.net/index.php?/fortiapi/1-fortios/",
    cli_docs="https://docs.fortinet.com/document/fortigate/7.4.0/cli-reference/",
    netconf_docs="https://docs.fortinet.com/document/fortigate/7.4.0/cli-reference/",
    cli_templates=cli_templates.FORTIOS,
    vocabulary={
        "action": {"allow": "accept", "deny": "deny"},
        "algorithm": {"round_robin": "round-robin", "least_connections": "least-session"},
        "response": {"block": "block", "alert": "pass"},
    },
    **_FORTINET,
)

FORTIADC = Platform(
    id="fortiadc",
    title="FortiADC REST API",
    cli_title="FortiADC CLI (config blocks)",
    rest_style="fortiadc",
    rest_base="/api",
    rest_paths={
        "pool": "/load_balance_pool",
        "pool_member": "/load_balance_pool_child_pool_member?pkey={pool}",
        "virtual_server": "/load_balance_virtual_server",
        "health_monitor": "/system_health_check",
        "ssl_profile": "/load_balance_client_ssl_profile",
        "persistence_profile": "/load_balance_persistence",
        "l7_policy": "/load_balance_content_routing",
    },
    status_path="/api/platform/status",
    netconf_root="fortiadc",
    sdk_module="fortiadc",
    rest_docs="https://docs.fortinet.com/product/fortiadc/",
    cli_docs="https://docs.fortinet.com/document/fortiadc/7.4.3/cli-reference/445091",
    netconf_docs="https://docs.fortinet.com/product/fortiadc/",
    hierarchy={
        "pool": "load-balance pool",
        "pool_member": "load-balance pool {pool} pool_member",
        "virtual_server": "load-balance virtual-server",
        "health_monitor": "system health-check",
        "ssl_profile": "load-balance client-ssl-profile",
        "persistence_profile": "load-balance persistence",
        "l7_policy": "load-balance content-routing",
    },
    cli_templates=cli_templates.FORTIADC,
    vocabulary={"algorithm": {"round_robin": "LB_METHOD_ROUND_ROBIN"}},
    **_FORTINET,
)

BIGIP = Platform(
    id="bigip",
    vendor="F5",
    title="BIG-IP iControl REST API",
    cli_title="BIG-IP tmsh",
    rest_style="icontrol",
    rest_base="/mgmt/tm",
    rest_paths={
        "access_rule": "/security/firewall/rule-list",
        "nat_rule": "/ltm/snat",
        "ipsec_tunnel": "/net/ipsec/ipsec-policy",
        "threat_profile": "/security/dos/profile",
        "url_category": "/sys/url-db/url-category",
        "bgp_neighbor": "/net/routing/bgp",
        "ospf_network": "/net/routing/ospf",
        "qos_policy": "/net/rate-shaping/class",
        "static_route": "/net/route",
        "vrf": "/net/route-domain",
        "pool": "/ltm/pool",
        "pool_member": "/ltm/pool/~Common~{pool}/members",
        "virtual_server": "/ltm/virtual",
        "health_monitor": "/ltm/monitor/{protocol}",
        "ssl_profile": "/ltm/profile/client-ssl",
        "persistence_profile": "/ltm/persistence/{method}",
        "l7_policy": "/ltm/policy",
        "address_pool": "/apm/resource/leasepool",
        "mfa_policy": "/apm/aaa/radius",
        "split_tunnel_network": "/apm/resource/network-access",
    },
    status_path="/mgmt/tm/sys/version",
    key_style="camel",
    token_header="X-F5-Auth-Token",
    netconf_root="bigip",
    netconf_namespace="",
    netconf_item="name",
    cli_style="tmsh",
    cli_enter=(),
    cli_commit=("save sys config",),
    sdk_module="f5.bigip",
    rest_docs="https://clouddocs.f5.com/api/icontrol-rest/",
    cli_docs="https://clouddocs.f5.com/cli/tmsh-reference/latest/",
    netconf_docs="https://clouddocs.f5.com/api/icontrol-rest/",
    cli_templates=cli_templates.TMSH,
    vocabulary={
        "action": {"allow": "accept", "deny": "drop"},
        "algorithm": {
            "round_robin": "round-robin",
            "least_connections": "least-connections-member",
        },
        "method": {"source_ip": "source-addr"},
    },
)

JUNOS = Platform(
    id="junos",
    vendor="Juniper",
    title="Junos REST API",
    cli_title="Junos CLI (set commands)",
    rest_style="junos",
    rest_base="/rpc",
    rest_paths=dict.fromkeys(ATTRIBUTES, "/load-configuration"),  # every kind
    status_path="/rpc/get-software-information",
    key_style="hyphen",
    token_header="Authorization",
    netconf_root="configuration",
    netconf_namespace="",
    netconf_item="name",
    cli_style="set",
    cli_enter=("configure",),
    cli_commit=("commit and-quit",),
    sdk_module="jnpr.junos",
    rest_docs="https://www.juniper.net/documentation/us/en/software/junos/rest-api/index.html",
    rest_commit="/rpc/commit-configuration",
    cli_docs="https://www.juniper.net/documentation/us/en/software/junos/cli/index.html",
    netconf_docs="https://www.juniper.net/documentation/us/en/software/junos/netconf/index.html",
    hierarchy={
        "access_rule": "security policies global policy",
        "nat_rule": "security nat source rule-set service rule",
        "ipsec_tunnel": "security ipsec vpn",
        "threat_profile": "security idp idp-policy",
        "url_category": "security utm custom-objects custom-url-category",
        "bgp_neighbor": "protocols bgp group peers neighbor",
        "ospf_network": "protocols ospf area {area} interface",
        "qos_policy": "class-of-service schedulers",
        "static_route": "routing-options static route",
        "vrf": "routing-instances",
        "pool": "security nat destination pool",
        "pool_member": "security nat destination pool {pool} address",
        "virtual_server": "security nat destination rule-set lb rule",
        "health_monitor": "services rpm probe",
        "ssl_profile": "services ssl termination profile",
        "persistence_profile": "security flow tcp-session",
        "l7_policy": "security application-firewall rule-sets",
        "address_pool": "access address-assignment pool",
        "mfa_policy": "access profile",
        "split_tunnel_network": "security remote-access profile",
    },
    cli_keys={
        "action": "then",
        "source": "match source-address",
        "destination": "match destination-address",
        "protocol": "match protocol",
        "port": "match destination-port",
        "remote_as": "peer-as",
        "next_hop": "next-hop",
        "distance": "preference",
    },
    vocabulary={"action": {"allow": "permit", "deny": "deny"}},
)

_DEFAULT_BY_VENDOR: dict[str, dict[str, Platform]] = {
    "Cisco": {
        "vFirewall": CISCO_FDM,
        "vRouter": CISCO_IOSXE,
        "vLoadBalancer": CISCO_IOSXE,
        "vVPN": CISCO_ASA,
    },
    "Palo Alto": dict.fromkeys(FEATURES_BY_SERVICE_TYPE, PANOS),
    "Fortinet": dict.fromkeys(FEATURES_BY_SERVICE_TYPE, FORTIOS),
    "F5": dict.fromkeys(FEATURES_BY_SERVICE_TYPE, BIGIP),
    "Juniper": dict.fromkeys(FEATURES_BY_SERVICE_TYPE, JUNOS),
}
# Products whose API differs from their vendor's default for the service type.
_BY_PRODUCT = (
    ("FTD", CISCO_FDM),
    ("ASA", CISCO_ASA),
    ("8000V", CISCO_IOSXE),
    ("CSR", CISCO_IOSXE),
    ("FortiADC", FORTIADC),
)


def platform_for(vendor: str, service_type: str, product: str | None, kinds: list[str]) -> Platform:
    """The API family a vendor's product speaks, for the objects this service needs."""
    for marker, platform in _BY_PRODUCT:
        if product and marker in product and platform.vendor == vendor and platform.supports(kinds):
            return platform
    return _DEFAULT_BY_VENDOR[vendor][service_type]
