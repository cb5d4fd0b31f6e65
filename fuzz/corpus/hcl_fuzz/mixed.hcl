# comment
// comment
/* block */ a = 1
b = 0x1F
c = 017
d = 1.5e3
e = [1, "two", true, ]
f = { g = "h\n\u00e9" }
"quoted key" = false
k: "colon"
block "l1" l2 { x = <<EOF
heredoc
EOF
  y = <<-EOT
    indented
    EOT
}
