#pragma once
// The token settings every auth method's roles/users carry (Vault's sdk/helper/tokenutil):
// token_ttl, token_max_ttl, token_policies, token_bound_cidrs, token_explicit_max_ttl,
// token_no_default_policy, token_num_uses, token_period, token_type. A backend adds the
// fields to a path's schema, parses a request into TokenParams, stores TokenParams::ToJson
// with its entry, returns the same JSON from reads, and applies the params to the Auth of
// a login.
//
// Thread-safety: plain values and pure functions.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/cidr.h"
#include "base/json.h"
#include "base/status.h"
#include "core/logical.h"
#include "framework/field_data.h"

namespace coffer::auth {

struct TokenParams {
  std::vector<std::string> bound_cidrs;  // validated IPs / CIDR blocks, as written
  std::chrono::seconds explicit_max_ttl{0};
  std::chrono::seconds max_ttl{0};
  bool no_default_policy = false;
  int64_t num_uses = 0;
  std::chrono::seconds period{0};
  std::vector<std::string> policies;
  // "default", "service", "batch", "default-service" or "default-batch".
  std::string type = "default";
  std::chrono::seconds ttl{0};

  // Adds the token_* field schemas to `fields` (existing entries are left alone).
  static void AddFields(framework::FieldSchemas* fields);

  // Sets every token_* field present in `d` and checks the combination, with Vault's
  // messages ("'token_ttl' cannot be greater than 'token_max_ttl'", ...).
  Status Parse(const framework::FieldData& d);

  // The token_* keys as Vault's PopulateTokenData writes them into a read response
  // (durations in seconds, empty lists as []). Also the stored form.
  void PopulateData(Json* out) const;
  static Result<TokenParams> FromJson(const Json& stored);

  // Fills a login's Auth: policies, TTLs, period, num_uses, token type, renewable.
  // core::Auth has no place yet for bound_cidrs and no_default_policy; those two are
  // carried in auth->internal_data under "token_bound_cidrs" / "token_no_default_policy"
  // for Core's token store to honour.
  void ApplyTo(core::Auth* auth) const;

  bool IsBatch() const { return type == "batch" || type == "default-batch"; }
};

// The deprecated pre-tokenutil fields (policies, ttl, max_ttl, bound_cidrs) that older
// clients still send, kept so reads echo them as Vault does.
struct LegacyTokenFields {
  std::vector<std::string> policies;
  std::chrono::seconds ttl{0};
  std::chrono::seconds max_ttl{0};
  std::vector<std::string> bound_cidrs;

  static void AddFields(framework::FieldSchemas* fields);

  // Vault's tokenutil.UpgradeValue for each pair: a legacy field sent without its token_*
  // counterpart sets both; with it, the legacy copy mirrors the new value; the token_*
  // field alone clears the legacy copy.
  Status Upgrade(const framework::FieldData& d, TokenParams* params);

  // Adds the legacy keys that are set to a read response.
  void PopulateData(const TokenParams& params, Json* out) const;
  void ToJson(Json* out) const;
  static LegacyTokenFields FromJson(const Json& stored);
  // Entries written before token_* existed: legacy values fill unset token_* ones.
  void FillUnset(TokenParams* params) const;
};

// Vault's policyutil.ParsePolicies: trimmed, lower-cased, de-duplicated, sorted, no
// empty names.
std::vector<std::string> SanitizePolicies(const std::vector<std::string>& policies);

// Vault's policyutil.EquivalentPolicies: the same set once "default" is ignored.
bool EquivalentPolicies(const std::vector<std::string>& a, const std::vector<std::string>& b);

// IP/CIDR validation and matching live in base/cidr.h (Core checks token_bound_cidrs too).
using ::coffer::RemoteAddrAllowed;
using ::coffer::ValidateCidrs;

}  // namespace coffer::auth
