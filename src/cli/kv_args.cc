#include "cli/kv_args.h"

#include <sstream>

#include "cli/format.h"
#include "cli/io.h"

namespace coffer::cli {
namespace {

class Builder {
 public:
  explicit Builder(std::istream* in) : in_(in) {}

  Status Add(const std::string& raw) {
    if (raw.empty()) return Status::Ok();
    size_t eq = raw.find('=');
    if (eq == std::string::npos) {
      if (raw == "-") {
        Result<std::string> text = TakeStdin();
        if (!text) return text.error();
        return Merge(*text, "stdin");
      }
      if (raw[0] == '@') {
        Result<std::string> text = ReadFileContents(raw.substr(1));
        if (!text) return text.error();
        return Merge(*text, raw.substr(1));
      }
      return InvalidArgument("format must be key=value");
    }
    std::string key = raw.substr(0, eq);
    std::string value = raw.substr(eq + 1);
    if (!value.empty() && value[0] == '@') {
      Result<std::string> text = ReadFileContents(value.substr(1));
      if (!text) return text.error();
      value = *text;
    } else if (value.size() > 1 && value[0] == '\\' && value[1] == '@') {
      value = value.substr(1);
    } else if (value == "-") {
      Result<std::string> text = TakeStdin();
      if (!text) return text.error();
      value = *text;
    }
    Set(key, Json(value));
    return Status::Ok();
  }

  Json result() const { return result_; }

 private:
  Result<std::string> TakeStdin() {
    if (in_ == nullptr) return Err(InvalidArgument("stdin is not supported"));
    if (stdin_used_) return Err(InvalidArgument("stdin already consumed"));
    stdin_used_ = true;
    return ReadAll(*in_);
  }

  void Set(const std::string& key, Json value) {
    auto it = result_.find(key);
    if (it == result_.end()) {
      result_[key] = std::move(value);
      return;
    }
    if (!it->is_array()) *it = Json::array({*it});
    it->push_back(std::move(value));
  }

  // A JSON object is merged key by key; otherwise whitespace-separated k=v pairs.
  Status Merge(const std::string& text, const std::string& source) {
    Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) {
      if (!parsed.is_object())
        return InvalidArgument("the JSON read from " + source + " is not an object");
      for (auto it = parsed.begin(); it != parsed.end(); ++it) result_[it.key()] = it.value();
      return Status::Ok();
    }
    std::istringstream words(text);
    std::string word;
    while (words >> word) {
      size_t eq = word.find('=');
      if (eq == std::string::npos)
        return InvalidArgument("failed to parse " + source + ": expected JSON or key=value");
      Set(word.substr(0, eq), Json(word.substr(eq + 1)));
    }
    return Status::Ok();
  }

  std::istream* in_;
  bool stdin_used_ = false;
  Json result_ = Json::object();
};

}  // namespace

Result<Json> ParseArgsData(std::istream* in, const std::vector<std::string>& args) {
  Builder b(in);
  for (const std::string& a : args) COFFER_RETURN_IF_ERROR(b.Add(a));
  return b.result();
}

Result<api::QueryParams> ParseArgsQuery(std::istream* in, const std::vector<std::string>& args) {
  COFFER_ASSIGN_OR_RETURN(Json data, ParseArgsData(in, args));
  api::QueryParams q;
  for (auto it = data.begin(); it != data.end(); ++it) {
    if (it->is_array()) {
      for (const Json& v : *it) q.emplace_back(it.key(), GoValue(v));
    } else {
      q.emplace_back(it.key(), GoValue(*it));
    }
  }
  return q;
}

}  // namespace coffer::cli
