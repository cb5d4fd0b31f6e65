#include "cli/format.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "base/duration.h"

namespace coffer::cli {
namespace {

constexpr size_t kMaxLineLength = 78;  // Vault's maxLineLength

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Display width: UTF-8 code points, as columnize counts them.
size_t Width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

bool IsValidFormat(std::string_view f) {
  return f == "table" || f == "json" || f == "yaml" || f == "yml";
}

const Json* Find(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

Json GetJson(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  return v == nullptr ? Json() : *v;
}

std::string GetString(const Json& object, std::string_view key, std::string fallback) {
  const Json* v = Find(object, key);
  if (v == nullptr || v->is_null()) return fallback;
  return v->is_string() ? v->get<std::string>() : GoValue(*v);
}

int64_t GetInt(const Json& object, std::string_view key, int64_t fallback) {
  const Json* v = Find(object, key);
  if (v == nullptr) return fallback;
  Result<int64_t> i = JsonToInt(*v);
  return i ? *i : fallback;
}

bool GetBool(const Json& object, std::string_view key, bool fallback) {
  const Json* v = Find(object, key);
  if (v == nullptr || v->is_null()) return fallback;
  Result<bool> b = JsonToBool(*v);
  return b ? *b : fallback;
}

std::string GoValue(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "<nil>";
    case Json::value_t::string:
      return v.get<std::string>();
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + GoValue(v[i]);
      return out + "]";
    }
    case Json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        out += (first ? "" : " ") + it.key() + ":" + GoValue(it.value());
        first = false;
      }
      return out + "]";
    }
    default:
      return v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

std::string GoQuotedList(const Json& v) {
  if (v.is_null()) return "[]";
  if (!v.is_array()) return GoValue(v);
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    out += i ? " " : "";
    out += v[i].is_string() ? Json(v[i]).dump(-1, ' ', false, Json::error_handler_t::replace)
                            : GoValue(v[i]);
  }
  return out + "]";
}

std::string HumanDuration(int64_t seconds) {
  if (seconds == 0) return "0s";
  std::string s = FormatDuration(std::chrono::seconds(seconds));
  if (s.size() > 3 && s.compare(s.size() - 3, 3, "m0s") == 0) s.resize(s.size() - 2);
  size_t idx = s.find("h0m");
  if (idx != std::string::npos && idx > 0) s = s.substr(0, idx + 1) + s.substr(idx + 3);
  return s;
}

std::string HumanDurationValue(const Json& v) {
  if (v.is_number_integer()) return HumanDuration(v.get<int64_t>());
  return GoValue(v);
}

namespace {

// Parses the digits s[pos, pos+n) into *out.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return std::from_chars(s.data() + pos, s.data() + pos + n, *out).ec == std::errc();
}

}  // namespace

std::string GoTimeString(std::string_view t) {
  int year, month, day, hour, min, sec;
  if (t.size() < 20 || !Digits(t, 0, 4, &year) || t[4] != '-' || !Digits(t, 5, 2, &month) ||
      t[7] != '-' || !Digits(t, 8, 2, &day) || (t[10] != 'T' && t[10] != 't') ||
      !Digits(t, 11, 2, &hour) || t[13] != ':' || !Digits(t, 14, 2, &min) || t[16] != ':' ||
      !Digits(t, 17, 2, &sec))
    return std::string(t);
  size_t pos = 19;
  std::string frac;
  if (pos < t.size() && t[pos] == '.') {
    size_t end = pos + 1;
    while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
    if (end == pos + 1 || end - pos - 1 > 9) return std::string(t);
    frac = std::string(t.substr(pos + 1, end - pos - 1));
    pos = end;
  }
  while (!frac.empty() && frac.back() == '0') frac.pop_back();  // Go's .999999999
  std::string_view zone = t.substr(pos);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", year, month, day, hour, min,
                sec);
  std::string out = buf;
  if (!frac.empty()) out += "." + frac;
  if (zone == "Z" || zone == "z") return out + " +0000 UTC";
  int zh, zm;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || !Digits(zone, 1, 2, &zh) ||
      zone[3] != ':' || !Digits(zone, 4, 2, &zm))
    return std::string(t);
  long offset = (zh * 3600L + zm * 60L) * (zone[0] == '-' ? -1 : 1);
  std::string numeric =
      std::string(1, zone[0]) + std::string(zone.substr(1, 2)) + std::string(zone.substr(4, 2));
  // Go's time.Parse uses the local zone when it had this offset at this instant.
  struct tm utc {};
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = min;
  utc.tm_sec = sec;
  time_t instant = timegm(&utc) - offset;
  struct tm local {};
  if (localtime_r(&instant, &local) != nullptr && local.tm_gmtoff == offset &&
      local.tm_zone != nullptr && local.tm_zone[0] != '\0')
    return out + " " + numeric + " " + local.tm_zone;
  return out + " " + numeric + " " + numeric;
}

bool LooksLikeDuration(std::string_view k) {
  auto ends_with = [k](std::string_view suffix) {
    return k.size() >= suffix.size() && k.substr(k.size() - suffix.size()) == suffix;
  };
  return k == "period" || ends_with("_period") || k == "ttl" || ends_with("_ttl") ||
         k == "duration" || ends_with("_duration") || k == "lease_max" || k == "ttl_max";
}

std::string Columnize(const Rows& rows) {
  std::vector<size_t> widths;
  Rows cells = rows;
  for (auto& row : cells) {
    for (size_t i = 0; i < row.size(); ++i) {
      row[i] = Trim(row[i]);
      if (row[i].empty()) row[i] = "n/a";
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  std::string out;
  for (size_t r = 0; r < cells.size(); ++r) {
    if (r > 0) out += "\n";
    const auto& row = cells[r];
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(widths[i] - Width(row[i]) + 4, ' ');
    }
  }
  return out;
}

std::string TableOutput(Rows rows) {
  if (rows.empty()) return "";
  std::vector<std::string> underline;
  for (const std::string& h : rows[0]) underline.push_back(std::string(Width(Trim(h)), '-'));
  rows.insert(rows.begin() + 1, underline);
  return Columnize(rows);
}

std::string SecretTable(const Json& secret) {
  Rows rows;
  auto add = [&rows](std::string_view k, std::string v) {
    rows.push_back({std::string(k), std::move(v)});
  };
  int64_t lease_duration = GetInt(secret, "lease_duration");
  if (lease_duration > 0) {
    std::string lease_id = GetString(secret, "lease_id");
    if (!lease_id.empty()) {
      add("lease_id", lease_id);
      add("lease_duration", HumanDuration(lease_duration));
      add("lease_renewable", GetBool(secret, "renewable") ? "true" : "false");
    } else {
      add("refresh_interval", HumanDuration(lease_duration));
    }
  }
  const Json* auth = Find(secret, "auth");
  if (auth != nullptr && auth->is_object()) {
    int64_t ttl = GetInt(*auth, "lease_duration");
    add("token", GetString(*auth, "client_token"));
    add("token_accessor", GetString(*auth, "accessor"));
    add("token_duration", ttl == 0 ? "∞" : HumanDuration(ttl));
    add("token_renewable", GetBool(*auth, "renewable") ? "true" : "false");
    const Json null_json;
    const Json* tp = Find(*auth, "token_policies");
    const Json* ip = Find(*auth, "identity_policies");
    const Json* p = Find(*auth, "policies");
    add("token_policies", GoQuotedList(tp ? *tp : null_json));
    add("identity_policies", GoQuotedList(ip ? *ip : null_json));
    add("policies", GoQuotedList(p ? *p : null_json));
    const Json* meta = Find(*auth, "metadata");
    if (meta != nullptr && meta->is_object()) {
      for (auto it = meta->begin(); it != meta->end(); ++it)
        add("token_meta_" + it.key(), GoValue(it.value()));
    }
  }
  const Json* wrap = Find(secret, "wrap_info");
  if (wrap != nullptr && wrap->is_object()) {
    const Json* ttl = Find(*wrap, "ttl");
    add("wrapping_token:", GetString(*wrap, "token"));
    add("wrapping_accessor:", GetString(*wrap, "accessor"));
    add("wrapping_token_ttl:", ttl ? HumanDurationValue(*ttl) : "0s");
    std::string created = GetString(*wrap, "creation_time");
    add("wrapping_token_creation_time:",
        created.empty() ? "0001-01-01 00:00:00 +0000 UTC" : GoTimeString(created));
    add("wrapping_token_creation_path:", GetString(*wrap, "creation_path"));
    std::string wrapped = GetString(*wrap, "wrapped_accessor");
    if (!wrapped.empty()) add("wrapped_accessor:", wrapped);
  }
  const Json* data = Find(secret, "data");
  if (data != nullptr && data->is_object()) {
    for (auto it = data->begin(); it != data->end(); ++it) {
      add(it.key(),
          LooksLikeDuration(it.key()) ? HumanDurationValue(it.value()) : GoValue(it.value()));
    }
  }
  if (rows.empty()) return "";
  rows.insert(rows.begin(), {"Key", "Value"});
  return TableOutput(rows);
}

std::string MapTable(const Json& object) {
  if (!object.is_object() || object.empty()) return "";
  Rows rows = {{"Key", "Value"}};
  for (auto it = object.begin(); it != object.end(); ++it) {
    rows.push_back({it.key(), LooksLikeDuration(it.key()) ? HumanDurationValue(it.value())
                                                          : GoValue(it.value())});
  }
  return TableOutput(rows);
}

std::string ListTable(const Json& keys, const Json* key_info) {
  std::vector<std::string> names;
  if (keys.is_array()) {
    for (const Json& k : keys) names.push_back(k.is_string() ? k.get<std::string>() : GoValue(k));
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> headers;
  if (key_info != nullptr && key_info->is_object()) {
    for (const std::string& n : names) {
      const Json* info = Find(*key_info, n);
      if (info == nullptr || !info->is_object()) continue;
      for (auto it = info->begin(); it != info->end(); ++it) {
        if (std::find(headers.begin(), headers.end(), it.key()) == headers.end())
          headers.push_back(it.key());
      }
    }
    std::sort(headers.begin(), headers.end());
  }
  Rows rows;
  rows.push_back({"Keys"});
  rows[0].insert(rows[0].end(), headers.begin(), headers.end());
  for (const std::string& n : names) {
    std::vector<std::string> row = {n};
    const Json* info = headers.empty() ? nullptr : Find(*key_info, n);
    for (const std::string& h : headers) {
      const Json* v = info ? Find(*info, h) : nullptr;
      row.push_back(v == nullptr           ? "n/a"
                    : LooksLikeDuration(h) ? HumanDurationValue(*v)
                                           : GoValue(*v));
    }
    rows.push_back(std::move(row));
  }
  return TableOutput(rows);
}

std::string WarningsText(const Json& secret) {
  const Json* warnings = Find(secret, "warnings");
  if (warnings == nullptr || !warnings->is_array() || warnings->empty()) return "";
  std::string out = "WARNING! The following warnings were returned from Vault:\n\n";
  for (const Json& w : *warnings) {
    out += WrapAtLength("* " + (w.is_string() ? w.get<std::string>() : GoValue(w)), 2);
    out += "\n\n";
  }
  return out;
}

std::string FormatJson(const Json& v) {
  return v.dump(2, ' ', false, Json::error_handler_t::replace);
}

std::string FormatFieldValue(const Json& v, std::string_view format) {
  if (format == "json") return FormatJson(v);
  if (format == "yaml" || format == "yml") return FormatYaml(v);
  return GoValue(v);
}

std::optional<Json> SecretField(const Json& secret, std::string_view field) {
  auto from_data = [&]() -> std::optional<Json> {
    const Json* data = Find(secret, "data");
    const Json* v = data ? Find(*data, field) : nullptr;
    if (v == nullptr || v->is_null()) return std::nullopt;
    return *v;
  };
  auto from = [](const Json& obj, std::string_view key) -> std::optional<Json> {
    const Json* v = Find(obj, key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    return *v;
  };
  const Json* auth = Find(secret, "auth");
  const Json* wrap = Find(secret, "wrap_info");
  if (auth != nullptr && auth->is_object()) {
    if (field == "token") return from(*auth, "client_token");
    if (field == "token_accessor") return from(*auth, "accessor");
    if (field == "token_duration") return from(*auth, "lease_duration");
    if (field == "token_renewable") return from(*auth, "renewable");
    if (field == "token_policies" || field == "identity_policies" || field == "policies")
      return from(*auth, field);
    return from_data();
  }
  if (wrap != nullptr && wrap->is_object()) {
    if (field == "wrapping_token") return from(*wrap, "token");
    if (field == "wrapping_accessor") return from(*wrap, "accessor");
    if (field == "wrapping_token_ttl") return from(*wrap, "ttl");
    if (field == "wrapping_token_creation_time") return from(*wrap, "creation_time");
    if (field == "wrapping_token_creation_path") return from(*wrap, "creation_path");
    if (field == "wrapped_accessor") return from(*wrap, "wrapped_accessor");
    return from_data();
  }
  if (field == "lease_duration" || field == "refresh_interval")
    return from(secret, "lease_duration");
  if (field == "lease_id" || field == "request_id" || field == "renewable")
    return from(secret, field);
  if (field == "data") {
    if (std::optional<Json> inner = from_data()) return inner;
    return from(secret, "data");
  }
  return from_data();
}

std::string PadEqualSigns(std::string_view header, size_t total_len) {
  int64_t signs = static_cast<int64_t>(total_len) - static_cast<int64_t>(header.size() + 2);
  if (signs <= 0) signs = 4;
  if (signs % 2 != 0) ++signs;
  std::string side(static_cast<size_t>(signs / 2), '=');
  return side + " " + std::string(header) + " " + side;
}

std::string HeaderForMap(std::string_view header, const Json& object) {
  size_t max_key = 0;
  if (object.is_object()) {
    for (auto it = object.begin(); it != object.end(); ++it)
      max_key = std::max(max_key, it.key().size());
  }
  return PadEqualSigns(header, max_key + 4 + 5);  // column gap + len("Value")
}

std::string WrapAtLength(std::string_view text, size_t pad) {
  size_t limit = kMaxLineLength > pad ? kMaxLineLength - pad : 1;
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view para = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
    std::string line;
    size_t i = 0;
    bool first_line = true;
    auto flush = [&] {
      out += (first_line ? "" : "\n") + std::string(pad, ' ') + line;
      first_line = false;
      line.clear();
    };
    while (i < para.size()) {
      while (i < para.size() && para[i] == ' ') ++i;
      size_t j = para.find(' ', i);
      if (j == std::string_view::npos) j = para.size();
      std::string_view word = para.substr(i, j - i);
      i = j;
      if (word.empty()) continue;
      if (!line.empty() && line.size() + 1 + word.size() > limit) flush();
      line += (line.empty() ? "" : " ") + std::string(word);
    }
    flush();
    if (nl == std::string_view::npos) break;
    out += "\n";
    start = nl + 1;
  }
  return out;
}

}  // namespace coffer::cli
