"""Cisco's device API families: FDM (Firepower Threat Defense), ASA and IOS-XE (RESTCONF)."""

from __future__ import annotations

from typing import TypedDict

from service_creator.generation.offline import cli_templates
from service_creator.generation.offline.device_model import Platform, path_words

_IOSXE_PATHS = {
    "access_rule": "/ip/access-list/extended",
    "nat_rule": "/ip/nat/inside/source/static",
    "ipsec_tunnel": "/crypto/ikev2/profile",
    "threat_profile": "/utd/engine/standard/threat-inspection",
    "url_category": "/utd/web-filter/url/profile",
    "bgp_neighbor": "/router/bgp={local_as}/neighbor",
    "ospf_network": "/router/ospf={process_id}/network",
    "qos_policy": "/policy/policy-map",
    "static_route": "/ip/route/ip-route-interface-forwarding-list",
    "vrf": "/vrf/definition",
    "pool": "/ip/slb/serverfarm",
    "pool_member": "/ip/slb/serverfarm={pool}/real",
    "virtual_server": "/ip/slb/vserver",
    "health_monitor": "/ip/slb/probe",
    "ssl_profile": "/crypto/pki/trustpoint",
    "persistence_profile": "/ip/slb/vserver={virtual_server}/sticky",
    "l7_policy": "/ip/slb/policy",
    "address_pool": "/ip/local/pool",
    "mfa_policy": "/aaa/group/server/radius",
    "split_tunnel_network": "/crypto/ikev2/authorization/policy",
}
_IOSXE_NETCONF_DOCS = "https://github.com/YangModels/yang/tree/main/vendor/cisco/xe"
# NETCONF on every Cisco platform follows the IOS-XE native YANG model's hierarchy.
_CISCO_HIERARCHY = {kind: path_words(path) for kind, path in _IOSXE_PATHS.items()}


class _CiscoFields(TypedDict):
    """The `Platform` fields every Cisco platform has alike."""

    vendor: str
    key_style: str
    netconf_root: str
    netconf_namespace: str
    netconf_item: str
    cli_style: str
    cli_enter: tuple[str, ...]
    hierarchy: dict[str, str]
    vocabulary: dict[str, dict[str, str]]


_CISCO: _CiscoFields = {
    "vendor": "Cisco",
    "key_style": "camel",
    "netconf_root": "native",
    "netconf_namespace": "http://cisco.com/ns/yang/Cisco-IOS-XE-native",
    "netconf_item": "name",
    "cli_style": "templates",
    "cli_enter": ("configure terminal",),
    "hierarchy": _CISCO_HIERARCHY,
    "vocabulary": {
        "action": {"allow": "permit", "deny": "deny"},
        "protocol": {"any": "ip"},
        "algorithm": {"round_robin": "roundrobin", "least_connections": "leastconns"},
        "response": {"block": "shun", "alert": "detection"},
        "severity": {"low": "connectivity", "medium": "balanced", "high": "security"},
        "nat_type": {"source": "dynamic", "destination": "static"},
        "encryption": {
            "aes-256-gcm": "aes-gcm-256",
            "aes-128-gcm": "aes-gcm",
            "aes-256-cbc": "aes-256",
        },
    },
}

CISCO_FDM = Platform(
    id="cisco_fdm",
    title="Firepower Device Manager (FDM) REST API",
    cli_title="FTD CLI (ASA syntax)",
    rest_style="fdm",
    rest_base="/api/fdm/latest",
    rest_paths={
        "access_rule": "/policy/accesspolicies/default/accessrules",
        "nat_rule": "/policy/manualnatpolicies/default/manualnatrules",
        "ipsec_tunnel": "/devices/default/s2sconnectionprofiles",
        "threat_profile": "/policy/intrusionpolicies",
        "url_category": "/object/urlcategories",
        "address_pool": "/object/networks",
        "mfa_policy": "/object/radiusidentitysources",
        "split_tunnel_network": "/devices/default/ravpns/default/ravpngrouppolicies",
    },
    status_path="/api/fdm/latest/operational/systeminfo/default",
    token_header="Authorization",
    cli_commit=("write memory",),
    sdk_module="fdm",
    rest_docs="https://developer.cisco.com/docs/ftd-api-reference/",
    # FDM stages changes until a deployment job applies them.
    rest_commit="/api/fdm/latest/operational/deploy",
    cli_docs="https://www.cisco.com/c/en/us/td/docs/security/firepower/command_ref/b_Command_Reference_for_Firepower_Threat_Defense.html",
    netconf_docs=_IOSXE_NETCONF_DOCS,
    cli_templates=cli_templates.ASA,
    **_CISCO,
)
CISCO_ASA = Platform(
    id="cisco_asa",
    title="ASA REST API",
    cli_title="ASA CLI",
    rest_style="asa",
    rest_base="/api",
    rest_paths={
        "access_rule": "/access/global/rules",
        "nat_rule": "/nat/before",
        "ipsec_tunnel": "/vpn/tunnelgroups",
        "threat_profile": "/threatdetection",
        "url_category": "/objects/regularexpressions",
        "address_pool": "/objects/localippools",
        "mfa_policy": "/aaa/servergroups",
        "split_tunnel_network": "/vpn/grouppolicies",
    },
    status_path="/api/monitoring/device/components/version",
    token_header="X-Auth-Token",
    cli_commit=("write memory",),
    sdk_module="asa",
    rest_docs="https://www.cisco.com/c/en/us/td/docs/security/asa/api/qsg-asa-api.html",
    cli_docs="https://www.cisco.com/c/en/us/support/security/adaptive-security-appliance-asa-software/products-command-reference-list.html",
    netconf_docs=_IOSXE_NETCONF_DOCS,
    cli_templates=cli_templates.ASA,
    **_CISCO,
)
CISCO_IOSXE = Platform(
    id="cisco_iosxe",
    title="IOS-XE RESTCONF API",
    cli_title="IOS-XE CLI",
    rest_style="restconf",
    rest_base="/restconf/data/Cisco-IOS-XE-native:native",
    rest_paths=_IOSXE_PATHS,
    status_path="/restconf/data/Cisco-IOS-XE-native:native/version",
    token_header="Authorization",
    cli_commit=("end", "write memory"),
    sdk_module="iosxe",
    rest_docs="https://developer.cisco.com/docs/ios-xe/",
    media_type="application/yang-data+json",  # https://www.rfc-editor.org/rfc/rfc8040#section-11.3.2
    cli_docs="https://www.cisco.com/c/en/us/support/ios-nx-os-software/ios-xe-17/products-command-reference-list.html",
    netconf_docs=_IOSXE_NETCONF_DOCS,
    cli_templates=cli_templates.IOS,
    **_CISCO,
)
