"""CLI command templates for kinds whose syntax is not the generic shape of their vendor's CLI.

Each entry is `(lines that create or update the object, lines that delete it)`. The generated
client fills them with `str.format(**fields)`: the object's attributes, plus derived forms of
network attributes (`<attr>_address`, `_netmask`, `_wildcard`, and the ACL forms `_wc` (IOS) and
`_mask` (ASA): `any`, `host a.b.c.d` or an address with a wildcard or netmask) and `port_match`.
"""

from __future__ import annotations

Template = tuple[tuple[str, ...], tuple[str, ...]]

# Cisco IOS-XE (Catalyst 8000V, CSR1000v).
IOS: dict[str, Template] = {
    "access_rule": (
        (
            "ip access-list extended {name}",
            " {action} {protocol} {source_wc} {destination_wc} {port_match}",
        ),
        ("no ip access-list extended {name}",),
    ),
    "nat_rule": (
        ("ip nat inside source static {original_address} {translated}",),
        ("no ip nat inside source static {original_address} {translated}",),
    ),
    "ipsec_tunnel": (
        (
            "crypto ikev2 profile {name}",
            " match identity remote address {peer_address}",
            " authentication remote pre-share",
            " authentication local pre-share",
        ),
        ("no crypto ikev2 profile {name}",),
    ),
    "threat_profile": (
        ("utd engine standard", " threat-inspection", "  threat {response}", "  policy {severity}"),
        ("utd engine standard", " no threat-inspection"),
    ),
    "url_category": (
        ("utd web-filter url profile {name}", " categories block", "  {category}"),
        ("no utd web-filter url profile {name}",),
    ),
    "bgp_neighbor": (
        (
            "router bgp {local_as}",
            " bgp router-id {router_id}",
            " neighbor {address} remote-as {remote_as}",
        ),
        ("router bgp {local_as}", " no neighbor {address}"),
    ),
    "ospf_network": (
        ("router ospf {process_id}", " network {network_address} {network_wildcard} area {area}"),
        (
            "router ospf {process_id}",
            " no network {network_address} {network_wildcard} area {area}",
        ),
    ),
    "qos_policy": (
        (
            "policy-map {name}",
            " class class-default",
            "  set dscp {dscp}",
            "  shape average {bandwidth_mbps}000000",
        ),
        ("no policy-map {name}",),
    ),
    "static_route": (
        ("ip route {prefix_address} {prefix_netmask} {next_hop} {distance}",),
        ("no ip route {prefix_address} {prefix_netmask} {next_hop}",),
    ),
    "vrf": (
        (
            "vrf definition {name}",
            " rd {route_distinguisher}",
            " address-family ipv4",
            " exit-address-family",
        ),
        ("no vrf definition {name}",),
    ),
    "pool": (
        ("ip slb serverfarm {name}", " predictor {algorithm}"),
        ("no ip slb serverfarm {name}",),
    ),
    "pool_member": (
        ("ip slb serverfarm {pool}", " real {address} {port}", "  weight {weight}", "  inservice"),
        ("ip slb serverfarm {pool}", " no real {address} {port}"),
    ),
    "virtual_server": (
        (
            "ip slb vserver {name}",
            " virtual {address} tcp {port}",
            " serverfarm {pool}",
            " inservice",
        ),
        ("no ip slb vserver {name}",),
    ),
    "health_monitor": (
        ("ip slb probe {name} {protocol}", " interval {interval}", " faildetect {threshold}"),
        ("no ip slb probe {name}",),
    ),
    "ssl_profile": (
        ("crypto pki trustpoint {certificate}", " revocation-check none"),
        ("no crypto pki trustpoint {certificate}",),
    ),
    "persistence_profile": (
        ("ip slb vserver {virtual_server}", " sticky {timeout}"),
        ("ip slb vserver {virtual_server}", " no sticky"),
    ),
    "l7_policy": (
        ("ip slb policy {name}", " url {path_prefix}", " serverfarm {pool}"),
        ("no ip slb policy {name}",),
    ),
    "address_pool": (
        ("ip local pool {name} {first} {last}",),
        ("no ip local pool {name}",),
    ),
    "mfa_policy": (
        ("aaa group server radius {name}", " server name {server}"),
        ("no aaa group server radius {name}",),
    ),
    "split_tunnel_network": (
        ("ip access-list standard split-tunnel", " permit {network_address} {network_wildcard}"),
        ("ip access-list standard split-tunnel", " no permit {network_address} {network_wildcard}"),
    ),
}

# Cisco ASA syntax: ASAv, and the LINA engine of Firepower Threat Defense.
ASA: dict[str, Template] = {
    "access_rule": (
        (
            "access-list {name} extended {action} {protocol} {source_mask} {destination_mask} "
            "{port_match}",
        ),
        ("clear configure access-list {name}",),
    ),
    "nat_rule": (
        (
            "object network {name}",
            " subnet {original_address} {original_netmask}",
            " nat (inside,outside) {nat_type} {translated}",
        ),
        ("no object network {name}",),
    ),
    "ipsec_tunnel": (
        (
            "tunnel-group {peer_address} type ipsec-l2l",
            "crypto ipsec ikev2 ipsec-proposal {name}",
            " protocol esp encryption {encryption}",
        ),
        (
            "clear configure tunnel-group {peer_address}",
            "no crypto ipsec ikev2 ipsec-proposal {name}",
        ),
    ),
    "threat_profile": (
        ("threat-detection basic-threat", "threat-detection scanning-threat {response}"),
        ("no threat-detection scanning-threat",),
    ),
    "url_category": (
        ("regex url-{name} {category}",),
        ("no regex url-{name} {category}",),
    ),
    "address_pool": (
        ("ip local pool {name} {first}-{last} mask {network_netmask}",),
        ("no ip local pool {name} {first}-{last} mask {network_netmask}",),
    ),
    "mfa_policy": (
        ("aaa-server {name} protocol radius", "aaa-server {name} host {server}"),
        ("clear configure aaa-server {name}",),
    ),
    "split_tunnel_network": (
        ("access-list split-tunnel standard permit {network_address} {network_netmask}",),
        ("no access-list split-tunnel standard permit {network_address} {network_netmask}",),
    ),
}

# Pool members are nested under their pool on FortiOS, FortiADC and BIG-IP.
FORTIOS: dict[str, Template] = {
    "pool_member": (
        (
            "config firewall vip",
            'edit "{pool}"',
            "config realservers",
            "edit 0",
            "set ip {address}",
            "set port {port}",
            "set weight {weight}",
            "next",
            "end",
            "next",
            "end",
        ),
        (
            "config firewall vip",
            'edit "{pool}"',
            "config realservers",
            'purge "{address}:{port}"',
            "end",
            "next",
            "end",
        ),
    ),
}

FORTIADC: dict[str, Template] = {
    "pool_member": (
        (
            "config load-balance pool",
            "edit {pool}",
            "config pool_member",
            "edit 0",
            "set real-server {address}",
            "set port {port}",
            "set weight {weight}",
            "next",
            "end",
            "next",
            "end",
        ),
        (
            "config load-balance pool",
            "edit {pool}",
            "config pool_member",
            "delete {address}",
            "end",
            "next",
            "end",
        ),
    ),
}

TMSH: dict[str, Template] = {
    "pool_member": (
        ("modify ltm pool {pool} members add {{ {address}:{port} {{ ratio {weight} }} }}",),
        ("modify ltm pool {pool} members delete {{ {address}:{port} }}",),
    ),
}
