#include "framework/backend.h"

namespace coffer::framework {

std::string GenericNameRegex(const std::string& name) {
  return "(?P<" + name + ">\\w(([\\w-.]+)?\\w)?)";
}
std::string OptionalTrailingSlash() { return "/?"; }
std::string MatchAllRegex(const std::string& name) { return "(?P<" + name + ">.*)"; }

std::string ConvertGoRegex(const std::string& go, std::vector<std::string>* names) {
  std::string out;
  out.reserve(go.size());
  for (size_t i = 0; i < go.size(); ++i) {
    char c = go[i];
    if (c == '\\' && i + 1 < go.size()) {
      out += c;
      out += go[++i];
      continue;
    }
    if (c == '[') {  // copy a character class verbatim; '-' after \w is literal in Go
      size_t j = i + 1;
      if (j < go.size() && go[j] == '^') ++j;
      if (j < go.size() && go[j] == ']') ++j;
      while (j < go.size() && go[j] != ']') {
        if (go[j] == '\\') ++j;
        ++j;
      }
      std::string cls = go.substr(i, j - i + 1);
      // ECMAScript rejects a range like "\w-." — escape a '-' that follows a class escape.
      std::string fixed;
      for (size_t k = 0; k < cls.size(); ++k) {
        if (cls[k] == '-' && k >= 2 && cls[k - 2] == '\\' && k + 1 < cls.size() &&
            cls[k + 1] != ']')
          fixed += "\\-";
        else
          fixed += cls[k];
      }
      out += fixed;
      i = j;
      continue;
    }
    if (c == '(') {
      if (go.compare(i, 4, "(?P<") == 0) {
        size_t end = go.find('>', i);
        names->push_back(go.substr(i + 4, end - i - 4));
        out += '(';
        i = end;
        continue;
      }
      if (go.compare(i, 2, "(?") == 0) {  // non-capturing or flags: not a group
        out += c;
        continue;
      }
      names->push_back("");
    }
    out += c;
  }
  return out;
}

void Backend::AddPaths(std::vector<Path> paths) {
  for (auto& p : paths) {
    auto cp = std::make_unique<CompiledPath>();
    std::string ecma = "^" + ConvertGoRegex(p.pattern, &cp->group_names) + "$";
    try {
      cp->re = std::regex(ecma, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      init_status_ = Internal("bad path pattern \"" + p.pattern + "\": " + e.what());
      continue;
    }
    cp->path = std::move(p);
    paths_.push_back(std::move(cp));
  }
}

const Backend::CompiledPath* Backend::Match(const std::string& path, Json* fields) const {
  for (const auto& cp : paths_) {
    std::smatch m;
    if (!std::regex_match(path, m, cp->re)) continue;
    for (size_t g = 1; g < m.size() && g - 1 < cp->group_names.size(); ++g) {
      const std::string& name = cp->group_names[g - 1];
      if (name.empty() || !m[g].matched) continue;
      (*fields)[name] = m[g].str();
    }
    return cp.get();
  }
  return nullptr;
}

Result<core::Response> Backend::HandleRequest(core::Request& req) {
  Json fields = req.data.is_object() ? req.data : Json::object();
  const CompiledPath* cp = Match(req.path, &fields);
  if (cp == nullptr) return Err(NotFound("unsupported path"));
  auto& ops = cp->path.operations;
  auto it = ops.find(req.operation);
  if (it == ops.end() && req.operation == core::Operation::kCreate)
    it = ops.find(core::Operation::kUpdate);
  else if (it == ops.end() && req.operation == core::Operation::kUpdate)
    it = ops.find(core::Operation::kCreate);
  if (it == ops.end()) {
    if (req.operation == core::Operation::kHelp) {
      Json help = {{"help", cp->path.help_synopsis + "\n\n" + cp->path.help_description}};
      return core::Response::WithData(help);
    }
    return Err(Unsupported());
  }
  FieldData data(&cp->path.fields, std::move(fields));
  COFFER_RETURN_IF_ERROR(data.Validate());
  return it->second(req, data);
}

Result<core::Backend::Existence> Backend::ExistenceCheck(core::Request& req) {
  Json fields = req.data.is_object() ? req.data : Json::object();
  const CompiledPath* cp = Match(req.path, &fields);
  if (cp == nullptr || !cp->path.existence_check) return Existence{};
  FieldData data(&cp->path.fields, std::move(fields));
  COFFER_ASSIGN_OR_RETURN(bool exists, cp->path.existence_check(req, data));
  return Existence{true, exists};
}

}  // namespace coffer::framework
