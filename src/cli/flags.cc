#include "cli/flags.h"

#include <algorithm>

#include "base/duration.h"
#include "base/json.h"
#include "cli/format.h"

namespace coffer::cli {
namespace {

std::optional<bool> ParseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False")
    return false;
  return std::nullopt;
}

bool LooksLikeFlag(std::string_view a) { return a.size() > 1 && a[0] == '-'; }

}  // namespace

void FlagSet::Add(Flag flag) {
  flag.section = section_;
  flags_.push_back(std::move(flag));
}

FlagSet::Flag* FlagSet::Lookup(std::string_view name) {
  auto alias = aliases_.find(name);
  if (alias != aliases_.end()) name = alias->second;
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

void FlagSet::String(std::string name, std::string* target, std::string usage) {
  Add({std::move(name), "", std::move(usage), "string", false, [target](std::string_view v) {
         *target = std::string(v);
         return Status::Ok();
       }});
}

void FlagSet::Bool(std::string name, bool* target, std::string usage) {
  Add({std::move(name), "", std::move(usage), "", true, [target](std::string_view v) {
         std::optional<bool> b = ParseGoBool(v);
         if (!b) return InvalidArgument("parse error");
         *target = *b;
         return Status::Ok();
       }});
}

void FlagSet::OptionalBool(std::string name, std::optional<bool>* target, std::string usage) {
  Add({std::move(name), "", std::move(usage), "", true, [target](std::string_view v) {
         std::optional<bool> b = ParseGoBool(v);
         if (!b) return InvalidArgument("parse error");
         *target = *b;
         return Status::Ok();
       }});
}

void FlagSet::Int(std::string name, int64_t* target, std::string usage) {
  Add({std::move(name), "", std::move(usage), "int", false, [target](std::string_view v) {
         Result<int64_t> i = JsonToInt(Json(std::string(v)));
         if (!i) return InvalidArgument("parse error");
         *target = *i;
         return Status::Ok();
       }});
}

void FlagSet::Duration(std::string name, std::optional<std::chrono::seconds>* target,
                       std::string usage) {
  Add({std::move(name), "", std::move(usage), "duration", false, [target](std::string_view v) {
         Result<std::chrono::seconds> d = ParseDuration(v);
         if (!d) return d.error();
         *target = *d;
         return Status::Ok();
       }});
}

void FlagSet::StringSlice(std::string name, std::vector<std::string>* target, std::string usage) {
  Add({std::move(name), "", std::move(usage), "string", false, [target](std::string_view v) {
         size_t start = 0;
         while (start <= v.size()) {
           size_t comma = v.find(',', start);
           if (comma == std::string_view::npos) comma = v.size();
           std::string item(v.substr(start, comma - start));
           item.erase(0, item.find_first_not_of(' '));
           item.erase(item.find_last_not_of(' ') + 1);
           if (!item.empty()) target->push_back(item);
           start = comma + 1;
         }
         return Status::Ok();
       }});
}

void FlagSet::StringMap(std::string name, std::map<std::string, std::string>* target,
                        std::string usage) {
  Add({std::move(name), "", std::move(usage), "key=value", false, [target](std::string_view v) {
         size_t eq = v.find('=');
         if (eq == std::string_view::npos) return InvalidArgument("missing = in KV pair");
         (*target)[std::string(v.substr(0, eq))] = std::string(v.substr(eq + 1));
         return Status::Ok();
       }});
}

void FlagSet::Alias(std::string alias, const std::string& name) {
  aliases_[std::move(alias)] = name;
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
  args_.clear();
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& s = args[i];
    if (s.size() < 2 || s[0] != '-') break;
    size_t minuses = s[1] == '-' ? 2 : 1;
    if (minuses == 2 && s.size() == 2) {  // "--" ends the flags
      ++i;
      break;
    }
    std::string_view name = std::string_view(s).substr(minuses);
    if (name.empty() || name[0] == '-' || name[0] == '=')
      return InvalidArgument("bad flag syntax: " + s);
    std::optional<std::string_view> value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    Flag* flag = Lookup(name);
    if (flag == nullptr)
      return InvalidArgument("flag provided but not defined: -" + std::string(name));
    if (flag->is_bool) {
      if (!flag->set(value.value_or("true")).ok()) {
        return InvalidArgument("invalid boolean value \"" + std::string(*value) + "\" for -" +
                               std::string(name) + ": parse error");
      }
    } else {
      if (!value) {
        if (i + 1 >= args.size())
          return InvalidArgument("flag needs an argument: -" + std::string(name));
        value = args[++i];
      }
      Status st = flag->set(*value);
      if (!st.ok()) {
        return InvalidArgument("invalid value \"" + std::string(*value) + "\" for flag -" +
                               std::string(name) + ": " + st.message());
      }
    }
    if (std::find(set_.begin(), set_.end(), flag->name) == set_.end()) set_.push_back(flag->name);
  }
  args_.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return Status::Ok();
}

bool FlagSet::IsSet(std::string_view name) const {
  return std::find(set_.begin(), set_.end(), name) != set_.end();
}

std::string FlagSet::trailing_flag_warning() const {
  std::vector<std::string> trailing;
  for (const std::string& a : args_) {
    if (LooksLikeFlag(a)) trailing.push_back(a);
  }
  if (trailing.empty()) return "";
  std::string joined;
  for (size_t i = 0; i < trailing.size(); ++i) joined += (i ? "," : "") + trailing[i];
  return "Command flags must be provided before positional arguments. The following arguments "
         "will not be parsed as flags: [" +
         joined + "]";
}

std::string FlagSet::Help() const {
  std::vector<std::string> sections;
  for (const Flag& f : flags_) {
    if (std::find(sections.begin(), sections.end(), f.section) == sections.end())
      sections.push_back(f.section);
  }
  std::string out;
  for (const std::string& section : sections) {
    out += section + ":\n";
    for (const Flag& f : flags_) {
      if (f.section != section) continue;
      out += "\n  -" + f.name + (f.is_bool ? "" : "=<" + f.hint + ">") + "\n";
      out += WrapAtLength(f.usage, 6) + "\n";
    }
    out += "\n";
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace coffer::cli
