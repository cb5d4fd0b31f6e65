#include "config/section.h"

#include "base/duration.h"

namespace coffer::config::internal {

std::string SourceFile::Location(const std::string& pointer) const {
  return name + ":" + std::to_string(doc.LineOf(pointer));
}

std::string Show(const Json& v) {
  std::string s = v.is_string() ? "\"" + v.get<std::string>() + "\""
                                : v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

Section::Section(const SourceFile& file, const Json& object, std::string pointer,
                 std::string context)
    : file_(file), object_(object), pointer_(std::move(pointer)), context_(std::move(context)) {}

std::string Section::KeyPointer(std::string_view key) const {
  return hcl::JoinPointer(pointer_, key);
}

Status Section::KeyError(std::string_view key, std::string_view message) const {
  std::string prefix = file_.Location(KeyPointer(key)) + ": ";
  if (!context_.empty()) prefix += context_ + ": ";
  return InvalidArgument(prefix + std::string(key) + ": " + std::string(message));
}

Status Section::Error(std::string_view message) const {
  std::string prefix = Location() + ": ";
  if (!context_.empty()) prefix += context_ + ": ";
  return InvalidArgument(prefix + std::string(message));
}

const Json* Section::Take(std::string_view key) {
  known_.emplace(key);
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

void Section::AcceptPrefix(std::string_view prefix) {
  for (const auto& [k, v] : object_.items()) {
    if (std::string_view(k).substr(0, prefix.size()) == prefix) known_.insert(k);
  }
}

void Section::Fail(Status st) {
  if (status_.ok()) status_ = std::move(st);
}

void Section::Check(std::string_view key, const std::optional<std::string>& message) {
  if (message) Fail(KeyError(key, *message));
}

std::string Section::SubContext(std::string_view sub) const {
  return context_.empty() ? std::string(sub) : context_ + ": " + std::string(sub);
}

void Section::String(std::string_view key, std::string* out) {
  const Json* v = Take(key);
  if (v == nullptr || !ok()) return;
  if (!v->is_string()) return Fail(KeyError(key, "expected a string, got " + Show(*v)));
  *out = v->get<std::string>();
}

void Section::Bool(std::string_view key, bool* out) {
  const Json* v = Take(key);
  if (v == nullptr || !ok()) return;
  auto b = JsonToBool(*v);
  if (!b) return Fail(KeyError(key, "expected a boolean (true or false), got " + Show(*v)));
  *out = *b;
}

void Section::Int(std::string_view key, int64_t* out) {
  const Json* v = Take(key);
  if (v == nullptr || !ok()) return;
  auto i = JsonToInt(*v);
  if (!i) return Fail(KeyError(key, "expected an integer, got " + Show(*v)));
  *out = *i;
}

void Section::Duration(std::string_view key, std::chrono::seconds* out) {
  const Json* v = Take(key);
  if (v == nullptr || !ok()) return;
  if (v->is_number_integer() && v->get<int64_t>() >= 0) {
    *out = std::chrono::seconds(v->get<int64_t>());
    return;
  }
  Result<std::chrono::seconds> d = Err(InvalidArgument("not a duration"));
  if (v->is_string()) d = ParseDuration(v->get<std::string>());
  if (!d) return Fail(KeyError(key, "invalid duration " + Show(*v)));
  *out = *d;
}

void Section::StringList(std::string_view key, std::vector<std::string>* out) {
  const Json* v = Take(key);
  if (v == nullptr || !ok()) return;
  auto l = JsonToStringList(*v);
  if (!l) return Fail(KeyError(key, "expected a string or a list of strings, got " + Show(*v)));
  *out = std::move(*l);
}

Status Section::Finish() const {
  if (!status_.ok()) return status_;
  const std::string* first = nullptr;
  int first_line = 0;
  for (const auto& [k, v] : object_.items()) {
    if (known_.count(k) != 0) continue;
    int line = file_.doc.LineOf(KeyPointer(k));
    if (first == nullptr || line < first_line) {
      first = &k;
      first_line = line;
    }
  }
  if (first == nullptr) return Status::Ok();
  std::string prefix = file_.Location(KeyPointer(*first)) + ": ";
  if (!context_.empty()) prefix += context_ + ": ";
  return InvalidArgument(prefix + "unknown key \"" + *first + "\"");
}

namespace {

// The objects under `name`: the value itself if an object, else each array element.
Result<std::vector<Block>> Occurrences(Section& parent, std::string_view name, bool* present) {
  std::vector<Block> out;
  const Json* v = parent.Take(name);
  *present = v != nullptr;
  if (v == nullptr) return out;
  std::string ptr = parent.KeyPointer(name);
  if (v->is_object()) {
    out.push_back({"", v, ptr});
    return out;
  }
  if (!v->is_array()) {
    return Err(parent.KeyError(
        name, "expected a block, like " + std::string(name) + " { ... }, got " + Show(*v)));
  }
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    std::string eptr = hcl::JoinPointer(ptr, i);
    if (!e.is_object()) {
      return Err(InvalidArgument(parent.file().Location(eptr) + ": " + std::string(name) +
                                 ": expected a block, got " + Show(e)));
    }
    out.push_back({"", &e, eptr});
  }
  return out;
}

}  // namespace

Result<std::vector<Block>> UnlabeledBlocks(Section& parent, std::string_view name) {
  bool present = false;
  return Occurrences(parent, name, &present);
}

Result<std::vector<Block>> LabeledBlocks(Section& parent, std::string_view name) {
  bool present = false;
  COFFER_ASSIGN_OR_RETURN(std::vector<Block> occurrences, Occurrences(parent, name, &present));
  std::vector<Block> out;
  std::string prefix = parent.context().empty() ? "" : parent.context() + ": ";
  auto bad = [&](const std::string& ptr) {
    return InvalidArgument(parent.file().Location(ptr) + ": " + prefix + std::string(name) +
                           ": expected a block with a type label, like " + std::string(name) +
                           " \"<type>\" { ... }");
  };
  for (const Block& occ : occurrences) {
    if (occ.body->empty()) return Err(bad(occ.pointer));
    for (const auto& [label, body] : occ.body->items()) {
      std::string lptr = hcl::JoinPointer(occ.pointer, label);
      if (body.is_object()) {
        out.push_back({label, &body, lptr});
        continue;
      }
      if (!body.is_array() || body.empty()) return Err(bad(lptr));
      for (size_t j = 0; j < body.size(); ++j) {
        if (!body[j].is_object()) return Err(bad(lptr));
        out.push_back({label, &body[j], hcl::JoinPointer(lptr, j)});
      }
    }
  }
  return out;
}

Result<std::optional<Block>> SingleBlock(Section& parent, std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(std::vector<Block> blocks, UnlabeledBlocks(parent, name));
  if (blocks.empty()) return std::optional<Block>();
  if (blocks.size() > 1) {
    std::string prefix = parent.context().empty() ? "" : parent.context() + ": ";
    return Err(InvalidArgument(parent.file().Location(blocks[1].pointer) + ": " + prefix +
                               std::string(name) + ": only one " + std::string(name) +
                               " block is allowed"));
  }
  return std::optional<Block>(blocks[0]);
}

}  // namespace coffer::config::internal
