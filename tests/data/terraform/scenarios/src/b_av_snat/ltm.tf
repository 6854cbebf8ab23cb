resource "bigip_ltm_monitor" "lync_edge_tcp_443" {
  name = "/Common/lync_edge_tcp_443"
  parent = "/Common/tcp"
  destination = "*:443"
  interval = 5
  timeout = 16
  adaptive = "disabled"
  ip_dscp = 0
  time_until_up = 0
}

resource "bigip_ltm_monitor" "lync_edge_tcp_5061" {
  name = "/Common/lync_edge_tcp_5061"
  parent = "/Common/tcp"
  destination = "*:5061"
  interval = 5
  timeout = 16
  adaptive = "disabled"
  ip_dscp = 0
  time_until_up = 0
}

resource "bigip_ltm_monitor" "lync_edge_tcp_5062" {
  name = "/Common/lync_edge_tcp_5062"
  parent = "/Common/tcp"
  destination = "*:5062"
  interval = 5
  timeout = 16
  adaptive = "disabled"
  ip_dscp = 0
  time_until_up = 0
}

resource "bigip_ltm_profile_fastl4" "edge_fwd_fastl4" {
  name = "/Common/edge_fwd_fastl4"
  defaults_from = "/Common/fastL4"
  idle_timeout = "immediate"
  loose_close = "enabled"
  loose_initiation = "enabled"
}

resource "bigip_ltm_profile_fastl4" "lync_edge_fastl4" {
  name = "/Common/lync_edge_fastl4"
  defaults_from = "/Common/fastL4"
  idle_timeout = "1800"
}

resource "bigip_ltm_persistence_profile_srcaddr" "lync_edge_source_addr" {
  name = "/Common/lync_edge_source_addr"
  defaults_from = "/Common/source_addr"
  timeout = 1800
  mask = "none"
  hash_algorithm = "default"
  map_proxies = "enabled"
  match_across_pools = "disabled"
  match_across_services = "disabled"
  match_across_virtuals = "disabled"
  override_conn_limit = "disabled"
}

resource "bigip_ltm_node" "n172_25_33_10" {
  name = "/Common/172.25.33.10"
  address = "172.25.33.10"
  description = "edge01 internal NIC"
}

resource "bigip_ltm_node" "n172_25_33_11" {
  name = "/Common/172.25.33.11"
  address = "172.25.33.11"
  description = "edge02 internal NIC"
}

resource "bigip_ltm_node" "n203_0_113_10" {
  name = "/Common/203.0.113.10"
  address = "203.0.113.10"
  description = "edge01 external - Access Edge (primary IP)"
}

resource "bigip_ltm_node" "n203_0_113_11" {
  name = "/Common/203.0.113.11"
  address = "203.0.113.11"
  description = "edge02 external - Access Edge (primary IP)"
}

resource "bigip_ltm_node" "n203_0_113_20" {
  name = "/Common/203.0.113.20"
  address = "203.0.113.20"
  description = "edge01 external - Web Conferencing Edge"
}

resource "bigip_ltm_node" "n203_0_113_21" {
  name = "/Common/203.0.113.21"
  address = "203.0.113.21"
  description = "edge02 external - Web Conferencing Edge"
}

resource "bigip_ltm_node" "n203_0_113_30" {
  name = "/Common/203.0.113.30"
  address = "203.0.113.30"
  description = "edge01 external - A/V Edge"
}

resource "bigip_ltm_node" "n203_0_113_31" {
  name = "/Common/203.0.113.31"
  address = "203.0.113.31"
  description = "edge02 external - A/V Edge"
}

resource "bigip_ltm_pool" "edge_access_443_pool" {
  name = "/Common/edge_access_443_pool"
  load_balancing_mode = "least-connections-member"
  monitors = ["/Common/lync_edge_tcp_443"]
}

resource "bigip_ltm_pool_attachment" "edge_access_443_pool_n203_0_113_10_443" {
  pool = "/Common/edge_access_443_pool"
  node = "/Common/203.0.113.10:443"
}

resource "bigip_ltm_pool_attachment" "edge_access_443_pool_n203_0_113_11_443" {
  pool = "/Common/edge_access_443_pool"
  node = "/Common/203.0.113.11:443"
}

resource "bigip_ltm_pool" "edge_access_5061_pool" {
  name = "/Common/edge_access_5061_pool"
  load_balancing_mode = "least-connections-member"
  monitors = ["/Common/lync_edge_tcp_5061"]
}

resource "bigip_ltm_pool_attachment" "edge_access_5061_pool_n203_0_113_10_5061" {
  pool = "/Common/edge_access_5061_pool"
  node = "/Common/203.0.113.10:5061"
}

resource "bigip_ltm_pool_attachment" "edge_access_5061_pool_n203_0_113_11_5061" {
  pool = "/Common/edge_access_5061_pool"
  node = "/Common/203.0.113.11:5061"
}

resource "bigip_ltm_pool" "edge_av_3478_pool" {
  name = "/Common/edge_av_3478_pool"
  load_balancing_mode = "least-connections-member"
  monitors = ["/Common/lync_edge_tcp_443"]
}

resource "bigip_ltm_pool_attachment" "edge_av_3478_pool_n203_0_113_30_3478" {
  pool = "/Common/edge_av_3478_pool"
  node = "/Common/203.0.113.30:3478"
}

resource "bigip_ltm_pool_attachment" "edge_av_3478_pool_n203_0_113_31_3478" {
  pool = "/Common/edge_av_3478_pool"
  node = "/Common/203.0.113.31:3478"
}

resource "bigip_ltm_pool" "edge_av_443_pool" {
  name = "/Common/edge_av_443_pool"
  load_balancing_mode = "least-connections-member"
  monitors = ["/Common/lync_edge_tcp_443"]
}

resource "bigip_ltm_pool_attachment" "edge_av_443_pool_n203_0_113_30_443" {
  pool = "/Common/edge_av_443_pool"
  node = "/Common/203.0.113.30:443"
}

resource "bigip_ltm_pool_attachment" "edge_av_443_pool_n203_0_113_31_443" {
  pool = "/Common/edge_av_443_pool"
  node = "/Common/203.0.113.31:443"
}

resource "bigip_ltm_pool" "edge_int_3478_pool" {
  name = "/Common/edge_int_3478_pool"
  load_balancing_mode = "least-connections-member"
  monitors = ["/Common/lync_edge_tcp_443"]
}

resource "bigip_ltm_pool_attachment" "edge_int_3478_pool_n172_25_33_10_3478" {
  pool = "/Common/edge_int_3478_pool"
  node = "/Common/172.25.33.10:3478"
}

resource "bigip_ltm_pool_attachment" "edge_int_3478_pool_n172_25_33_11_3478" {
  pool = "/Common/edge_int_3478_pool"
  node = "/Common/172.25.33.11:3478"
}

resource "bigip_ltm_pool" "edge_int_443_pool" {
  name = "/Common/edge_int_443_pool"
  load_balancing_mode = "least-connections-member"
  monitors = ["/Common/lync_edge_tcp_443"]
}

resource "bigip_ltm_pool_attachment" "edge_int_443_pool_n172_25_33_10_443" {
  pool = "/Common/edge_int_443_pool"
  node = "/Common/172.25.33.10:443"
}

resource "bigip_ltm_pool_attachment" "edge_int_443_pool_n172_25_33_11_443" {
  pool = "/Common/edge_int_443_pool"
  node = "/Common/172.25.33.11:443"
}

resource "bigip_ltm_pool" "edge_int_5061_pool" {
  name = "/Common/edge_int_5061_pool"
  load_balancing_mode = "least-connections-member"
  monitors = ["/Common/lync_edge_tcp_5061"]
}

resource "bigip_ltm_pool_attachment" "edge_int_5061_pool_n172_25_33_10_5061" {
  pool = "/Common/edge_int_5061_pool"
  node = "/Common/172.25.33.10:5061"
}

resource "bigip_ltm_pool_attachment" "edge_int_5061_pool_n172_25_33_11_5061" {
  pool = "/Common/edge_int_5061_pool"
  node = "/Common/172.25.33.11:5061"
}

resource "bigip_ltm_pool" "edge_int_5062_pool" {
  name = "/Common/edge_int_5062_pool"
  load_balancing_mode = "least-connections-member"
  monitors = ["/Common/lync_edge_tcp_5062"]
}

resource "bigip_ltm_pool_attachment" "edge_int_5062_pool_n172_25_33_10_5062" {
  pool = "/Common/edge_int_5062_pool"
  node = "/Common/172.25.33.10:5062"
}

resource "bigip_ltm_pool_attachment" "edge_int_5062_pool_n172_25_33_11_5062" {
  pool = "/Common/edge_int_5062_pool"
  node = "/Common/172.25.33.11:5062"
}

resource "bigip_ltm_pool" "edge_webconf_443_pool" {
  name = "/Common/edge_webconf_443_pool"
  load_balancing_mode = "least-connections-member"
  monitors = ["/Common/lync_edge_tcp_443"]
}

resource "bigip_ltm_pool_attachment" "edge_webconf_443_pool_n203_0_113_20_443" {
  pool = "/Common/edge_webconf_443_pool"
  node = "/Common/203.0.113.20:443"
}

resource "bigip_ltm_pool_attachment" "edge_webconf_443_pool_n203_0_113_21_443" {
  pool = "/Common/edge_webconf_443_pool"
  node = "/Common/203.0.113.21:443"
}

resource "bigip_ltm_virtual_server" "edge_access_443" {
  name = "/Common/edge_access_443"
  description = "Lync Edge Access - SIP/TLS remote users"
  destination = "203.0.113.5"
  port = 443
  mask = "255.255.255.255"
  source = "0.0.0.0/0"
  ip_protocol = "tcp"
  pool = "/Common/edge_access_443_pool"
  profiles = ["/Common/lync_edge_fastl4"]
  persistence_profiles = ["/Common/lync_edge_source_addr"]
  source_address_translation = "none"
  translate_address = "enabled"
  translate_port = "enabled"
  vlans = ["/Common/external"]
  vlans_enabled = true
}

resource "bigip_ltm_virtual_server" "edge_access_5061" {
  name = "/Common/edge_access_5061"
  description = "Lync Edge Access - SIP/MTLS federation"
  destination = "203.0.113.5"
  port = 5061
  mask = "255.255.255.255"
  source = "0.0.0.0/0"
  ip_protocol = "tcp"
  pool = "/Common/edge_access_5061_pool"
  profiles = ["/Common/lync_edge_fastl4"]
  persistence_profiles = ["/Common/lync_edge_source_addr"]
  source_address_translation = "none"
  translate_address = "enabled"
  translate_port = "enabled"
  vlans = ["/Common/external"]
  vlans_enabled = true
}

resource "bigip_ltm_virtual_server" "edge_av_3478" {
  name = "/Common/edge_av_3478"
  description = "Lync Edge A/V - STUN/MSTURN over UDP"
  destination = "203.0.113.7"
  port = 3478
  mask = "255.255.255.255"
  source = "0.0.0.0/0"
  ip_protocol = "udp"
  pool = "/Common/edge_av_3478_pool"
  profiles = ["/Common/lync_edge_fastl4"]
  persistence_profiles = ["/Common/lync_edge_source_addr"]
  source_address_translation = "automap"
  translate_address = "enabled"
  translate_port = "enabled"
  vlans = ["/Common/external"]
  vlans_enabled = true
}

resource "bigip_ltm_virtual_server" "edge_av_443" {
  name = "/Common/edge_av_443"
  description = "Lync Edge A/V - MSTURN over TCP"
  destination = "203.0.113.7"
  port = 443
  mask = "255.255.255.255"
  source = "0.0.0.0/0"
  ip_protocol = "tcp"
  pool = "/Common/edge_av_443_pool"
  profiles = ["/Common/lync_edge_fastl4"]
  persistence_profiles = ["/Common/lync_edge_source_addr"]
  source_address_translation = "automap"
  translate_address = "enabled"
  translate_port = "enabled"
  vlans = ["/Common/external"]
  vlans_enabled = true
}

resource "bigip_ltm_virtual_server" "edge_int_3478" {
  name = "/Common/edge_int_3478"
  description = "Lync Edge internal - STUN/TURN over UDP"
  destination = "172.25.33.5"
  port = 3478
  mask = "255.255.255.255"
  source = "0.0.0.0/0"
  ip_protocol = "udp"
  pool = "/Common/edge_int_3478_pool"
  profiles = ["/Common/lync_edge_fastl4"]
  persistence_profiles = ["/Common/lync_edge_source_addr"]
  source_address_translation = "automap"
  translate_address = "enabled"
  translate_port = "enabled"
  vlans = ["/Common/edge_int"]
  vlans_enabled = true
}

resource "bigip_ltm_virtual_server" "edge_int_443" {
  name = "/Common/edge_int_443"
  description = "Lync Edge internal - TURN over TCP"
  destination = "172.25.33.5"
  port = 443
  mask = "255.255.255.255"
  source = "0.0.0.0/0"
  ip_protocol = "tcp"
  pool = "/Common/edge_int_443_pool"
  profiles = ["/Common/lync_edge_fastl4"]
  persistence_profiles = ["/Common/lync_edge_source_addr"]
  source_address_translation = "automap"
  translate_address = "enabled"
  translate_port = "enabled"
  vlans = ["/Common/edge_int"]
  vlans_enabled = true
}

resource "bigip_ltm_virtual_server" "edge_int_5061" {
  name = "/Common/edge_int_5061"
  description = "Lync Edge internal - SIP/MTLS from Director/FE"
  destination = "172.25.33.5"
  port = 5061
  mask = "255.255.255.255"
  source = "0.0.0.0/0"
  ip_protocol = "tcp"
  pool = "/Common/edge_int_5061_pool"
  profiles = ["/Common/lync_edge_fastl4"]
  persistence_profiles = ["/Common/lync_edge_source_addr"]
  source_address_translation = "automap"
  translate_address = "enabled"
  translate_port = "enabled"
  vlans = ["/Common/edge_int"]
  vlans_enabled = true
}

resource "bigip_ltm_virtual_server" "edge_int_5062" {
  name = "/Common/edge_int_5062"
  description = "Lync Edge internal - A/V authentication (MRAS)"
  destination = "172.25.33.5"
  port = 5062
  mask = "255.255.255.255"
  source = "0.0.0.0/0"
  ip_protocol = "tcp"
  pool = "/Common/edge_int_5062_pool"
  profiles = ["/Common/lync_edge_fastl4"]
  persistence_profiles = ["/Common/lync_edge_source_addr"]
  source_address_translation = "automap"
  translate_address = "enabled"
  translate_port = "enabled"
  vlans = ["/Common/edge_int"]
  vlans_enabled = true
}

resource "bigip_ltm_virtual_server" "edge_webconf_443" {
  name = "/Common/edge_webconf_443"
  description = "Lync Edge Web Conferencing - PSOM/TLS"
  destination = "203.0.113.6"
  port = 443
  mask = "255.255.255.255"
  source = "0.0.0.0/0"
  ip_protocol = "tcp"
  pool = "/Common/edge_webconf_443_pool"
  profiles = ["/Common/lync_edge_fastl4"]
  persistence_profiles = ["/Common/lync_edge_source_addr"]
  source_address_translation = "none"
  translate_address = "enabled"
  translate_port = "enabled"
  vlans = ["/Common/external"]
  vlans_enabled = true
}

resource "bigip_ltm_virtual_address" "n172_25_33_5" {
  name = "/Common/172.25.33.5"
  arp = true
  traffic_group = "/Common/traffic-group-1"
}

resource "bigip_ltm_virtual_address" "n203_0_113_5" {
  name = "/Common/203.0.113.5"
  arp = true
  traffic_group = "/Common/traffic-group-1"
}

resource "bigip_ltm_virtual_address" "n203_0_113_6" {
  name = "/Common/203.0.113.6"
  arp = true
  traffic_group = "/Common/traffic-group-1"
}

resource "bigip_ltm_virtual_address" "n203_0_113_7" {
  name = "/Common/203.0.113.7"
  arp = true
  traffic_group = "/Common/traffic-group-1"
}
