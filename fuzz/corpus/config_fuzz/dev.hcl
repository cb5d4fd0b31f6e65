storage "inmem" {}
listener "tcp" { address = "127.0.0.1:8200" tls_disable = "true" }
seal "shamir" { disabled = false }
default_lease_ttl = "768h"
max_lease_ttl = 2764800
disable_mlock = 1
