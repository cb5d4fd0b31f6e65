#include "cli/mount_options.h"

#include "base/duration.h"

namespace coffer::cli {

void MountOptions::Register(FlagSet& f, bool enable, bool auth) {
  f.String("description", &description, "Human-friendly description for the mount.");
  if (enable) {
    f.String("path", &path,
             "Place where the mount will be accessible. This must be unique across all "
             "mounts. This defaults to the \"type\" of the mount.");
  }
  f.Duration("default-lease-ttl", &default_lease_ttl,
             "The default lease TTL for this mount. If unspecified, this defaults to the "
             "system default.");
  f.Duration("max-lease-ttl", &max_lease_ttl,
             "The maximum lease TTL for this mount. If unspecified, this defaults to the "
             "system default.");
  f.StringSlice("audit-non-hmac-request-keys", &audit_non_hmac_request_keys,
                "Key that will not be HMAC'd by audit devices in the request data object. "
                "To specify multiple values, specify this flag multiple times.");
  f.StringSlice("audit-non-hmac-response-keys", &audit_non_hmac_response_keys,
                "Key that will not be HMAC'd by audit devices in the response data object. "
                "To specify multiple values, specify this flag multiple times.");
  f.String("listing-visibility", &listing_visibility,
           "Determines the visibility of the mount in the UI-specific listing endpoint.");
  f.StringSlice("passthrough-request-headers", &passthrough_request_headers,
                "Request header value that will be sent to the plugin. To specify multiple "
                "values, specify this flag multiple times.");
  f.StringSlice("allowed-response-headers", &allowed_response_headers,
                "Response header value that plugins will be allowed to set. To specify "
                "multiple values, specify this flag multiple times.");
  f.StringMap("options", &options,
              "Key-value pair provided as key=value for the mount options. This can be "
              "specified multiple times.");
  f.Int("version", &version, "Select the version of the engine to run (e.g. 2 for kv).");
  f.String("plugin-version", &plugin_version, "Select the semantic version of the plugin.");
  if (auth) {
    f.String("token-type", &token_type,
             "Sets a forced token type for the mount: service, batch, default-service or "
             "default-batch.");
  }
  if (!enable) return;
  f.String("plugin-name", &plugin_name,
           "Name of the plugin to enable. This defaults to the type of the mount.");
  f.Bool("local", &local,
         "Mark the mount as a local-only mount. Local mounts are not replicated nor removed "
         "by replication.");
  f.Bool("seal-wrap", &seal_wrap, "Enable seal wrapping of critical values in the mount.");
  f.Bool("external-entropy-access", &external_entropy_access,
         "Enable the mount to access the external entropy source.");
  if (!auth) {
    f.Bool("force-no-cache", &force_no_cache,
           "Force the secrets engine to disable caching. The default is false.");
  }
}

Json MountOptions::Config(const FlagSet& f) const {
  Json c = Json::object();
  if (default_lease_ttl) c["default_lease_ttl"] = FormatDuration(*default_lease_ttl);
  if (max_lease_ttl) c["max_lease_ttl"] = FormatDuration(*max_lease_ttl);
  if (f.IsSet("audit-non-hmac-request-keys"))
    c["audit_non_hmac_request_keys"] = audit_non_hmac_request_keys;
  if (f.IsSet("audit-non-hmac-response-keys"))
    c["audit_non_hmac_response_keys"] = audit_non_hmac_response_keys;
  if (f.IsSet("listing-visibility")) c["listing_visibility"] = listing_visibility;
  if (f.IsSet("passthrough-request-headers"))
    c["passthrough_request_headers"] = passthrough_request_headers;
  if (f.IsSet("allowed-response-headers")) c["allowed_response_headers"] = allowed_response_headers;
  if (f.IsSet("token-type")) c["token_type"] = token_type;
  if (f.IsSet("force-no-cache")) c["force_no_cache"] = force_no_cache;
  if (f.IsSet("plugin-version")) c["plugin_version"] = plugin_version;
  return c;
}

Json MountOptions::Options() const {
  Json o = Json::object();
  for (const auto& [k, v] : options) o[k] = v;
  if (version > 0) o["version"] = std::to_string(version);
  return o;
}

}  // namespace coffer::cli
