resource "bigip_net_vlan" "edge_dmz" {
  name = "/Common/edge_dmz"
  tag = 110
  interfaces {
    vlanport = "1.2"
    tagged = false
  }
}

resource "bigip_net_vlan" "edge_int" {
  name = "/Common/edge_int"
  tag = 120
  interfaces {
    vlanport = "1.3"
    tagged = false
  }
}

resource "bigip_net_vlan" "external" {
  name = "/Common/external"
  tag = 101
  interfaces {
    vlanport = "1.1"
    tagged = false
  }
}

resource "bigip_net_vlan" "ha" {
  name = "/Common/ha"
  tag = 4000
  interfaces {
    vlanport = "1.4"
    tagged = false
  }
}

resource "bigip_net_selfip" "edge_dmz_float" {
  name = "/Common/edge_dmz_float"
  ip = "203.0.113.1/26"
  vlan = "/Common/edge_dmz"
  traffic_group = "traffic-group-1"
  port_lockdown = ["none"]
}

resource "bigip_net_selfip" "edge_dmz_self" {
  name = "/Common/edge_dmz_self"
  ip = "203.0.113.2/26"
  vlan = "/Common/edge_dmz"
  traffic_group = "traffic-group-local-only"
  port_lockdown = ["none"]
}

resource "bigip_net_selfip" "edge_int_float" {
  name = "/Common/edge_int_float"
  ip = "172.25.33.1/24"
  vlan = "/Common/edge_int"
  traffic_group = "traffic-group-1"
  port_lockdown = ["none"]
}

resource "bigip_net_selfip" "edge_int_self" {
  name = "/Common/edge_int_self"
  ip = "172.25.33.2/24"
  vlan = "/Common/edge_int"
  traffic_group = "traffic-group-local-only"
  port_lockdown = ["none"]
}

resource "bigip_net_selfip" "external_float" {
  name = "/Common/external_float"
  ip = "198.51.100.5/24"
  vlan = "/Common/external"
  traffic_group = "traffic-group-1"
  port_lockdown = ["none"]
}

resource "bigip_net_selfip" "external_self" {
  name = "/Common/external_self"
  ip = "198.51.100.2/24"
  vlan = "/Common/external"
  traffic_group = "traffic-group-local-only"
  port_lockdown = ["none"]
}

resource "bigip_net_selfip" "ha_self" {
  name = "/Common/ha_self"
  ip = "192.168.255.1/30"
  vlan = "/Common/ha"
  traffic_group = "traffic-group-local-only"
  port_lockdown = ["default"]
}

resource "bigip_net_route" "default_gw" {
  name = "/Common/default_gw"
  network = "0.0.0.0/0"
  gw = "198.51.100.1"
}

resource "bigip_net_route" "internal_clients" {
  name = "/Common/internal_clients"
  network = "10.0.0.0/8"
  gw = "172.25.33.254"
}

resource "bigip_cm_devicegroup" "dg1" {
  name = "/Common/dg1"
  type = "sync-failover"
  auto_sync = "enabled"
  device {
    name = "/Common/bigip1.example.com"
  }
  device {
    name = "/Common/bigip2.example.com"
  }
}
