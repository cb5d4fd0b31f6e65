storage "raft" {
  path = "/var/lib/coffer/data"
  node_id = "node1"
  performance_multiplier = 1
  trailing_logs = 10000
  snapshot_threshold = 8192
}
listener "tcp" {
  address = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8201"
  tls_cert_file = "/etc/coffer/tls/server.crt"
  tls_key_file = "/etc/coffer/tls/server.key"
  tls_min_version = "tls12"
}
listener "tcp" {
  address = "127.0.0.1:8210"
  tls_cert_file = "/etc/coffer/tls/server.crt"
  tls_key_file = "/etc/coffer/tls/server.key"
  tls_min_version = "tls12"
}
telemetry { prometheus_retention_time = "30s"  disable_hostname = true }
api_addr = "https://10.0.1.10:8200"
cluster_addr = "https://10.0.1.10:8201"
ui = true
log_level = "info"
