#include "auth/tokenutil.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace coffer::auth {

namespace {

using framework::FieldSchema;
using framework::FieldType;

Json Seconds(std::chrono::seconds s) { return s.count(); }

std::chrono::seconds SecondsField(const Json& j, const char* name) {
  return std::chrono::seconds(
      j.contains(name) && j[name].is_number_integer() ? j[name].get<int64_t>() : 0);
}

}  // namespace

void TokenParams::AddFields(framework::FieldSchemas* fields) {
  fields->emplace("token_bound_cidrs",
                  FieldSchema(FieldType::kCommaStringSlice, nullptr,
                              "Comma separated string or JSON list of CIDR blocks. If set, "
                              "specifies the blocks of IP addresses which are allowed to use "
                              "the generated token."));
  fields->emplace("token_explicit_max_ttl", FieldSchema(FieldType::kDurationSecond));
  fields->emplace("token_max_ttl", FieldSchema(FieldType::kDurationSecond, nullptr,
                                               "The maximum lifetime of the generated token"));
  fields->emplace("token_no_default_policy", FieldSchema(FieldType::kBool));
  fields->emplace("token_period", FieldSchema(FieldType::kDurationSecond));
  fields->emplace("token_policies", FieldSchema(FieldType::kCommaStringSlice, nullptr,
                                                "Comma-separated list of policies"));
  fields->emplace("token_type", FieldSchema(FieldType::kString, "default-service",
                                            "The type of token to generate, service or batch"));
  fields->emplace("token_ttl", FieldSchema(FieldType::kDurationSecond, nullptr,
                                           "The initial ttl of the token to generate"));
  fields->emplace("token_num_uses", FieldSchema(FieldType::kInt));
}

Status TokenParams::Parse(const framework::FieldData& d) {
  if (auto v = d.GetOk("token_bound_cidrs")) {
    auto cidrs = v->get<std::vector<std::string>>();
    Status st = ValidateCidrs(cidrs);
    if (!st.ok()) return st;
    bound_cidrs = std::move(cidrs);
  }
  if (auto v = d.GetOk("token_explicit_max_ttl"))
    explicit_max_ttl = std::chrono::seconds(v->get<int64_t>());
  if (auto v = d.GetOk("token_max_ttl")) max_ttl = std::chrono::seconds(v->get<int64_t>());
  if (auto v = d.GetOk("token_no_default_policy")) no_default_policy = v->get<bool>();
  if (auto v = d.GetOk("token_period")) period = std::chrono::seconds(v->get<int64_t>());
  if (auto v = d.GetOk("token_policies")) policies = v->get<std::vector<std::string>>();
  if (auto v = d.GetOk("token_type")) {
    std::string t = v->get<std::string>();
    if (t.empty()) t = "default";
    if (t != "default" && t != "service" && t != "batch" && t != "default-service" &&
        t != "default-batch")
      return InvalidArgument("invalid 'token_type' value \"" + t + "\"");
    type = t;
  }
  if (auto v = d.GetOk("token_num_uses")) num_uses = v->get<int64_t>();
  if (num_uses < 0) return InvalidArgument("'token_num_uses' cannot be negative");
  if (IsBatch() && period.count() != 0)
    return InvalidArgument(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
  if (IsBatch() && num_uses != 0)
    return InvalidArgument(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with "
        "limited use count");
  if (auto v = d.GetOk("token_ttl")) ttl = std::chrono::seconds(v->get<int64_t>());
  if (ttl.count() > 0 && max_ttl.count() > 0 && ttl > max_ttl)
    return InvalidArgument("'token_ttl' cannot be greater than 'token_max_ttl'");
  return Status::Ok();
}

void TokenParams::PopulateData(Json* out) const {
  Json& o = *out;
  o["token_bound_cidrs"] = bound_cidrs;
  o["token_explicit_max_ttl"] = Seconds(explicit_max_ttl);
  o["token_max_ttl"] = Seconds(max_ttl);
  o["token_no_default_policy"] = no_default_policy;
  o["token_period"] = Seconds(period);
  o["token_policies"] = policies;
  o["token_type"] = type;
  o["token_ttl"] = Seconds(ttl);
  o["token_num_uses"] = num_uses;
}

Result<TokenParams> TokenParams::FromJson(const Json& j) {
  if (!j.is_object()) return Err(Corruption("token params: not an object"));
  TokenParams p;
  p.bound_cidrs = StringArrayField(j, "token_bound_cidrs");
  p.explicit_max_ttl = SecondsField(j, "token_explicit_max_ttl");
  p.max_ttl = SecondsField(j, "token_max_ttl");
  p.no_default_policy = j.value("token_no_default_policy", false);
  p.period = SecondsField(j, "token_period");
  p.policies = StringArrayField(j, "token_policies");
  p.type = j.value("token_type", std::string("default"));
  p.ttl = SecondsField(j, "token_ttl");
  p.num_uses = j.value("token_num_uses", int64_t{0});
  return p;
}

void TokenParams::ApplyTo(core::Auth* auth) const {
  auth->policies = policies;
  auth->token_policies = policies;
  auth->ttl = ttl;
  auth->max_ttl = max_ttl;
  auth->explicit_max_ttl = explicit_max_ttl;
  auth->period = period;
  auth->num_uses = num_uses;
  auth->renewable = true;
  auth->token_type = IsBatch() ? core::TokenType::kBatch : core::TokenType::kService;
  if (!auth->internal_data.is_object()) auth->internal_data = Json::object();
  auth->internal_data["token_bound_cidrs"] = bound_cidrs;
  auth->internal_data["token_no_default_policy"] = no_default_policy;
}

void LegacyTokenFields::AddFields(framework::FieldSchemas* fields) {
  const std::string note = "Deprecated: use the token_ field of the same meaning instead.";
  fields->emplace("policies", FieldSchema(FieldType::kCommaStringSlice, nullptr, note));
  fields->emplace("ttl", FieldSchema(FieldType::kDurationSecond, nullptr, note));
  fields->emplace("max_ttl", FieldSchema(FieldType::kDurationSecond, nullptr, note));
  fields->emplace("bound_cidrs", FieldSchema(FieldType::kCommaStringSlice, nullptr, note));
}

Status LegacyTokenFields::Upgrade(const framework::FieldData& d, TokenParams* params) {
  auto upgrade = [&d](const char* old_key, const char* new_key, auto* old_val, auto* new_val,
                      auto convert) {
    using T = std::decay_t<decltype(*old_val)>;
    if (!d.GetOk(new_key)) {
      if (auto raw = d.GetOk(old_key)) *old_val = *new_val = convert(*raw);
    } else {
      *old_val = d.GetOk(old_key) ? *new_val : T{};
    }
  };
  auto to_seconds = [](const Json& v) { return std::chrono::seconds(v.get<int64_t>()); };
  auto to_list = [](const Json& v) { return v.get<std::vector<std::string>>(); };
  auto to_policies = [](const Json& v) {
    return SanitizePolicies(v.get<std::vector<std::string>>());
  };
  if (auto raw = d.GetOk("bound_cidrs")) {
    Status st = ValidateCidrs(raw->get<std::vector<std::string>>());
    if (!st.ok()) return st;
  }
  upgrade("policies", "token_policies", &policies, &params->policies, to_policies);
  upgrade("ttl", "token_ttl", &ttl, &params->ttl, to_seconds);
  upgrade("max_ttl", "token_max_ttl", &max_ttl, &params->max_ttl, to_seconds);
  upgrade("bound_cidrs", "token_bound_cidrs", &bound_cidrs, &params->bound_cidrs, to_list);
  return Status::Ok();
}

void LegacyTokenFields::PopulateData(const TokenParams& params, Json* out) const {
  if (ttl.count() > 0) (*out)["ttl"] = ttl.count();
  if (max_ttl.count() > 0) (*out)["max_ttl"] = max_ttl.count();
  if (!policies.empty()) (*out)["policies"] = params.policies;
  if (!bound_cidrs.empty()) (*out)["bound_cidrs"] = bound_cidrs;
}

void LegacyTokenFields::ToJson(Json* out) const {
  (*out)["policies"] = policies;
  (*out)["ttl"] = ttl.count();
  (*out)["max_ttl"] = max_ttl.count();
  (*out)["bound_cidrs"] = bound_cidrs;
}

LegacyTokenFields LegacyTokenFields::FromJson(const Json& j) {
  LegacyTokenFields l;
  if (!j.is_object()) return l;
  l.policies = StringArrayField(j, "policies");
  l.ttl = SecondsField(j, "ttl");
  l.max_ttl = SecondsField(j, "max_ttl");
  l.bound_cidrs = StringArrayField(j, "bound_cidrs");
  return l;
}

void LegacyTokenFields::FillUnset(TokenParams* params) const {
  if (params->ttl.count() == 0 && ttl.count() > 0) params->ttl = ttl;
  if (params->max_ttl.count() == 0 && max_ttl.count() > 0) params->max_ttl = max_ttl;
  if (params->policies.empty() && !policies.empty()) params->policies = policies;
  if (params->bound_cidrs.empty() && !bound_cidrs.empty()) params->bound_cidrs = bound_cidrs;
}

std::vector<std::string> SanitizePolicies(const std::vector<std::string>& policies) {
  std::set<std::string> out;
  for (std::string p : policies) {
    size_t b = p.find_first_not_of(" \t\r\n");
    size_t e = p.find_last_not_of(" \t\r\n");
    if (b == std::string::npos) continue;
    p = p.substr(b, e - b + 1);
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
    out.insert(p);
  }
  return {out.begin(), out.end()};
}

bool EquivalentPolicies(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  auto normalise = [](const std::vector<std::string>& v) {
    std::set<std::string> s(v.begin(), v.end());
    s.erase("default");
    return s;
  };
  return normalise(a) == normalise(b);
}

}  // namespace coffer::auth
