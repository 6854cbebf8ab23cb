resource "bigip_as3" "edge_forwarding" {
  as3_json = jsonencode({
    "action": "deploy",
    "class": "AS3",
    "declaration": {
      "Common": {
        "Shared": {
          "class": "Application",
          "edge_inbound_fwd": {
            "allowVlans": [
              {
                "bigip": "/Common/external"
              }
            ],
            "class": "Service_Forwarding",
            "forwardingType": "ip",
            "layer4": "any",
            "profileL4": {
              "bigip": "/Common/edge_fwd_fastl4"
            },
            "remark": "Inbound: Internet to each Edge external IP (direct A/V, no translation)",
            "snat": "none",
            "virtualAddresses": [
              [
                "203.0.113.0/26",
                "0.0.0.0/0"
              ]
            ],
            "virtualPort": 0
          },
          "edge_outbound_fwd": {
            "allowVlans": [
              {
                "bigip": "/Common/edge_dmz"
              }
            ],
            "class": "Service_Forwarding",
            "forwardingType": "ip",
            "layer4": "any",
            "profileL4": {
              "bigip": "/Common/edge_fwd_fastl4"
            },
            "remark": "Outbound: Edge-initiated traffic to the Internet, no SNAT",
            "snat": "none",
            "virtualAddresses": [
              [
                "0.0.0.0/0",
                "203.0.113.0/26"
              ]
            ],
            "virtualPort": 0
          },
          "template": "shared"
        },
        "class": "Tenant"
      },
      "class": "ADC",
      "id": "lync-edge-forwarding",
      "schemaVersion": "3.56.0"
    },
    "persist": true
  })
}

resource "bigip_command" "edge_dmz_reject" {
  commands = ["create ltm virtual /Common/edge_dmz_reject_edge_int destination 172.25.33.0:0 mask 255.255.255.0 source 0.0.0.0/0 reject profiles add { /Common/fastL4 } vlans add { /Common/edge_dmz } vlans-enabled", "create ltm virtual /Common/edge_dmz_reject_internal destination 10.0.0.0:0 mask 255.0.0.0 source 0.0.0.0/0 reject profiles add { /Common/fastL4 } vlans add { /Common/edge_dmz } vlans-enabled"]
}
